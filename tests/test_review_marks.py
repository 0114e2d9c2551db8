"""Review marks: targets and values, who may do what, the workflow with its audit trail,
comment threads, and optimistic locking (a stale revision and two concurrent sessions)."""
from __future__ import annotations

import hashlib
import json
import threading

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.auth.models import User
from app.catalog.importer import import_file
from app.catalog.records import flatten
from app.catalog.services import get_procedure
from app.extensions import db
from app.review import labels, services
from app.review.models import (ACTIONS, DATABASES, FLAGS, REASONS, STATUSES, TARGET_KINDS, Mark,
                               MarkComment)
from app.review.rules import ACTION_TARGETS
from app.review.services import (MarkConflict, MarkForbidden, MarkInvalid, MarkStateError, add_comment,
                                  create_mark, decide_mark, implement_mark, propose_mark, update_mark)
from helpers import record, write_jsonl

# The example record (1.001193, birth registration): steps s1-s3; channels c1 (in person, 1
# working day) and c2 (online); documents d1 (fields d1.f1-d1.f9), d2, d3 (optional, 1 copy);
# fee1 of 0 VND; legal basis 60/2014/QH13 and 123/2015/NĐ-CP; fully online; commune level.
CODE, OTHER = "1.000001", "1.000002"
COMPLETE = {"reason": "not_necessary", "rationale": "The data is in the civil status database.",
            "legal_number": "123/2015/NĐ-CP"}


@pytest.fixture
def catalog(app, tmp_path):
    """Two published procedures, one waiting draft."""
    paid = record(OTHER, online_level="partial", level=["province", "district"])
    paid["fees"] = [{"id": "fee1", "text": "Lệ phí 50.000 đồng", "amount_vnd": 50000}]
    import_file(write_jsonl(tmp_path / "catalog.jsonl", [record(CODE), paid]), publish=True)
    import_file(write_jsonl(tmp_path / "draft.jsonl", [record("1.000003")]), publish=False)
    return {code: get_procedure(code).id for code in (CODE, OTHER, "1.000003")}


@pytest.fixture
def people(make_user):
    return {"rita": make_user("rita", "reviewer"), "rob": make_user("rob", "reviewer"),
            "lena": make_user("lena", "lead"), "boss": make_user("boss", "admin"),
            "tran": make_user("tran", "translator")}


def trail(mark_id):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "review_mark",
                                                       AuditEntry.object_id == str(mark_id))
                              .order_by(AuditEntry.id)).all()


# -- targets and values ------------------------------------------------------------------------

def test_mark_records_version_and_canonical_hash_of_its_element(catalog, people):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", **COMPLETE}, people["rita"])
    db.session.commit()
    procedure = get_procedure(CODE)
    element = flatten(procedure.current_version.record)["document:d2"]
    expected = hashlib.sha256(json.dumps(element, ensure_ascii=False, sort_keys=True,
                                         separators=(",", ":")).encode("utf-8")).hexdigest()
    assert (mark.version_id, mark.target_kind, mark.element_key) == (procedure.current_version_id, "document",
                                                                     "document:d2")
    assert mark.target_hash == expected
    assert (mark.status, mark.revision, mark.created_by_id) == ("draft", 1, people["rita"].id)
    (created,) = trail(mark.id)
    assert created.action == "mark.created" and created.actor_name == "rita"
    assert created.new["target"] == "document:d2" and created.new["legal_number"] == "123/2015/NĐ-CP"


@pytest.mark.parametrize(("key", "action", "params"), [
    (None, "keep", {}),
    (None, "abolish", {}),
    (None, "merge_with", {"code": OTHER}),
    (None, "change_level", {"level": "district"}),
    (None, "shorten_time", {"value": 0.5, "unit": "working_days"}),
    ("channel:c1", "shorten_time", {"value": "4", "unit": "hours"}),
    ("channel:c2", "reduce_fee", {"amount_vnd": 0}),
    ("channel:c2", "exempt_fee", {}),
    ("document:d2", "accept_copy", {"form": "e_copy"}),
    ("document:d3", "fewer_copies", {"copies": 0}),
    ("document:d1", "merge_with", {"key": "document:d2"}),
    ("field:d1.f3", "reuse_from_database", {"database": "population"}),
    ("field:d1.f4", "reuse_from_database", {"database": "other", "name": "Cơ sở dữ liệu hộ tịch"}),
    ("field:d1.f7", "make_optional", {}),
    ("step:s2", "parallel_steps", {"steps": ["step:s3"]}),
    ("step:s1", "remove_step", {}),
])
def test_actions_accepted_on_their_targets(catalog, people, key, action, params):
    mark = create_mark(catalog[CODE], key, {"action": action, "params": params}, people["rita"])
    assert mark.action == action and mark.target == (key or "procedure")


def test_cleaned_values_are_typed(catalog, people):
    values = {"action": "shorten_time", "params": {"value": "4", "unit": "hours"}, "hours_saved_per_case": "0.5"}
    mark = create_mark(catalog[CODE], "channel:c1", values, people["rita"])
    assert mark.params == {"value": 4.0, "unit": "hours"} and mark.hours_saved_per_case == 0.5
    assert mark.fees_saved_vnd is None  # not estimated, not zero


@pytest.mark.parametrize(("key", "action", "params", "field"), [
    ("document:d2", "shorten_time", {"value": 1, "unit": "days"}, "action"),  # time is a channel's
    ("step:s1", "reduce_fee", {"amount_vnd": 0}, "action"),
    ("field:d1.f1", "accept_copy", {"form": "copy"}, "action"),
    (None, "remove", {}, "action"),
    ("channel:c1", "keep", {}, "action"),
    ("legal:60/2014/QH13", "remove", {}, "element_key"),  # legal texts are amended, not marked
    ("document:d9", "remove", {}, "element_key"),  # not in the version
    ("field:d1.f4", "reuse_from_database", {"database": "other"}, "params.name"),
    ("field:d1.f4", "reuse_from_database", {"database": "tax"}, "params.database"),
    ("field:d1.f4", "reuse_from_database", {"database": "land", "name": "x"}, "params.name"),
    (None, "merge_with", {"code": CODE}, "params.code"),  # itself
    (None, "merge_with", {"code": "9.999999"}, "params.code"),  # no such procedure
    ("document:d1", "merge_with", {"key": "field:d1.f1"}, "params.key"),  # another kind
    (None, "change_level", {"level": "commune"}, "params.level"),  # already the only level
    (None, "make_fully_online", {}, "action"),  # already fully online
    ("channel:c1", "shorten_time", {"value": 2, "unit": "working_days"}, "params.value"),  # not shorter
    ("channel:c1", "shorten_time", {"value": 2, "unit": "weeks"}, "params.unit"),
    ("document:d3", "fewer_copies", {"copies": 1}, "params.copies"),  # not fewer
    ("document:d3", "fewer_copies", {"copies": 0.5}, "params.copies"),
    ("document:d3", "make_optional", {}, "action"),  # already optional
    ("fee:fee1", "exempt_fee", {}, "action"),  # already free
    ("step:s1", "merge_steps", {"steps": ["step:s1"]}, "params.steps"),
    ("step:s1", "merge_steps", {"steps": []}, "params.steps"),
    ("document:d2", "remove", {"database": "land"}, "params.database"),  # no such value for remove
    (None, "merge_with", {"code": 1.000002}, "params.code"),  # codes are text
    ("document:d2", "remove", ["database"], "params"),
])
def test_actions_refused_with_the_field_at_fault(catalog, people, key, action, params, field):
    with pytest.raises(MarkInvalid) as refused:
        create_mark(catalog[CODE], key, {"action": action, "params": params}, people["rita"])
    assert field in refused.value.errors
    assert db.session.scalar(select(Mark.id)) is None


def test_fee_reduction_must_lower_a_known_amount(catalog, people):
    with pytest.raises(MarkInvalid) as refused:
        create_mark(catalog[OTHER], "fee:fee1", {"action": "reduce_fee", "params": {"amount_vnd": 50000}},
                    people["rita"])
    assert "params.amount_vnd" in refused.value.errors
    mark = create_mark(catalog[OTHER], "fee:fee1", {"action": "reduce_fee", "params": {"amount_vnd": 20000},
                                                    "fees_saved_vnd": 30000}, people["rita"])
    assert mark.params == {"amount_vnd": 20000.0}


@pytest.mark.parametrize(("values", "field"), [
    ({"reason": "too_long"}, "reason"),
    ({"legal_number": "99/2099/QH99"}, "legal_number"),  # not a legal basis of the procedure
    ({"hours_saved_per_case": -1}, "hours_saved_per_case"),
    ({"fees_saved_vnd": "1.000,5"}, "fees_saved_vnd"),
    ({"other_saved_vnd": float("nan")}, "other_saved_vnd"),
    ({"status": "accepted"}, "status"),  # not settable through content
])
def test_common_values_are_checked(catalog, people, values, field):
    with pytest.raises(MarkInvalid) as refused:
        create_mark(catalog[CODE], "document:d2", {"action": "remove", **values}, people["rita"])
    assert field in refused.value.errors


def test_keep_and_abolish_take_no_estimates(catalog, people):
    for action in ("keep", "abolish"):
        with pytest.raises(MarkInvalid) as refused:
            create_mark(catalog[CODE], None, {"action": action, "hours_saved_per_case": 1}, people["rita"])
        assert "hours_saved_per_case" in refused.value.errors


def test_only_reviewers_and_admins_mark_published_procedures(catalog, people):
    for name in ("lena", "tran"):
        with pytest.raises(MarkForbidden):
            create_mark(catalog[CODE], None, {"action": "keep"}, people[name])
    with pytest.raises(MarkForbidden):
        create_mark(catalog[CODE], None, {"action": "keep"}, None)
    with pytest.raises(MarkStateError):
        create_mark(catalog["1.000003"], None, {"action": "keep"}, people["rita"])  # a draft procedure
    assert create_mark(catalog[CODE], None, {"action": "keep"}, people["boss"]).created_by_id == people["boss"].id


# -- workflow ----------------------------------------------------------------------------------

def test_workflow_with_audit_diffs(catalog, people):
    rita, lena = people["rita"], people["lena"]
    mark = create_mark(catalog[CODE], "field:d1.f3", {"action": "reuse_from_database",
                                                      "params": {"database": "population"}}, rita)
    db.session.commit()
    with pytest.raises(MarkInvalid) as incomplete:
        propose_mark(mark.id, 1, rita)
    assert set(incomplete.value.errors) == {"reason", "rationale", "legal_number"}

    mark = update_mark(mark.id, 1, {**COMPLETE, "hours_saved_per_case": 0.25}, rita)
    db.session.commit()
    assert mark.revision == 2
    # Unchanged values are no change: no new revision, no audit row.
    assert update_mark(mark.id, 2, {"reason": "not_necessary"}, rita).revision == 2
    mark = propose_mark(mark.id, 2, rita)
    db.session.commit()
    with pytest.raises(MarkStateError):
        update_mark(mark.id, 3, {"rationale": "late change"}, rita)  # proposals are frozen
    with pytest.raises(MarkForbidden):
        decide_mark(mark.id, 3, "accepted", "Agreed.", rita)
    with pytest.raises(MarkInvalid):
        decide_mark(mark.id, 3, "accepted", "  ", lena)
    with pytest.raises(MarkStateError):
        implement_mark(mark.id, 3, lena)  # not accepted yet
    mark = decide_mark(mark.id, 3, "accepted", "Agreed: the population database has it.", lena)
    db.session.commit()
    assert (mark.status, mark.decided_by_id, mark.decision_comment) == (
        "accepted", lena.id, "Agreed: the population database has it.")
    with pytest.raises(MarkForbidden):
        implement_mark(mark.id, 4, rita)
    mark = implement_mark(mark.id, 4, lena, "Decree amended")
    db.session.commit()
    assert mark.status == "implemented" and mark.implemented_by_id == lena.id and mark.revision == 5

    entries = [(e.action, e.actor_name, e.old, e.new) for e in trail(mark.id)]
    assert [entry[:2] for entry in entries] == [
        ("mark.created", "rita"), ("mark.updated", "rita"), ("mark.proposed", "rita"),
        ("mark.accepted", "lena"), ("mark.implemented", "lena")]
    assert entries[1][2] == {"reason": None, "rationale": "", "legal_number": None, "hours_saved_per_case": None}
    assert entries[1][3] == {**COMPLETE, "hours_saved_per_case": 0.25}
    assert entries[3][2:] == ({"status": "proposed", "decision_comment": None},
                              {"status": "accepted", "decision_comment": "Agreed: the population database has it."})
    assert entries[4][2:] == ({"status": "accepted"}, {"status": "implemented"})
    assert trail(mark.id)[4].message == "Decree amended"
    assert (mark.created_by.username, mark.decided_by.username, mark.implemented_by.username) == (
        "rita", "lena", "lena")
    assert mark.proposed_at <= mark.decided_at <= mark.implemented_at


def test_rejected_marks_end_there(catalog, people):
    mark = create_mark(catalog[CODE], None, {"action": "abolish", **COMPLETE}, people["rita"])
    propose_mark(mark.id, 1, people["rita"])
    decide_mark(mark.id, 2, "rejected", "Still needed for statistics.", people["boss"])
    db.session.commit()
    with pytest.raises(MarkStateError):
        implement_mark(mark.id, 3, people["lena"])
    with pytest.raises(MarkStateError):
        decide_mark(mark.id, 3, "accepted", "Changed my mind.", people["lena"])
    with pytest.raises(MarkInvalid):
        decide_mark(mark.id, 3, "maybe", "?", people["lena"])
    assert services.get_mark(mark.id).status == "rejected"


def test_no_legal_basis_needs_no_text_to_amend(catalog, people):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", "reason": "no_legal_basis",
                                                      "rationale": "No text requires it."}, people["rita"])
    assert propose_mark(mark.id, 1, people["rita"]).status == "proposed"
    keep = create_mark(catalog[OTHER], None, {"action": "keep"}, people["rita"])
    assert propose_mark(keep.id, 1, people["rita"]).status == "proposed"  # keeping needs no reason


def test_drafts_belong_to_their_author_admins_may_edit_all(catalog, people):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove"}, people["rita"])
    db.session.commit()
    for name in ("rob", "lena", "tran"):
        with pytest.raises(MarkForbidden):
            update_mark(mark.id, 1, {"rationale": "mine now"}, people[name])
        with pytest.raises(MarkForbidden):
            propose_mark(mark.id, 1, people[name])
    mark = update_mark(mark.id, 1, {"action": "accept_copy", "params": {"form": "copy"}}, people["boss"])
    assert (mark.action, mark.params, mark.revision) == ("accept_copy", {"form": "copy"}, 2)
    # A new action drops the values of the former one.
    mark = update_mark(mark.id, 2, {"action": "make_optional"}, people["rita"])
    assert (mark.action, mark.params) == ("make_optional", {})
    with pytest.raises(MarkInvalid):
        update_mark(mark.id, 3, {"action": "shorten_time"}, people["rita"])
    assert services.get_mark(mark.id).action == "make_optional"


def test_comment_thread(catalog, people):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove"}, people["rita"])
    add_comment(mark.id, "Is the birth certificate not always needed?", people["lena"])
    add_comment(mark.id, "  Only when born outside a hospital.  ", people["rita"])
    db.session.commit()
    with pytest.raises(MarkForbidden):
        add_comment(mark.id, "Translated.", people["tran"])
    with pytest.raises(MarkInvalid):
        add_comment(mark.id, "   ", people["rita"])
    thread = services.get_mark(mark.id).comments
    assert [(c.author_name, c.text) for c in thread] == [
        ("lena", "Is the birth certificate not always needed?"), ("rita", "Only when born outside a hospital.")]
    assert thread[0].created_at <= thread[1].created_at
    assert services.get_mark(mark.id).revision == 1  # a comment is not an edit of the mark
    assert [e.action for e in trail(mark.id)] == ["mark.created", "mark.commented", "mark.commented"]
    assert thread[0].author.username == "lena" and thread[0].mark.id == mark.id
    assert db.session.scalar(select(MarkComment.author_id).where(MarkComment.id == thread[0].id)) == people["lena"].id


def test_marks_listing(catalog, people):
    second = create_mark(catalog[CODE], "document:d2", {"action": "remove"}, people["rita"])
    first = create_mark(catalog[CODE], None, {"action": "keep"}, people["rita"])
    create_mark(catalog[OTHER], None, {"action": "keep"}, people["rita"])
    propose_mark(first.id, 1, people["rita"])
    assert [m.id for m in services.marks_of(catalog[CODE])] == [first.id, second.id]
    assert [m.id for m in services.marks_of(catalog[CODE], statuses=("proposed",))] == [first.id]


# -- no lost writes ----------------------------------------------------------------------------

def test_stale_revision_is_a_conflict_carrying_both_versions(catalog, people):
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", "rationale": "first"}, people["rita"])
    db.session.commit()
    update_mark(mark.id, 1, {"rationale": "second"}, people["boss"])
    db.session.commit()
    with pytest.raises(MarkConflict) as conflict:
        update_mark(mark.id, 1, {"rationale": "third", "reason": "not_reasonable"}, people["rita"])
    assert conflict.value.expected_revision == 1
    assert conflict.value.stored["revision"] == 2 and conflict.value.stored["rationale"] == "second"
    assert conflict.value.attempted == {"rationale": "third", "reason": "not_reasonable"}
    db.session.rollback()
    assert services.get_mark(mark.id).rationale == "second"
    assert [e.action for e in trail(mark.id)] == ["mark.created", "mark.updated"]
    with pytest.raises(MarkConflict):
        propose_mark(mark.id, 1, people["rita"])  # workflow steps check the revision too


def test_two_concurrent_sessions_one_edit_wins_the_other_conflicts(app, catalog, people):
    """Both sessions read revision 1 and pass the revision check before either writes (a
    barrier in the flush); the database lets one UPDATE through and the other finds the
    revision moved on: a conflict, not a silent overwrite."""
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove", "rationale": "start"}, people["rita"])
    db.session.commit()
    mark_id, editors = mark.id, {"rita": people["rita"].id, "boss": people["boss"].id}
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def both_loaded(mapper, connection, target):
        barrier.wait()

    def edit(name: str):
        with app.app_context():
            try:
                update_mark(mark_id, 1, {"rationale": f"by {name}"}, db.session.get(User, editors[name]))
                db.session.commit()
                outcomes[name] = "saved"
            except BaseException as exc:  # checked below
                outcomes[name] = exc
            finally:
                db.session.remove()

    event.listen(Mark, "before_update", both_loaded)
    try:
        threads = [threading.Thread(target=edit, args=(name,)) for name in editors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        event.remove(Mark, "before_update", both_loaded)

    winners = [name for name, outcome in outcomes.items() if outcome == "saved"]
    losers = [name for name, outcome in outcomes.items() if isinstance(outcome, MarkConflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    conflict = outcomes[losers[0]]
    assert conflict.stored["rationale"] == f"by {winners[0]}" and conflict.stored["revision"] == 2
    assert conflict.attempted == {"rationale": f"by {losers[0]}"}
    stored = services.get_mark(mark_id)
    assert (stored.rationale, stored.revision) == (f"by {winners[0]}", 2)
    updates = [e for e in trail(mark_id) if e.action == "mark.updated"]
    assert [(e.actor_name, e.new) for e in updates] == [(winners[0], {"rationale": f"by {winners[0]}"})]


# -- the tables and codes ----------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"status": "approved"},
    {"target_kind": "legal"},
    {"target_kind": "procedure"},  # with an element key
    {"element_key": None},  # a document mark without one
    {"hours_saved_per_case": -0.5},
])
def test_database_refuses_what_the_services_would(catalog, people, change):
    """The CHECK constraints hold for writes that bypass the services."""
    mark = create_mark(catalog[CODE], "document:d2", {"action": "remove"}, people["rita"])
    db.session.commit()
    row = {column.name: getattr(mark, column.key) for column in Mark.__table__.columns if column.name != "id"}
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Mark.__table__), [{**row, **change}])
    db.session.rollback()


def test_every_code_has_a_label_and_every_action_a_target():
    for codes, mapping in ((ACTIONS, labels.ACTION), (REASONS, labels.REASON), (STATUSES, labels.STATUS),
                           (FLAGS, labels.FLAG), (DATABASES, labels.DATABASE), (TARGET_KINDS, labels.TARGET_KIND)):
        assert set(mapping) >= set(codes)
    assert set(ACTION_TARGETS) == set(ACTIONS)
    assert set().union(*ACTION_TARGETS.values()) == set(TARGET_KINDS)
