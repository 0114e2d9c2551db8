"""Catalog pages: list filters, sorting, paging, fragments, the procedure page, escaping."""
from __future__ import annotations

import re

import pytest

from app.catalog.importer import import_file
from helpers import example_records, record, write_jsonl


@pytest.fixture
def catalog(app, tmp_path):
    first, second = example_records()
    internal = record("1.000003", kind="internal", level=["province", "district"], sector="Nội vụ",
                      agency="Bộ Nội vụ", online_level="none", title="Thẩm định đề án vị trí việc làm")
    draft = record("1.000004", status="draft", title="Thủ tục nháp")
    abolished = record("1.000005", status="abolished", title="Cấp đổi sổ hộ khẩu")
    escaped = record("1.000006", title="Cấp <script>alert(1)</script> giấy phép & chứng chỉ")
    import_file(write_jsonl(tmp_path / "c.jsonl", [first, second, internal, draft, abolished, escaped]),
                publish=True)


@pytest.fixture
def reviewer_client(client, make_user, login):
    login(make_user("rita", "reviewer"))
    return client


def codes_in(html: str) -> list[str]:
    return re.findall(r"<td><code>([0-9.]+)</code></td>", html)


def test_list_shows_published_and_abolished_not_drafts_to_reviewers(catalog, reviewer_client):
    html = reviewer_client.get("/procedures").get_data(as_text=True)
    assert codes_in(html) == ["1.000003", "1.000005", "1.000006", "1.001193", "1.004222"]
    assert reviewer_client.get("/procedures/1.000004").status_code == 404


def test_admin_sees_drafts(catalog, client, make_user, login):
    login(make_user("ada", "admin"))
    assert "1.000004" in codes_in(client.get("/procedures").get_data(as_text=True))
    page = client.get("/procedures/1.000004").get_data(as_text=True)
    assert "Publish" in page


@pytest.mark.parametrize("query, expected", [
    ("kind=internal", ["1.000003"]),
    ("level=district", ["1.000003"]),
    ("level=district&level=commune", ["1.000003", "1.000005", "1.000006", "1.001193", "1.004222"]),
    ("status=abolished", ["1.000005"]),
    ("online_level=none", ["1.000003"]),
    ("sector=Hộ tịch", ["1.000005", "1.000006", "1.001193"]),
    ("agency=Bộ Công an&kind=external", ["1.004222"]),
    ("q=khai sinh", ["1.001193"]),
    ("q=1.0042", ["1.004222"]),
    ("level=nonsense", ["1.000003", "1.000005", "1.000006", "1.001193", "1.004222"]),
])
def test_filters(catalog, reviewer_client, query, expected):
    html = reviewer_client.get(f"/procedures?{query}").get_data(as_text=True)
    assert codes_in(html) == expected


def test_sort_and_pagination(catalog, reviewer_client):
    html = reviewer_client.get("/procedures?sort=code&direction=desc&per_page=2").get_data(as_text=True)
    assert codes_in(html) == ["1.004222", "1.001193"]
    assert "Page 1 of 3" in html
    html = reviewer_client.get("/procedures?sort=code&direction=desc&per_page=2&page=3").get_data(as_text=True)
    assert codes_in(html) == ["1.000003"]
    by_title = codes_in(reviewer_client.get("/procedures?sort=title").get_data(as_text=True))
    assert by_title[0] == "1.000006"  # "Cấp <script>..." sorts first
    bad = reviewer_client.get("/procedures?sort=drop table&page=abc&per_page=-4")
    assert bad.status_code == 200


def test_htmx_request_gets_fragment_with_vary_header(catalog, reviewer_client):
    full = reviewer_client.get("/procedures?kind=internal")
    fragment = reviewer_client.get("/procedures?kind=internal", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "1.000003" in body
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in full.headers["Vary"]
    assert fragment.headers["HX-Push-Url"] == "/procedures?kind=internal"
    restore = reviewer_client.get("/procedures", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_push_url_is_ascii(catalog, reviewer_client):
    response = reviewer_client.get("/procedures?sector=Hộ tịch", headers={"HX-Request": "true"})
    assert response.headers["HX-Push-Url"].isascii()
    assert "%E1%BB%99" in response.headers["HX-Push-Url"]


def test_procedure_page_shows_every_section_with_anchors(catalog, reviewer_client):
    html = reviewer_client.get("/procedures/1.001193").get_data(as_text=True)
    for heading in ("Steps", "Submission channels", "Dossier documents", "Fees and charges",
                    "Requirements and conditions", "Result", "Legal basis", "Compliance cost inputs",
                    "General information"):
        assert f">{heading}</h2>" in html, heading
    for eid in ("s1", "c1", "d1", "d1.f3", "fee1"):
        assert f'id="el-{eid}"' in html and f'href="#el-{eid}"' in html
    assert "Tờ khai đăng ký khai sinh" in html and "Họ, chữ đệm, tên người yêu cầu" in html
    assert "123/2015/NĐ-CP" in html or "60/2014/QH13" in html


def test_procedure_text_is_escaped(catalog, reviewer_client):
    html = reviewer_client.get("/procedures/1.000006").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    listing = reviewer_client.get("/procedures").get_data(as_text=True)
    assert "<script>alert" not in listing


def test_unknown_procedure_is_404(catalog, reviewer_client):
    response = reviewer_client.get("/procedures/9.999999")
    assert response.status_code == 404 and "There is nothing at this address." in response.get_data(as_text=True)


def test_translated_title_follows_interface_locale(catalog, reviewer_client):
    reviewer_client.post("/locale", data={"locale": "en", "next": "/procedures/1.001193"})
    html = reviewer_client.get("/procedures/1.001193").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Birth registration" in html and "Đăng ký khai sinh" in html


def test_security_headers(catalog, reviewer_client):
    response = reviewer_client.get("/procedures")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_htmx_is_served_locally(client):
    response = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200 and b"htmx" in response.data[:2000]
    response.close()


def test_duration_labels_use_plural_forms(app):
    from app.catalog.labels import duration_label

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert duration_label(1, "working_days") == "1 working day"
        assert duration_label(15, "working_days") == "15 working days"
        assert duration_label(1.5, "hours") == "1.5 hours"
        assert duration_label(2, "months") == "2 months"


def facet_counts(html: str, name: str) -> dict[str, int]:
    """{value: count} of one filter group of the sidebar."""
    pattern = (rf'<input type="checkbox" name="{name}" value="([^"]+)"[^>]*>\s*<span>[^<]*</span>\s*'
               r'<span class="count">([\d.,]+)</span>')
    return {value: int(count.replace(",", "").replace(".", "")) for value, count in re.findall(pattern, html)}


def test_filters_show_counts_that_follow_the_other_filters(catalog, reviewer_client):
    html = reviewer_client.get("/procedures").get_data(as_text=True)
    assert facet_counts(html, "status") == {"published": 4, "abolished": 1}  # no draft for a reviewer
    assert facet_counts(html, "kind") == {"external": 4, "internal": 1}
    assert facet_counts(html, "level")["district"] == 1
    assert facet_counts(html, "sector")["Hộ tịch"] == 3
    # A chosen value keeps the counts of its own group (the others stay choosable) and narrows the rest.
    html = reviewer_client.get("/procedures?sector=Hộ tịch").get_data(as_text=True)
    assert facet_counts(html, "sector")["Hộ tịch"] == 3 and facet_counts(html, "sector")["Nội vụ"] == 1
    assert facet_counts(html, "status") == {"published": 2, "abolished": 1}
    # With text, the counts are those of the matching procedures.
    html = reviewer_client.get("/procedures?q=sổ hộ khẩu").get_data(as_text=True)
    assert codes_in(html) == ["1.000005"] and facet_counts(html, "status") == {"abolished": 1}


def test_htmx_fragment_replaces_the_filters_with_their_new_counts(catalog, reviewer_client):
    body = reviewer_client.get("/procedures?kind=internal", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<div id="catalog-facets" hx-swap-oob="true">' in body
    assert facet_counts(body, "sector") == {"Nội vụ": 1}


def test_text_filter_ignores_case_and_diacritics(catalog, reviewer_client):
    for text in ("KHAI SINH", "dang ky khai sinh", "Đăng ký khai"):
        assert codes_in(reviewer_client.get(f"/procedures?q={text}").get_data(as_text=True)) == ["1.001193"]
    assert codes_in(reviewer_client.get("/procedures?q=%25").get_data(as_text=True)) == []  # a LIKE wildcard is text


def test_reviewer_cannot_list_drafts_by_asking_for_them(catalog, reviewer_client):
    assert codes_in(reviewer_client.get("/procedures?status=draft").get_data(as_text=True)) == []


def test_list_follows_a_new_version_once_published_and_an_abolition(catalog, app, tmp_path, reviewer_client):
    from app.catalog import publication
    from app.catalog.importer import import_file
    from app.catalog.services import get_procedure
    from app.extensions import db

    changed = record("1.000003", kind="internal", level=["province", "district"], sector="Nội vụ",
                     agency="Bộ Tài chính", online_level="none", title="Thẩm định đề án việc làm mới")
    import_file(write_jsonl(tmp_path / "v2.jsonl", [changed]), publish=False)
    db.session.commit()
    html = reviewer_client.get("/procedures?agency=Bộ Nội vụ").get_data(as_text=True)
    assert codes_in(html) == ["1.000003"] and "new version waiting" in html  # the public version stays
    publication.publish_procedure(get_procedure("1.000003"), None)
    db.session.commit()
    assert codes_in(reviewer_client.get("/procedures?agency=Bộ Nội vụ").get_data(as_text=True)) == []
    html = reviewer_client.get("/procedures?agency=Bộ Tài chính").get_data(as_text=True)
    assert codes_in(html) == ["1.000003"] and "việc làm mới" in html and "new version waiting" not in html
    publication.abolish_procedure(get_procedure("1.000003"), None)
    db.session.commit()
    assert facet_counts(reviewer_client.get("/procedures").get_data(as_text=True), "status")["abolished"] == 2


def test_deep_pages_read_from_the_end_keep_the_order(catalog, reviewer_client):
    pages = [codes_in(reviewer_client.get(f"/procedures?per_page=1&page={n}&sort=title&direction=desc")
                      .get_data(as_text=True)) for n in range(1, 6)]
    whole = codes_in(reviewer_client.get("/procedures?sort=title&direction=desc").get_data(as_text=True))
    assert [code for page in pages for code in page] == whole
    assert codes_in(reviewer_client.get("/procedures?per_page=2&page=99").get_data(as_text=True)) == ["1.004222"]
