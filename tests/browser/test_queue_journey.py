"""A lead works through the queue of proposals in a real browser: sorts it by the estimated
saving, ticks several rows, accepts them with one comment; a row that changed meanwhile is
reported and stays. Then the same without JavaScript."""
from __future__ import annotations

from playwright.sync_api import expect

from app.auth.models import User
from app.catalog.services import get_procedure
from app.extensions import db
from app.review.services import create_mark, get_mark, propose_mark, withdraw_mark

COMPLETE = {"reason": "not_necessary", "rationale": "Not needed.", "legal_text": "Article 1"}


def _proposals(make_user, count=3):
    rita = make_user("rita", "reviewer")
    ids = []
    for hours in range(1, count + 1):
        procedure = get_procedure("1.000894")
        mark = create_mark(procedure.id, f"document:d{hours}", {"action": "remove", **COMPLETE,
                                                                "hours_saved_per_case": str(hours)}, rita)
        propose_mark(mark.id, mark.revision, rita)
        ids.append(mark.id)
    db.session.commit()
    return rita.id, ids


def test_lead_accepts_several_proposals_with_one_comment(live_server, page, make_user, sign_in):
    rita, ids = _proposals(make_user)
    make_user("lena", "lead")
    db.session.remove()
    sign_in(page, "lena")
    page.goto("/queues?queue=decide")
    queue = page.locator("#queue")
    queue.get_by_role("link", name="Estimated saving a year").click()
    expect(queue.locator("th[aria-sort=descending]")).to_be_visible()
    # The selection is made; then the reviewer withdraws one of them before the lead decides.
    for mark_id in ids:
        queue.locator(f"#decide-{mark_id}").check()
    withdraw_mark(ids[1], get_mark(ids[1]).revision, db.session.get(User, rita))
    db.session.commit()
    db.session.remove()
    queue.locator("#decide-batch-comment").fill("Agreed: the data is held by the state.")
    queue.locator(".decide-batch-accept").click()
    outcome = page.locator("#batch-outcome")
    expect(outcome).to_contain_text("2 proposals accepted.")
    expect(outcome).to_contain_text(f"Mark {ids[1]} was not decided")
    expect(queue.locator("input.decide-select")).to_have_count(0)
    statuses = [get_mark(mark_id).status for mark_id in ids]
    db.session.remove()
    assert statuses == ["accepted", "draft", "accepted"]


def test_select_all_and_reject_without_javascript(live_server, new_page, make_user, sign_in):
    _rita, ids = _proposals(make_user, count=2)
    make_user("lena", "lead")
    db.session.remove()
    page = new_page(java_script_enabled=False)
    sign_in(page, "lena")
    page.goto("/queues?queue=decide")
    page.locator("input[name=page_all]").check()
    page.locator("#decide-batch-comment").fill("Not this year.")
    with page.expect_navigation():
        page.locator(".decide-batch-reject").click()
    expect(page.locator(".flash-success")).to_have_text("2 proposals rejected.")
    statuses = [get_mark(mark_id).status for mark_id in ids]
    db.session.remove()
    assert statuses == ["rejected", "rejected"]
