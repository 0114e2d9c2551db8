"""Deciding several proposals at once from the "awaiting my decision" queue: one comment for all,
each mark through the review service in its own transaction, conflicts reported per row; the
estimated saving a year per row, and the queue sorted by it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.queues import services
from app.review import settings
from app.review.models import Mark
from app.review.services import MarkInvalid, create_mark, get_mark, propose_mark, withdraw_mark
from helpers import record, write_jsonl

COMPLETE = {"reason": "not_necessary", "rationale": "Not needed.", "legal_number": "60/2014/QH13"}
HX = {"HX-Request": "true"}
CODES = ("1.000001", "1.000002", "1.000003")


@pytest.fixture
def proposals(app, tmp_path, make_user):
    """Three proposals by rita (hours saved 1, 2 and none) and one by the lead leo; income 10,000
    VND an hour. Each procedure: 1,500,000 cases a year, fee-free."""
    import_file(write_jsonl(tmp_path / "c.jsonl", [record(code) for code in CODES]), publish=True)
    rita, lena, leo = make_user("rita", "reviewer"), make_user("lena", "lead"), make_user("leo", "lead", "reviewer")
    settings.set_setting(settings.INCOME_PER_HOUR, "10000", 2020, make_user("boss", "admin"))
    ids = []
    for code, hours in zip(CODES, ("1", "2", None)):
        values = {"action": "remove", **COMPLETE, "hours_saved_per_case": hours, "other_saved_vnd": "0"}
        mark = create_mark(get_procedure(code).id, "document:d2", values, rita)
        propose_mark(mark.id, mark.revision, rita)
        ids.append(mark.id)
    own = create_mark(get_procedure(CODES[0]).id, "document:d3", {"action": "remove", **COMPLETE}, leo)
    propose_mark(own.id, own.revision, leo)
    db.session.commit()
    return {"ids": ids, "own": own.id, "rita": rita, "lena": lena, "leo": leo}


def revisions(*ids):
    return [(mark_id, get_mark(mark_id).revision) for mark_id in ids]


def test_the_queue_shows_and_sorts_by_the_estimated_saving(proposals):
    lena = proposals["lena"]
    first, second, unknown = proposals["ids"]

    def page(sort=""):
        request = services.QueueRequest.from_args({"queue": "decide", "sort": sort}, lena, per_page=50)
        return {row.mark.id: row.saving for row in services.queue_page(lena, request).items}, \
            [row.mark.id for row in services.queue_page(lena, request).items]

    savings, oldest_first = page()
    # 1 h x 10,000 VND x 1,500,000 cases; the third has no hours estimate (the procedure takes 3 h).
    assert savings == {first: 15_000_000_000, second: 30_000_000_000, unknown: None, proposals["own"]: None}
    assert oldest_first == [first, second, unknown, proposals["own"]]
    assert page("saving")[1][:2] == [second, first]
    assert page("saving_asc")[1][:2] == [first, second]
    assert set(page("saving")[1][2:]) == {unknown, proposals["own"]}  # unknown last either way


def test_decide_many_accepts_each_through_the_service_and_reports_conflicts(proposals):
    lena, rita, leo = proposals["lena"], proposals["rita"], proposals["leo"]
    first, second, third = proposals["ids"]
    seen = revisions(first, second, third)
    # Someone withdraws the second proposal after the lead loaded the page.
    withdraw_mark(second, seen[1][1], rita)
    db.session.commit()
    outcome = services.decide_many(seen, "accepted", "Agreed for all three.", lena)
    assert outcome.decided == [first, third]
    assert set(outcome.refused) == {second} and "changed" in outcome.refused[second]
    db.session.expire_all()
    assert [get_mark(i).status for i in (first, second, third)] == ["accepted", "draft", "accepted"]
    assert get_mark(first).decision_comment == "Agreed for all three."
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.accepted")).all()
    assert sorted(int(e.object_id) for e in entries) == [first, third]
    # A lead's own proposal is refused for that row only.
    own = services.decide_many(revisions(proposals["own"]), "rejected", "No.", leo)
    assert own.decided == [] and "another lead" in own.refused[proposals["own"]]


def test_decide_many_needs_a_comment_and_a_selection(proposals):
    with pytest.raises(MarkInvalid) as refused:
        services.decide_many([], "accepted", "  ", proposals["lena"])
    assert set(refused.value.errors) == {"mark", "comment"}
    with pytest.raises(MarkInvalid):
        services.decide_many(revisions(proposals["ids"][0]), "maybe", "Why not", proposals["lena"])
    assert db.session.scalar(select(Mark.status).where(Mark.id == proposals["ids"][0])) == "proposed"


def test_batch_decision_page_without_javascript(proposals, app, login):
    client = login(proposals["lena"], test_client=app.test_client())
    page = client.get("/queues?queue=decide&sort=saving").get_data(as_text=True)
    assert 'name="mark"' in page and "Estimated saving a year" in page and 'aria-sort="descending"' in page
    first, second, third = proposals["ids"]
    shown = [f"{i}:{r}" for i, r in revisions(first, second, third, proposals["own"])]
    # "Select all on this page" sends every row shown; one of them was withdrawn meanwhile.
    withdraw_mark(third, get_mark(third).revision, proposals["rita"])
    db.session.commit()
    response = client.post("/queues/decide", data={"page_all": "1", "shown": shown, "decision": "rejected",
                                                   "comment": "Out of scope this year.", "sort": "saving"})
    assert response.status_code == 303 and "sort=saving" in response.headers["Location"]
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 proposals rejected." in after
    assert f"Mark {third} was not decided" in after
    db.session.expire_all()
    assert [get_mark(i).status for i in (first, second, third, proposals["own"])] == [
        "rejected", "rejected", "draft", "rejected"]


def test_batch_decision_with_htmx_answers_with_the_queue(proposals, app, login):
    client = login(proposals["lena"], test_client=app.test_client())
    first, second, _third = proposals["ids"]
    missing = client.post("/queues/decide", headers=HX, data={
        "mark": [f"{first}:{get_mark(first).revision}"], "decision": "accepted", "comment": ""})
    assert missing.status_code == 422 and 'id="decide-batch-comment-error"' in missing.get_data(as_text=True)
    response = client.post("/queues/decide", headers=HX, data={
        "mark": [f"{i}:{r}" for i, r in revisions(first, second)], "decision": "accepted", "comment": "Yes."})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="batch-outcome"' in body and "2 proposals accepted." in body
    assert "<html" not in body and f'value="{first}:' not in body


def test_the_queue_without_an_income_per_hour_shows_unknown_savings(app, tmp_path, make_user, login, client):
    """No income set yet: every saving is unknown (a typed NULL; PostgreSQL refused an untyped one)."""
    import_file(write_jsonl(tmp_path / "c.jsonl", [record(CODES[0])]), publish=True)
    rita, lena = make_user("rita", "reviewer"), make_user("lena", "lead")
    mark = create_mark(get_procedure(CODES[0]).id, "document:d2",
                       {"action": "remove", **COMPLETE, "hours_saved_per_case": "1"}, rita)
    propose_mark(mark.id, mark.revision, rita)
    db.session.commit()
    login(lena)
    response = client.get("/queues?queue=decide")
    assert response.status_code == 200
    assert f'data-mark-id="{mark.id}"' in response.get_data(as_text=True) or str(mark.id) in response.get_data(as_text=True)
