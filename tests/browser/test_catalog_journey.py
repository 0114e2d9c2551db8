"""A reviewer's journey in a real browser: sign in, filter the catalog, search, open a procedure;
the same filter without JavaScript; and the forced password change after sign-in."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from app.catalog.models import Procedure, ProcedureVersion, VersionLevel
from app.extensions import db

SEARCH_WORD = "khai"  # in "Đăng ký khai tử" and "Khai báo tạm vắng"; ASCII, so typing sends key events
PAGE_SIZE = 25


def listed_codes(level: str | None = None, word: str | None = None) -> set[str]:
    """Codes a reviewer should see in the catalog (no drafts), read straight from the database."""
    stmt = (select(Procedure.code, ProcedureVersion.title)
            .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(Procedure.status != "draft"))
    if level:
        stmt = stmt.where(ProcedureVersion.id.in_(
            select(VersionLevel.version_id).where(VersionLevel.level == level)))
    rows = db.session.execute(stmt).all()
    db.session.rollback()  # end the read transaction: the server writes in its own
    return {code for code, title in rows if word is None or word in title.lower()}


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def count_text(number: int) -> str:
    """The count line of the first page of results."""
    if number > PAGE_SIZE:
        return f"1–{PAGE_SIZE} of {number} procedures"
    return f"{number} procedure" if number == 1 else f"{number} procedures"


def assert_rows_are_commune(page, expected: set[str]) -> None:
    rows = page.locator("#results table.catalog-table tbody tr")
    expect(rows).to_have_count(min(len(expected), PAGE_SIZE))
    for row in rows.all():
        code = row.locator("td").nth(0).inner_text().strip()
        levels = row.locator("td").nth(4).inner_text()
        assert code in expected, f"{code} does not match the filter"
        assert "Commune" in levels.split(", "), f"{code} has levels {levels!r}"


def test_sign_in_filter_search_and_open_a_procedure(page, make_user, sign_in):
    make_user("rita", "reviewer")
    everything = listed_codes()
    commune = listed_codes(level="commune")
    found = listed_codes(level="commune", word=SEARCH_WORD)
    assert len(everything) > len(commune) > len(found) >= 1, "the demo catalog changed; pick other filters"

    sign_in(page, "rita")
    expect(page).to_have_url(re.compile(r"/procedures$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Procedure catalog")
    count = page.locator("#results .result-count")
    expect(count).to_have_text(count_text(len(everything)))

    # A full page load would drop this mark; an HTMX swap keeps it.
    page.evaluate("window.__sameDocument = true")
    commune_box = page.get_by_role("group", name="Level").get_by_label("Commune")
    with page.expect_response(lambda r: "/procedures?" in r.url and r.request.headers.get("hx-request") == "true"):
        commune_box.check()
    expect(count).to_have_text(count_text(len(commune)))
    expect(page).to_have_url(re.compile(r"[?&]level=commune(&|$)"))  # hx-push-url
    assert page.evaluate("window.__sameDocument") is True, "the filter reloaded the page"
    assert_rows_are_commune(page, commune)

    # Typing is debounced: one request once the typing stops, not one per key.
    searches = []
    page.on("request", lambda r: searches.append(r.url) if "q=" in r.url else None)
    search_box = page.locator("#catalog-q")
    with page.expect_response(lambda r: query_of(r.url).get("q") == [SEARCH_WORD]):
        search_box.press_sequentially(SEARCH_WORD, delay=40)
    expect(count).to_have_text(count_text(len(found)))
    assert len(searches) < len(SEARCH_WORD), f"not debounced: {searches}"
    expect(page).to_have_url(re.compile(rf"[?&]q={SEARCH_WORD}(&|$)"))
    assert query_of(page.url)["level"] == ["commune"], "the search dropped the ticked facet"
    assert page.evaluate("window.__sameDocument") is True
    assert_rows_are_commune(page, found)
    for cell in page.locator("#results tbody tr td:nth-child(2)").all():
        assert SEARCH_WORD in cell.inner_text().lower()  # the source title, beside the translation

    first_row = page.locator("#results tbody tr").first
    code = first_row.locator("td").first.inner_text().strip()
    with page.expect_navigation():
        first_row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/procedures/{re.escape(code)}$"))
    expect(page.locator(".procedure-head .code code")).to_have_text(code)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    for section in ("Steps", "Dossier documents", "Legal basis"):
        expect(page.get_by_role("heading", level=2, name=section, exact=True)).to_be_visible()
    document = page.locator("#el-d1")
    expect(document).to_have_count(1)
    expect(document).to_have_attribute("data-element", "document:d1")
    # The element's own anchor link targets it (reviewers share these links).
    document.get_by_role("link", name="Link to document d1").click()
    expect(page).to_have_url(re.compile(r"#el-d1$"))
    assert page.evaluate("document.querySelector(':target')?.id") == "el-d1"


def test_filter_works_without_javascript(new_page, make_user, sign_in):
    make_user("nojs", "reviewer")
    commune = listed_codes(level="commune")
    page = new_page(java_script_enabled=False)

    sign_in(page, "nojs")
    expect(page).to_have_url(re.compile(r"/procedures$"))
    page.get_by_role("group", name="Level").get_by_label("Commune").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()

    assert query_of(page.url).get("level") == ["commune"], page.url
    expect(page.locator("#results .result-count")).to_have_text(count_text(len(commune)))
    expect(page.get_by_role("group", name="Level").get_by_label("Commune")).to_be_checked()
    assert_rows_are_commune(page, commune)


def test_user_who_must_change_password_is_sent_to_the_change_form(page, make_user, sign_in):
    user = make_user("newbie", "reviewer")
    user.must_change_password = True
    db.session.commit()

    sign_in(page, "newbie")
    expect(page).to_have_url(re.compile(r"/account/password$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Change password")
    expect(page.get_by_label("Current password")).to_be_visible()
    expect(page.get_by_label("New password", exact=True)).to_be_visible()

    # Other pages stay closed until the password is changed.
    page.goto("/procedures")
    expect(page).to_have_url(re.compile(r"/account/password$"))


def test_catalog_filter_trigger_has_no_syntax_error(page, make_user, sign_in):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    make_user("rita", "reviewer")
    sign_in(page, "rita")
    expect(page.locator("#results .result-count")).to_be_visible()
    page.wait_for_function("window.htmx !== undefined")
    assert "htmx:syntax:error" not in errors


def test_result_link_opens_right_after_typing_a_search(page, make_user, sign_in):
    make_user("rita", "reviewer")
    sign_in(page, "rita")
    with page.expect_response(lambda r: query_of(r.url).get("q") == [SEARCH_WORD]):
        page.locator("#catalog-q").press_sequentially(SEARCH_WORD, delay=40)
    expect(page.locator("#results .result-count")).to_have_text(
        count_text(len(listed_codes(word=SEARCH_WORD))))
    link = page.locator("#results tbody tr td:nth-child(2) a").first
    target = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(target)}$"), timeout=2_000)
