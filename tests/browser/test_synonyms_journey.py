"""The search synonyms page in a real browser: an admin edits a language's list (HTMX, then
with JavaScript off), sees a refused line named, tries a query against the saved lists, and a
search finds a procedure through a synonym saved a moment earlier."""
from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.search import synonym_lists
from app.search.analysis import tokenize


def test_admin_edits_the_english_list_and_tries_a_query(live_server, page, make_user, sign_in):
    tokenize("ใบขับขี่")  # the Thai dictionary loads once per process (1-2 s): not inside a browser wait
    make_user("ada", "admin")
    sign_in(page, "ada")
    page.goto("/admin/search/synonyms")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="The English list")).to_be_visible()
    box = page.get_by_label("Entries")
    expect(box).to_contain_text("licence, license")
    page.evaluate("window.__sameDocument = true")

    box.fill(box.input_value() + "wombat => koala\nkoala => wombat\n")
    page.get_by_role("button", name="Save the list").click()
    expect(page.locator("#synonym-problems")).to_contain_text("Line")
    expect(page.locator("#synonym-problems")).to_contain_text("a loop")
    assert "koala => wombat" in box.input_value()  # what was typed is kept

    box.fill(box.input_value().replace("koala => wombat\n", ""))
    page.get_by_role("button", name="Save the list").click()
    expect(page.get_by_role("status")).to_contain_text("The English list was saved: 1 entries added")
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded instead of swapped"

    page.get_by_role("textbox", name="Query").fill("wombat")
    page.get_by_role("button", name="Show the alternatives").click()
    expect(page.locator("table.synonym-alternatives")).to_contain_text("koala")
    db.session.rollback()
    assert [entry.text() for entry in synonym_lists.current_lists()["en"]][-1] == "wombat => koala"


def test_the_page_works_without_javascript(live_server, new_page, make_user, sign_in):
    make_user("ada", "admin")
    page = new_page(java_script_enabled=False)
    sign_in(page, "ada")
    page.goto("/admin/search/synonyms?lang=vi")
    box = page.get_by_label("Entries")
    box.fill(box.input_value() + "giấy đi đường, gđđ\n")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the list").click()
    expect(page.locator(".flash-success").first).to_contain_text("1 entries added")
    expect(page.get_by_label("Entries")).to_contain_text("giấy đi đường, gđđ")


def test_a_synonym_saved_on_the_page_finds_a_procedure_at_once(live_server, page, make_user, sign_in):
    from app.search import services, store

    services.reindex()
    db.session.remove()
    try:
        make_user("ada", "admin")
        sign_in(page, "ada")
        page.goto("/search?q=hatvuiqx")
        expect(page.locator("#search-results")).not_to_contain_text("2.300020")
        page.goto("/admin/search/synonyms?lang=vi")
        box = page.get_by_label("Entries")
        box.fill(box.input_value() + "hátvuiqx => karaoke\n")
        page.get_by_role("button", name="Save the list").click()
        expect(page.get_by_role("status")).to_contain_text("1 entries added")
        page.goto("/search?q=hatvuiqx")
        expect(page.locator("#search-results .hit").first).to_contain_text("karaoke")
    finally:
        store.searchers.clear()
