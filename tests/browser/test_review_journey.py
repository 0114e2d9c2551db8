"""The review in a real browser: a reviewer searches, opens a hit at the matched document, marks
it with the keyboard alone and proposes it; a lead accepts it from the queue; the dashboard
figures move. Then the same mark form without JavaScript."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from app.catalog.services import get_procedure
from app.extensions import db
from app.search import services, store


@pytest.fixture
def indexed(live_server):
    services.reindex()
    db.session.remove()
    yield live_server
    store.searchers.clear()


def figure(page, key: str, view: str) -> tuple[int, int]:
    """(numerator, denominator) of a dashboard figure as the page states it."""
    row = page.locator(f'.figure-card[data-figure="{key}"] tr[data-view="{view}"]')
    return int(row.get_attribute("data-numerator")), int(row.get_attribute("data-denominator"))


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_search_mark_with_keyboard_accept_and_dashboard_moves(indexed, new_page, make_user, sign_in):
    make_user("rita", "reviewer")
    make_user("lena", "lead")
    lead = new_page()
    sign_in(lead, "lena")
    lead.goto("/dashboard")
    simplify_before = figure(lead, "simplify", "accepted")
    data_before = figure(lead, "data_fields", "accepted")

    # The reviewer finds the documents that ask for the household book.
    page = new_page()
    sign_in(page, "rita")
    page.goto("/search")
    with page.expect_response(lambda r: parse_qs(urlsplit(r.url).query).get("q") == ["so ho khau"]):
        page.locator("#search-q").press_sequentially("so ho khau", delay=20)
    # A published procedure (abolished ones carry a badge and are not reviewed any more).
    hit = page.locator("#search-results .hit").filter(
        has=page.locator(".snippet-where", has_text="Document")).filter(
        has_not=page.locator(".hit-title .badge")).first
    link = hit.locator(".hit-title a")
    href = link.get_attribute("href")
    code, eid = re.search(r"/procedures/([\d.]+)#el-(d\d+)$", href).groups()
    with page.expect_navigation():
        link.click()
    element = page.locator(f'[data-element="document:{eid}"]')
    expect(element).to_be_visible()
    assert "hộ khẩu" in element.inner_text().lower()

    # Keyboard only from here: j/k move between elements, m opens the mark form.
    element.focus()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.getAttribute('data-element')") != f"document:{eid}"
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.getAttribute('data-element')") == f"document:{eid}"
    page.keyboard.press("m")
    form_id = f"mark-form-document-{eid}"
    form = page.locator(f"#{form_id}")
    expect(form).to_be_visible()
    expect(page.locator(f"[id='{form_id}-action']")).to_be_focused()

    # Escape closes the form and gives the focus back to the element; m opens it again.
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(element).to_be_focused()
    page.keyboard.press("m")
    expect(page.locator(f"[id='{form_id}-action']")).to_be_focused()

    # Type-ahead chooses in a select; Tab walks the inputs that apply to the action.
    page.keyboard.type("Remove")
    expect(page.locator(f"[id='{form_id}-action']")).to_have_value("remove")
    page.keyboard.press("Tab")
    assert focused_id(page) == f"{form_id}-reason"
    page.keyboard.type("Data already")
    expect(page.locator(f"[id='{form_id}-reason']")).to_have_value("data_held_by_state")
    page.keyboard.press("Tab")
    assert focused_id(page) == f"{form_id}-rationale"
    page.keyboard.type("Household books were abolished; the residence data is in the population database.")
    page.keyboard.press("Tab")
    assert focused_id(page) == f"{form_id}-legal_number"
    page.keyboard.press("ArrowDown")
    assert page.locator(f"[id='{form_id}-legal_number']").input_value() != ""
    # An estimate written the Vietnamese way ("1,5") is refused beside its input, nothing lost.
    page.locator(f"[id='{form_id}-hours_saved_per_case']").focus()
    page.keyboard.type("1,5")
    page.keyboard.press("Control+Enter")
    error = page.locator(f"[id='{form_id}-hours_saved_per_case-error']")
    expect(error).to_be_visible()
    expect(page.locator(f"[id='{form_id}-rationale']")).to_have_value(re.compile("Household books"))
    expect(page.locator(f"[id='{form_id}-hours_saved_per_case']")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("1.5")
    page.keyboard.press("Control+Enter")

    # Saved without a reload: the element lists its draft, the focus is back on the element.
    block = page.locator(f"#review-block-document-{eid}")
    expect(block.locator(".mark-item")).to_have_count(1)
    expect(block.locator(".mark-item.mark-status-draft")).to_be_visible()
    expect(page.locator("#review-live")).to_have_text("Mark saved.")
    expect(element).to_be_focused()

    # The reviewer proposes it on the mark's page.
    with page.expect_navigation():
        block.locator(".mark-link").first.click()
    mark_url = page.url
    page.locator(".step-propose button").first.click()
    expect(page.locator("#mark-status")).to_contain_text("Proposed")

    # The lead finds it in the queue of proposals, accepts it with a comment.
    lead.goto("/queues?queue=decide")
    row = lead.locator("#queue tr", has_text=code).first
    expect(row).to_be_visible()
    with lead.expect_navigation():
        row.locator(f'a[href="{urlsplit(mark_url).path}"]').first.click()
    lead.locator("#decision-comment").fill("Agreed: the population database holds the residence.")
    lead.locator(".decide-accept").click()
    expect(lead.locator("#mark-status")).to_contain_text("Accepted")

    # The dashboard moves: one more procedure simplified, one more document of an online
    # service removed (when the procedure is offered online).
    lead.goto("/dashboard")
    simplify_after = figure(lead, "simplify", "accepted")
    assert simplify_after == (simplify_before[0] + 1, simplify_before[1])
    data_after = figure(lead, "data_fields", "accepted")
    assert data_after[1] == data_before[1]
    version = get_procedure(code).current_version
    online = version.online_level in ("partial", "full")
    fields = len(version.fields_of(eid))
    db.session.remove()
    # The document counts, and each of its form fields with it; offline procedures are not counted.
    expected = data_before[0] + (1 + fields if online else 0)
    assert data_after[0] == expected


def test_marking_without_javascript(indexed, new_page, make_user, sign_in):
    make_user("rob", "reviewer")
    page = new_page(java_script_enabled=False)
    sign_in(page, "rob")
    page.goto("/procedures/1.000894")
    with page.expect_navigation():
        page.get_by_role("link", name="Mark Document d3").click()
    assert "/marks/new" in page.url
    page.locator("select[name=action]").select_option("accept_copy")
    page.locator("select[name='params.form']").select_option("e_copy")
    page.locator("select[name=reason]").select_option("not_reasonable")
    page.locator("textarea[name=rationale]").fill("An electronic copy is enough.")
    page.locator("input[name=legal_text]").fill("Article 18")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    assert urlsplit(page.url).path == "/procedures/1.000894" and page.url.endswith("#el-d3")
    expect(page.locator("#review-block-document-d3 .mark-item.mark-status-draft")).to_be_visible()
