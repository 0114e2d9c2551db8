"""Search in a real browser: active search with HTMX, facets swapped out of band, a hit opens
the procedure at the matched element; the same search works with JavaScript off."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.search import services, store


@pytest.fixture
def indexed(live_server):
    services.reindex()
    db.session.remove()
    yield live_server
    store.searchers.clear()


def test_active_search_facets_and_open_at_element(indexed, page, make_user, sign_in):
    make_user("rita", "reviewer")
    sign_in(page, "rita")
    page.goto("/search")
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: parse_qs(urlsplit(r.url).query).get("q") == ["so ho khau"]):
        page.locator("#search-q").press_sequentially("so ho khau", delay=30)
    expect(page).to_have_url(re.compile(r"[?&]q=so(\+|%20)ho(\+|%20)khau"))
    count = page.locator("#search-results .result-count")
    expect(count).to_contain_text("procedures found")
    before = int(re.search(r"\d+", count.inner_text()).group())
    assert before >= 5
    first_snippet = page.locator("#search-results .hit .snippet").first
    expect(first_snippet.locator("mark").first).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded instead of swapped"

    # Facets come back with the results (out-of-band swap) and keep their state.
    status_box = page.locator("#search-facets input[name=status][value=abolished]")
    with page.expect_response(lambda r: "status=abolished" in r.url):
        status_box.check()
    expect(count).not_to_have_text(re.compile(rf"^{before} "))
    expect(page.locator("#search-facets input[name=status][value=abolished]")).to_be_checked()
    assert "status=abolished" in page.url
    page.locator("#search-facets input[name=status][value=abolished]").uncheck()
    expect(count).to_contain_text(str(before))

    # A hit whose match is a document opens the procedure at that document.
    hit = page.locator("#search-results .hit").filter(has=page.locator(".snippet-where", has_text="Document")).first
    link = hit.locator(".hit-title a")
    href = link.get_attribute("href")
    assert re.search(r"/procedures/[\d.]+#el-d\d+$", href), href
    with page.expect_navigation():
        link.click()
    anchor = href.rsplit("#", 1)[1]
    expect(page.locator(f"[id='{anchor}']")).to_be_visible()
    assert page.evaluate("location.hash") == f"#{anchor}"
    matched = page.locator(f"[id='{anchor}']").inner_text().lower()
    assert "hộ khẩu" in matched


def test_search_without_javascript(indexed, browser, make_user, sign_in):
    make_user("rita", "reviewer")
    context = browser.new_context(java_script_enabled=False, base_url=indexed, locale="en-US")
    try:
        page = context.new_page()
        sign_in(page, "rita")
        page.goto("/search")
        page.locator("#search-q").fill("dang ky ket hon")
        with page.expect_navigation():
            page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator(".result-count")).to_contain_text("found")
        first = page.locator(".hit .hit-title a").first
        expect(first).to_contain_text("Đăng ký kết hôn")
        page.goto('/search?q="((')
        expect(page.get_by_role("alert")).to_contain_text("could not be read")
    finally:
        context.close()


@pytest.mark.parametrize("locale, showing, instead", [
    ("en", "Showing results for", "Search instead for"),
    ("vi", "Đang hiển thị kết quả cho", "Tìm chính xác"),
    ("th", "แสดงผลลัพธ์สำหรับ", "ค้นหาตามที่พิมพ์แทน"),
])
def test_corrected_typo_and_the_way_back_to_the_literal_query(indexed, new_page, make_user, sign_in, locale, showing,
                                                             instead, tmp_path):
    page = new_page()
    make_user("rita", "reviewer")
    sign_in(page, "rita")
    page.goto("/search")
    if locale != "en":
        with page.expect_navigation():
            page.locator("#locale-select").select_option(locale)
    page.goto("/search?q=dang+ky+ket+hno")
    note = page.locator("#search-results .corrected")
    expect(note).to_contain_text(showing)
    expect(note.locator("strong")).to_have_text("dang ky ket hon")
    expect(note).to_contain_text(instead)
    expect(page.locator("#search-results .hit .hit-title code").first).to_have_text("1.000894")
    page.screenshot(path=f"/tmp/sr-corrected-{locale}.png")
    with page.expect_navigation():
        note.locator("a").click()
    assert "exact=1" in page.url
    expect(page.locator("#search-results .suggestion a")).to_have_text("dang ky ket hon")
    expect(page.locator("#search-results .tier-note")).to_be_visible()
