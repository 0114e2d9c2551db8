"""The keyboard on search results and queues, as on the procedure page: j/k move between rows,
o opens a row, x selects it, m marks the matched element of a search hit."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from app.catalog.services import get_procedure
from app.extensions import db
from app.review.services import create_mark, propose_mark
from app.search import services, store


def test_queue_rows_by_keyboard(live_server, page, make_user, sign_in):
    rita = make_user("rita", "reviewer")
    ids = []
    for eid in ("d1", "d2"):
        mark = create_mark(get_procedure("1.000894").id, f"document:{eid}", {
            "action": "remove", "reason": "not_necessary", "rationale": "Not needed.", "legal_text": "Art. 1"}, rita)
        propose_mark(mark.id, mark.revision, rita)
        ids.append(mark.id)
    db.session.commit()
    db.session.remove()
    make_user("lena", "lead")
    sign_in(page, "lena")
    page.goto("/queues?queue=decide")
    rows = page.locator("#queue .queue-table tbody tr")
    expect(rows).to_have_count(2)
    page.keyboard.press("j")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("x")
    expect(page.locator(f"#decide-{ids[1]}")).to_be_checked()
    expect(page.locator(f"#decide-{ids[0]}")).not_to_be_checked()
    page.keyboard.press("k")
    expect(rows.nth(0)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("o")
    assert urlsplit(page.url).path == f"/marks/{ids[0]}"


def test_search_hits_by_keyboard(live_server, page, make_user, sign_in):
    services.reindex()
    db.session.remove()
    try:
        make_user("rita", "reviewer")
        sign_in(page, "rita")
        page.goto("/search")
        with page.expect_response(lambda r: parse_qs(urlsplit(r.url).query).get("q") == ["so ho khau"]):
            page.locator("#search-q").press_sequentially("so ho khau", delay=20)
        hits = page.locator("#search-results .hit")
        expect(hits.first).to_be_visible()
        page.locator("#search-q").blur()
        # The first hit a reviewer can mark (abolished procedures are not marked any more).
        target = next(index for index in range(hits.count()) if hits.nth(index).get_attribute("data-mark-url"))
        for _press in range(target + 1):
            page.keyboard.press("j")
        expect(hits.nth(target)).to_be_focused()
        page.keyboard.press("x")
        expect(hits.nth(target).locator(".hit-select")).to_be_checked()
        mark_url = hits.nth(target).get_attribute("data-mark-url")
        assert re.search(r"/marks/new\?element=(document|field):d\d", mark_url), mark_url
        with page.expect_navigation():
            page.keyboard.press("m")
        assert "/marks/new" in page.url
    finally:
        store.searchers.clear()
