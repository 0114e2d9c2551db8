"""The search index admin page in a real browser: the rebuild button swaps in the progress
and then the outcome, and the rest of the page stays (it used to blank the page). This
server's search worker runs as the embedded default runs it: a thread of the web process."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.search import indexer, services, store


@pytest.fixture
def search_worker(app, live_server):
    services.reindex()
    db.session.remove()
    assert indexer.runner.start(app, interval=0.1)
    yield
    indexer.runner.shutdown()


def test_rebuild_button_shows_progress_and_keeps_the_page(search_worker, page, make_user, sign_in):
    make_user("ada", "admin")
    sign_in(page, "ada")
    page.goto("/admin/search")
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: r.url.endswith("/admin/search/rebuild")):
        page.get_by_role("button", name="Rebuild the index").click()
    expect(page.get_by_text("Rebuild finished:")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("heading", name="Search index")).to_be_visible()
    expect(page.get_by_role("heading", name="Health")).to_be_visible()
    expect(page.get_by_text("The index and the database agree.")).to_be_visible()
    expect(page.get_by_role("button", name="Rebuild the index")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded instead of swapped"
    store.searchers.clear()


def test_rebuild_button_without_javascript(live_server, new_page, make_user, sign_in):
    services.reindex()
    db.session.remove()
    make_user("ada", "admin")
    page = new_page(java_script_enabled=False)
    sign_in(page, "ada")
    page.goto("/admin/search")
    with page.expect_navigation():
        page.get_by_role("button", name="Rebuild the index").click()
    expect(page.get_by_role("heading", name="Search index")).to_be_visible()
    expect(page.get_by_role("heading", name="Health")).to_be_visible()
    store.searchers.clear()
