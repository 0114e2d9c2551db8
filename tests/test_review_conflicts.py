"""No lost writes on the review pages: two people editing or deciding the same mark, one after
the other with a stale page and at the same moment; the conflict page and its merge form."""
from __future__ import annotations

import threading
from html.parser import HTMLParser

import pytest
from flask import g
from sqlalchemy import event, select
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEntry
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.review import services
from app.review.models import Mark
from app.review.services import create_mark, propose_mark
from helpers import record, write_jsonl

CODE = "1.000001"
COMPLETE = {"reason": "not_necessary", "rationale": "Start.", "legal_number": "123/2015/NĐ-CP"}
HX = {"HX-Request": "true"}


class FormValues(HTMLParser):
    """What a browser would submit from one form of a page (its default submit button aside)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.values = form_id, False, MultiDict()
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.add(name, attrs.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.values.add(name, "")
        elif tag == "select" and name:
            self.select = name
            self.values.add(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values.setlist(self.select, [attrs.get("value") or ""])

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.values.setlist(self.textarea, [self.values.get(self.textarea) + data])


def form_values(page: str, form_id: str) -> MultiDict:
    parser = FormValues(form_id)
    parser.feed(page)
    assert parser.values, f"no form {form_id}"
    return parser.values


@pytest.fixture
def mark_id(app, tmp_path, make_user):
    import_file(write_jsonl(tmp_path / "c.jsonl", [record(CODE)]), publish=True)
    rita = make_user("rita", "reviewer")
    make_user("boss", "admin")
    make_user("lena", "lead")
    mark = create_mark(get_procedure(CODE).id, "document:d2", {"action": "remove", **COMPLETE}, rita)
    db.session.commit()
    return mark.id


@pytest.fixture
def clients(app, login, mark_id):
    """One signed-in client per user (each request forgets the user the shared ``g`` cached)."""
    def forget_user() -> None:
        g.pop("_login_user", None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_user)
    return {name: login(name, test_client=app.test_client()) for name in ("rita", "boss", "lena")}


EDIT_FORM = "mark-edit-document-d2"


def test_second_stale_edit_gets_409_with_both_values_and_nothing_is_overwritten(clients, mark_id):
    rita, boss = clients["rita"], clients["boss"]
    rita_form = form_values(rita.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    boss_form = form_values(boss.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    assert rita_form["revision"] == boss_form["revision"] == "1"

    boss_form["rationale"] = "The admin's reading."
    first = boss.post(f"/marks/{mark_id}", data=boss_form)
    assert first.status_code == 303
    rita_form["rationale"] = "The author's reading."
    second = rita.post(f"/marks/{mark_id}", data=rita_form)
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "This mark was changed while you were working on it" in page
    assert "The admin&#39;s reading." in page and "The author&#39;s reading." in page
    assert "Last change: Edited by boss" in page
    assert 'data-part="rationale"' in page and 'class="conflict-row differs" data-part="rationale"' in page
    assert 'class="conflict-row" data-part="reason"' in page  # the same on both sides
    stored = services.get_mark(mark_id)
    assert (stored.rationale, stored.revision) == ("The admin's reading.", 2)
    assert [e.action for e in _trail(mark_id)] == ["mark.created", "mark.updated"]

    # The merge form saves against the new revision; "use mine" is the default here.
    merge = form_values(page, EDIT_FORM)
    assert merge["revision"] == "2" and merge["merge.rationale"] == "mine"
    assert merge["rationale"] == "The author's reading."
    saved = rita.post(f"/marks/{mark_id}", data=merge)
    assert saved.status_code == 303
    assert services.get_mark(mark_id).rationale == "The author's reading."


def test_merge_keeps_their_change_to_a_part_the_user_did_not_touch(clients, mark_id):
    rita, boss = clients["rita"], clients["boss"]
    rita_form = form_values(rita.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    boss_form = form_values(boss.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    boss_form["rationale"] = "Rewritten by the admin."
    assert boss.post(f"/marks/{mark_id}", data=boss_form).status_code == 303
    rita_form["reason"] = "not_reasonable"  # her form still shows the old rationale
    conflict = rita.post(f"/marks/{mark_id}", headers=HX, data=rita_form)
    assert conflict.status_code == 409 and "<html" not in conflict.get_data(as_text=True)
    merge = form_values(conflict.get_data(as_text=True), EDIT_FORM)
    assert merge["merge.rationale"] == "theirs" and merge["merge.reason"] == "mine"
    assert rita.post(f"/marks/{mark_id}", headers=HX, data=merge).status_code == 200
    stored = services.get_mark(mark_id)
    assert (stored.rationale, stored.reason, stored.revision) == ("Rewritten by the admin.", "not_reasonable", 3)

    # Choosing "keep theirs" for a part the user changed drops that part of the change.
    rita_form = form_values(rita.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    boss_form = form_values(boss.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    boss_form["hours_saved_per_case"] = "2"
    assert boss.post(f"/marks/{mark_id}", data=boss_form).status_code == 303
    rita_form["hours_saved_per_case"] = "0.5"
    rita_form["legal_text"] = "Điều 16"
    merge = form_values(rita.post(f"/marks/{mark_id}", data=rita_form).get_data(as_text=True), EDIT_FORM)
    assert merge["merge.hours_saved_per_case"] == "mine"
    merge["merge.hours_saved_per_case"] = "theirs"
    assert rita.post(f"/marks/{mark_id}", data=merge).status_code == 303
    stored = services.get_mark(mark_id)
    assert (stored.hours_saved_per_case, stored.legal_text) == (2.0, "Điều 16")


def test_merge_form_conflicts_again_when_the_mark_moved_meanwhile(clients, mark_id):
    rita, boss = clients["rita"], clients["boss"]
    rita_form = form_values(rita.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    boss.post(f"/marks/{mark_id}", data={**form_values(boss.get(f"/marks/{mark_id}").get_data(as_text=True),
                                                        EDIT_FORM).to_dict(), "rationale": "One."})
    rita_form["rationale"] = "Mine."
    merge = form_values(rita.post(f"/marks/{mark_id}", data=rita_form).get_data(as_text=True), EDIT_FORM)
    boss.post(f"/marks/{mark_id}", data={**form_values(boss.get(f"/marks/{mark_id}").get_data(as_text=True),
                                                        EDIT_FORM).to_dict(), "rationale": "Two."})
    again = rita.post(f"/marks/{mark_id}", data=merge)
    assert again.status_code == 409 and "Two." in again.get_data(as_text=True)
    assert services.get_mark(mark_id).rationale == "Two."


def test_deciding_a_proposal_that_was_just_withdrawn_explains_and_offers_reload(clients, mark_id):
    rita, lena = clients["rita"], clients["lena"]
    assert rita.post(f"/marks/{mark_id}/propose", data={"revision": "1"}).status_code == 303
    page = lena.get(f"/marks/{mark_id}").get_data(as_text=True)
    assert 'class="step-form step-decide"' in page and 'name="revision" value="2"' in page
    assert rita.post(f"/marks/{mark_id}/withdraw", data={"revision": "2"}).status_code == 303
    response = lena.post(f"/marks/{mark_id}/decide", headers=HX,
                         data={"revision": "2", "decision": "accepted", "comment": "Fine."})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Your step “Accept” was not carried out." in body
    assert "it is now at revision 3, with the status Draft" in body
    assert "Last change: Proposal withdrawn by rita" in body
    assert f'href="/marks/{mark_id}"' in body and "reload-mark" in body
    assert services.get_mark(mark_id).status == "draft"
    # A step that does not fit the state (with a fresh revision) says why, also with 409.
    stale_state = lena.post(f"/marks/{mark_id}/decide", data={"revision": "3", "decision": "accepted",
                                                              "comment": "Fine."})
    assert stale_state.status_code == 409 and "Only a proposal can be decided" in stale_state.get_data(as_text=True)


def test_editing_a_mark_that_was_proposed_meanwhile_cannot_merge(clients, mark_id):
    rita, boss = clients["rita"], clients["boss"]
    boss_form = form_values(boss.get(f"/marks/{mark_id}").get_data(as_text=True), EDIT_FORM)
    assert rita.post(f"/marks/{mark_id}/propose", data={"revision": "1"}).status_code == 303
    boss_form["rationale"] = "Late edit."
    response = boss.post(f"/marks/{mark_id}", data=boss_form)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Late edit." in body and 'name="merge.rationale"' not in body and "reload-mark" in body
    assert services.get_mark(mark_id).rationale == "Start."


def test_two_requests_at_the_same_moment_one_saves_the_other_gets_409(app, clients, mark_id):
    """Both requests load revision 1 and pass the revision check before either writes (a
    barrier before the UPDATE); the database lets one through, the other answers 409."""
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def both_loaded(mapper, connection, target):
        barrier.wait()

    def post(name: str):
        try:
            outcomes[name] = clients[name].post(f"/marks/{mark_id}", data={"revision": "1",
                                                                           "rationale": f"by {name}"})
        except BaseException as exc:  # reported below
            outcomes[name] = exc

    event.listen(Mark, "before_update", both_loaded)
    try:
        threads = [threading.Thread(target=post, args=(name,)) for name in ("rita", "boss")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(Mark, "before_update", both_loaded)

    codes = {name: getattr(outcome, "status_code", outcome) for name, outcome in outcomes.items()}
    winners = [name for name, code in codes.items() if code == 303]
    losers = [name for name, code in codes.items() if code == 409]
    assert len(winners) == 1 and len(losers) == 1, codes
    page = outcomes[losers[0]].get_data(as_text=True)
    assert f"by {winners[0]}" in page and f"by {losers[0]}" in page
    db.session.expire_all()
    stored = services.get_mark(mark_id)
    assert (stored.rationale, stored.revision) == (f"by {winners[0]}", 2)
    updates = [e for e in _trail(mark_id) if e.action == "mark.updated"]
    assert [(e.actor_name, e.new) for e in updates] == [(winners[0], {"rationale": f"by {winners[0]}"})]


def test_two_leads_deciding_at_once_one_decision_stands(app, clients, mark_id, make_user, login):
    rita = db.session.scalar(select(Mark)).created_by
    propose_mark(mark_id, 1, rita)
    db.session.commit()
    make_user("lars", "lead")
    clients["lars"] = login("lars", test_client=app.test_client())
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def both_loaded(mapper, connection, target):
        barrier.wait()

    def decide(name: str, decision: str):
        try:
            outcomes[name] = clients[name].post(f"/marks/{mark_id}/decide", data={
                "revision": "2", "decision": decision, "comment": f"{decision} by {name}"})
        except BaseException as exc:  # reported below
            outcomes[name] = exc

    event.listen(Mark, "before_update", both_loaded)
    try:
        threads = [threading.Thread(target=decide, args=args) for args in (("lena", "accepted"),
                                                                           ("lars", "rejected"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(Mark, "before_update", both_loaded)
    codes = sorted(getattr(outcome, "status_code", outcome) for outcome in outcomes.values())
    assert codes == [303, 409], outcomes
    db.session.expire_all()
    stored = services.get_mark(mark_id)
    decisions = [e for e in _trail(mark_id) if e.action in ("mark.accepted", "mark.rejected")]
    assert len(decisions) == 1 and stored.status == decisions[0].action.removeprefix("mark.")
    assert stored.decision_comment == decisions[0].message


def _trail(mark_id):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "review_mark",
                                                       AuditEntry.object_id == str(mark_id))
                              .order_by(AuditEntry.id)).all()
