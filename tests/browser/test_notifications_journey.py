"""Notifications in a real browser: the header counts the unread ones, the list links to the
mark, and marking one read updates the list and the header's count without a reload."""
from __future__ import annotations

from playwright.sync_api import expect

from app.catalog.services import get_procedure
from app.extensions import db
from app.review.services import add_comment, create_mark, decide_mark, propose_mark


def test_a_reviewer_reads_the_decision_on_their_proposal(live_server, page, make_user, sign_in):
    rita, lena = make_user("rita", "reviewer"), make_user("lena", "lead")
    mark = create_mark(get_procedure("1.000894").id, "document:d1", {
        "action": "remove", "reason": "not_necessary", "rationale": "Not needed.", "legal_text": "Article 1"}, rita)
    propose_mark(mark.id, mark.revision, rita)
    add_comment(mark.id, "Which article exactly?", lena)
    decide_mark(mark.id, mark.revision, "accepted", "Agreed.", lena)
    mark_id = mark.id
    db.session.commit()
    db.session.remove()

    sign_in(page, "rita")
    link = page.locator("#notifications-link")
    expect(link.locator(".notification-count")).to_contain_text("2")
    link.click()
    items = page.locator(".notification.unread")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("lena accepted your proposal on Document d1 of 1.000894.")
    expect(items.first.locator("a")).to_have_attribute("href", f"/marks/{mark_id}")
    items.first.locator(".mark-read").click()
    expect(page.locator(".notification.unread")).to_have_count(1)
    expect(link.locator(".notification-count")).to_contain_text("1")
    page.locator(".mark-all-read").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("#notifications-link .notification-count")).to_have_count(0)
