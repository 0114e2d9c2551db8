"""Locale selection (user preference > switcher > Accept-Language > default), <html lang>, the
translated pages, and dates, numbers and money through Babel (Thai dates in the Buddhist era)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from babel import Locale
from flask_babel import force_locale
from helpers import record, write_jsonl

from app.catalog.importer import import_file
from app.config import load_config
from app.extensions import db
from app.web.filters import buddhist_era_pattern, day, format_day, format_moment, moment, number, vnd


def html_lang(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, expected", [
    ("th", "6 สิงหาคม 2566"),
    ("vi", "06/08/2023"),
    ("en", "Aug 6, 2023"),
])
def test_day(app, locale, expected):
    with app.test_request_context("/"), force_locale(locale):
        assert format_day(date(2023, 8, 6)) == expected
        assert day("2023-08-06") == f'<time datetime="2023-08-06">{expected}</time>'
        assert day(None) == "—" and day("not a date") == "not a date"


@pytest.mark.parametrize("locale, expected", [
    ("th", "6 ส.ค. 2566 14:05"),
    ("vi", "14:05 06/08/2023"),
    ("en", "Aug 6, 2023, 2:05\u202fPM"),  # CLDR: a narrow no-break space before PM
])
def test_moment_in_the_user_time_zone(app, locale, expected):
    with app.test_request_context("/"), force_locale(locale):
        # Stored as naive UTC; shown in Asia/Ho_Chi_Minh (UTC+7).
        assert format_moment(datetime(2023, 8, 6, 7, 5)) == expected
        assert moment(datetime(2023, 8, 6, 7, 5)).startswith('<time datetime="2023-08-06T07:05Z">')
        assert moment("2023-08-06T07:05:00") == moment(datetime(2023, 8, 6, 7, 5))
        assert moment(None) == "—"


def test_thai_year_is_the_year_of_the_local_time(app):
    """31 December 2023 20:00 UTC is 1 January 2024 in Hanoi and Bangkok: B.E. 2567, not 2566."""
    with app.test_request_context("/"), force_locale("th"):
        assert format_moment(datetime(2023, 12, 31, 20, 0)) == "1 ม.ค. 2567 03:00"


@pytest.mark.parametrize("length", ["short", "medium", "long", "full"])
def test_every_thai_date_format_is_in_the_buddhist_era(length):
    from babel.dates import format_date

    thai = Locale.parse("th")
    pattern = buddhist_era_pattern(thai.date_formats[length].pattern, 2023)
    text = format_date(date(2023, 8, 6), format=pattern, locale=thai)
    assert "2023" not in text and "ค.ศ." not in text
    assert ("66" in text) if length == "short" else ("2566" in text)


def test_buddhist_era_pattern_rewrites_only_year_fields():
    assert buddhist_era_pattern("d MMMM G y", 2023) == "d MMMM '2566'"
    assert buddhist_era_pattern("d/M/yy", 2023) == "d/M/'66'"
    assert buddhist_era_pattern("EEEEที่ d MMMM G y", 1999) == "EEEEที่ d MMMM '2542'"
    # Quoted literals stay as they are, even when they contain pattern letters.
    assert buddhist_era_pattern("'year' y 'o''clock'", 2023) == "'year' '2566' 'o''clock'"
    with pytest.raises(ValueError):
        buddhist_era_pattern("Y-ww", 2023)


def test_thai_procedure_page_shows_buddhist_era_dates(app, client, make_user, login, tmp_path):
    decision = {"number": "12/2566", "date": "2023-08-06"}
    import_file(write_jsonl(tmp_path / "p.jsonl", [record("1.000001", decision=decision)]), publish=True)
    login(make_user("somchai", "reviewer"))
    client.post("/locale", data={"locale": "th", "next": "/"})
    page = client.get("/procedures/1.000001").get_data(as_text=True)
    assert '<time datetime="2023-08-06">6 สิงหาคม 2566</time>' in page
    assert "ค.ศ." not in page


# --- numbers and money ---------------------------------------------------------------------

@pytest.mark.parametrize("locale, amount, count", [
    ("vi", "1.500.000\xa0₫", "12.345,5"),  # a no-break space before ₫
    ("th", "₫1,500,000", "12,345.5"),
    ("en", "₫1,500,000", "12,345.5"),
])
def test_vnd_and_numbers(app, locale, amount, count):
    with app.test_request_context("/"), force_locale(locale):
        assert vnd(1500000) == amount
        assert number(12345.5, 1) == count
        assert vnd(None) == "—" and number(None) == "—"


def test_fee_amount_on_the_vietnamese_page(app, client, make_user, login, tmp_path):
    fees = [{"id": "fee1", "name": "Lệ phí", "amount_vnd": 15000, "text": "15.000 đồng"}]
    import_file(write_jsonl(tmp_path / "p.jsonl", [record("1.000001", fees=fees)]), publish=True)
    login(make_user("lan", "reviewer"))
    client.post("/locale", data={"locale": "vi", "next": "/"})
    page = client.get("/procedures/1.000001").get_data(as_text=True)
    assert "(15.000\xa0₫)" in page and "Phí, lệ phí" in page


# --- locale selection and html lang ---------------------------------------------------------

def test_accept_language_when_nothing_else_is_chosen(client):
    assert html_lang(client.get("/login", headers={"Accept-Language": "th-TH,th;q=0.9,en;q=0.5"})) == "th"
    assert html_lang(client.get("/login", headers={"Accept-Language": "vi"})) == "vi"
    assert html_lang(client.get("/login", headers={"Accept-Language": "de, fr"})) == "en"  # the default


def test_switcher_beats_accept_language(client):
    client.post("/locale", data={"locale": "vi", "next": "/login"})
    response = client.get("/login", headers={"Accept-Language": "th"})
    assert html_lang(response) == "vi" and "Đăng nhập" in response.get_data(as_text=True)


def test_user_preference_beats_switcher_and_accept_language(app, client, make_user, login):
    user = make_user("lan", "reviewer")
    user.locale = "th"
    db.session.commit()
    client.post("/locale", data={"locale": "vi", "next": "/login"})  # anonymous choice: session only
    login(user)
    response = client.get("/procedures", headers={"Accept-Language": "en"})
    assert html_lang(response) == "th" and "รายการกระบวนงาน" in response.get_data(as_text=True)


def test_switching_while_signed_in_saves_the_preference(app, client, make_user, login):
    user = make_user("lan", "reviewer")
    login(user)
    response = client.post("/locale", data={"locale": "vi", "next": "/procedures?page=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/procedures?page=1"
    db.session.refresh(user)
    assert user.locale == "vi"
    other = app.test_client()
    login(user, test_client=other)  # a new session: the saved preference follows the user
    assert html_lang(other.get("/procedures", headers={"Accept-Language": "th"})) == "vi"


def test_unknown_locale_and_foreign_redirect_are_ignored(client):
    response = client.post("/locale", data={"locale": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/procedures"
    assert html_lang(client.get("/login")) == "en"


def test_default_locale_is_vietnamese(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("DEFAULT_LOCALE", raising=False)
    assert load_config(tmp_path)["BABEL_DEFAULT_LOCALE"] == "vi"
    assert load_config(tmp_path)["PSEUDO_LOCALE"] is False


def test_default_locale_applies_without_any_choice(app, client):
    app.config["BABEL_DEFAULT_LOCALE"] = "vi"
    assert html_lang(client.get("/login")) == "vi"


@pytest.mark.parametrize("locale, title, sign_in", [
    ("vi", "Công cụ rà soát thủ tục hành chính", "Đăng nhập"),
    ("th", "ระบบทบทวนกระบวนงาน", "เข้าสู่ระบบ"),
    ("en", "Procedure Review Workbench", "Sign in"),
])
def test_pages_are_translated_and_declare_their_language(client, locale, title, sign_in):
    client.post("/locale", data={"locale": locale, "next": "/login"})
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert html_lang(response) == locale
    assert f"<title>{sign_in} · {title}</title>" in html
    # The switcher names each language in itself, marked with its own lang.
    assert '<option value="th" lang="th"' in html and "ไทย" in html


def test_form_errors_are_translated(client):
    client.post("/locale", data={"locale": "th", "next": "/login"})
    html = client.post("/login", data={}).get_data(as_text=True)
    assert "ต้องกรอกช่องนี้" in html and "This field is required" not in html


def test_import_errors_are_in_the_language_of_the_admin(app, client, make_user, login):
    import io

    from helpers import wait_for_job

    login(make_user("ada", "admin"))
    client.post("/locale", data={"locale": "vi", "next": "/"})
    response = client.post("/admin/imports", data={"file": (io.BytesIO(b"not json\n"), "bad.jsonl")},
                           content_type="multipart/form-data")
    job = wait_for_job(response.headers["Location"].rsplit("/", 1)[1])
    assert job.state == "failed" and job.message == "Tệp nhập có 1 lỗi"
    # Stored as a code, worded in the language of whoever reads the job page.
    assert job.errors[0][2] == "json_invalid"
    page = client.get(f"/admin/imports/jobs/{job.id}").get_data(as_text=True)
    assert "JSON không hợp lệ: thiếu giá trị tại cột 1" in page


@pytest.mark.parametrize("locale, expected", [("vi", "1.661 thủ tục"), ("en", "1,661 procedures"), ("th", "1,661")])
def test_template_plural_counts_are_written_the_locale_way(app, locale, expected):
    from flask import render_template_string

    with app.test_request_context("/"), force_locale(locale):
        text = render_template_string('{{ ngettext("%(num)s procedure", "%(num)s procedures", 1661) }}')
        assert expected in text
        # An explicit value is kept as given; npgettext too.
        assert render_template_string('{{ ngettext("%(num)s a", "%(num)s b", 1661, num="x") }}').startswith("x")
        assert "1661" not in render_template_string(
            '{{ npgettext("c", "%(num)s procedure", "%(num)s procedures", 1661) }}')
