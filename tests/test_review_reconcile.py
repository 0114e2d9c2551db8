"""Republication: marks follow unchanged elements to the new version, and are flagged when
their element changed (re-check) or disappeared (orphaned)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog import publication
from app.catalog.importer import import_file
from app.catalog.services import get_procedure
from app.extensions import db
from app.review.models import Mark
from app.review.services import (MarkConflict, MarkForbidden, MarkInvalid, MarkStateError, create_mark,
                                  decide_mark, get_mark, marks_to_recheck, propose_mark, recheck_mark,
                                  reconcile_marks, update_mark)
from helpers import record, write_jsonl

CODE = "1.000001"
COMPLETE = {"reason": "not_necessary", "rationale": "Not needed.", "legal_number": "60/2014/QH13"}


def first_version():
    first = record(CODE)
    first["fees"][0]["amount_vnd"] = 8000
    return first


def second_version():
    new = first_version()
    new["dossier"][0]["fields"][2]["label"] = "Số định danh cá nhân"  # d1.f3 changed
    new["dossier"].pop(2)  # d3 removed
    new["fees"][0]["amount_vnd"] = 5000  # fee1 changed
    return new


@pytest.fixture
def people(make_user):
    return {"rita": make_user("rita", "reviewer"), "lena": make_user("lena", "lead"),
            "rob": make_user("rob", "reviewer")}


@pytest.fixture
def marked(app, tmp_path, people):
    """Version 1 published with marks on unchanged, changed and removed elements."""
    import_file(write_jsonl(tmp_path / "v1.jsonl", [first_version()]), publish=True)
    procedure = get_procedure(CODE)
    rita, lena = people["rita"], people["lena"]

    def mark(key, action, params=None, **values):
        return create_mark(procedure.id, key, {"action": action, "params": params or {}, **values}, rita).id

    ids = {
        "unchanged": mark("document:d2", "accept_copy", {"form": "e_copy"}),
        "changed": mark("field:d1.f3", "reuse_from_database", {"database": "population"}, **COMPLETE),
        "removed": mark("document:d3", "remove", **COMPLETE),
        "fee": mark("fee:fee1", "reduce_fee", {"amount_vnd": 3000}),
        "procedure": mark(None, "keep"),
        "rejected": mark("field:d1.f3", "make_optional", **COMPLETE),
    }
    propose_mark(ids["removed"], 1, rita)
    propose_mark(ids["rejected"], 1, rita)
    decide_mark(ids["rejected"], 2, "rejected", "The number is needed.", lena)
    db.session.commit()
    return procedure.id, ids


def republish(tmp_path, records, publish=True):
    import_file(write_jsonl(tmp_path / "v2.jsonl", records), publish=publish)
    return get_procedure(CODE)


def test_reconcile_after_republication(tmp_path, marked):
    procedure_id, ids = marked
    v1_id = get_procedure(CODE).current_version_id
    procedure = republish(tmp_path, [second_version()])
    v2_id = procedure.current_version_id
    assert v2_id != v1_id

    # Publication reconciled the marks (catalog signal versions_published), in its transaction.
    db.session.commit()

    state = {name: get_mark(mark_id) for name, mark_id in ids.items()}
    assert (state["unchanged"].version_id, state["unchanged"].flag) == (v2_id, None)
    assert (state["procedure"].version_id, state["procedure"].flag) == (v2_id, None)
    assert (state["changed"].version_id, state["changed"].flag) == (v1_id, "text_changed")
    assert (state["fee"].version_id, state["fee"].flag) == (v1_id, "text_changed")
    assert (state["removed"].version_id, state["removed"].flag) == (v1_id, "orphaned")
    assert state["changed"].flagged_at is not None and state["unchanged"].flagged_at is None
    # Closed marks stay where they were decided.
    assert (state["rejected"].version_id, state["rejected"].flag, state["rejected"].revision) == (v1_id, None, 3)
    # Each change moved the revision: a form opened before the republication gets a conflict.
    assert state["unchanged"].revision == 2 and state["removed"].revision == 3
    with pytest.raises(MarkConflict):
        update_mark(ids["unchanged"], 1, {"rationale": "edited in an old tab"}, None)
    db.session.rollback()

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mark.reconciled")
                                 .order_by(AuditEntry.object_id)).all()
    by_mark = {int(e.object_id): (e.old, e.new) for e in entries}
    assert by_mark[ids["removed"]] == ({"version": 1, "flag": None}, {"version": 1, "flag": "orphaned"})
    assert by_mark[ids["unchanged"]] == ({"version": 1, "flag": None}, {"version": 2, "flag": None})
    assert len(by_mark) == 5

    assert [m.id for m in marks_to_recheck(procedure_id)] == sorted(
        [ids["changed"], ids["fee"], ids["removed"]])

    # Running it again changes nothing.
    again = reconcile_marks(procedure_id)
    assert (again.carried, again.text_changed, again.orphaned) == ([], [], [])
    assert get_mark(ids["unchanged"]).revision == 2


def test_unpublished_version_is_not_current_yet(tmp_path, marked):
    procedure_id, ids = marked
    procedure = republish(tmp_path, [second_version()], publish=False)
    assert procedure.pending_version_id is not None
    result = reconcile_marks(procedure_id)
    assert (result.carried, result.text_changed, result.orphaned) == ([], [], [])
    assert get_mark(ids["removed"]).flag is None
    publication.publish_procedure(procedure, None)  # reconciles through the signal
    assert get_mark(ids["removed"]).flag == "orphaned"
    assert reconcile_marks(procedure_id).orphaned == []


def test_flagged_marks_are_rechecked_before_they_go_on(tmp_path, marked, people):
    procedure_id, ids = marked
    procedure = republish(tmp_path, [second_version()])
    reconcile_marks(procedure_id)
    db.session.commit()
    rita, lena, rob = people["rita"], people["lena"], people["rob"]
    changed = get_mark(ids["changed"])

    with pytest.raises(MarkStateError):
        propose_mark(changed.id, changed.revision, rita)  # flagged: re-check first
    with pytest.raises(MarkForbidden):
        recheck_mark(changed.id, changed.revision, rob)  # not the author
    with pytest.raises(MarkStateError):
        recheck_mark(ids["removed"], get_mark(ids["removed"]).revision, lena)  # nothing left to check

    rechecked = recheck_mark(changed.id, changed.revision, rita)
    db.session.commit()
    d1f3 = next(f for f in procedure.current_version.fields if f.eid == "d1.f3")
    assert (rechecked.flag, rechecked.version_id) == (None, procedure.current_version_id)
    assert d1f3.label == "Số định danh cá nhân"
    assert propose_mark(changed.id, rechecked.revision, rita).status == "proposed"

    # The fee went from 8,000 to 5,000 VND: reducing it to 3,000 still holds.
    fee = get_mark(ids["fee"])
    assert recheck_mark(fee.id, fee.revision, lena).flag is None

    # A proposal whose element was removed cannot be accepted, only rejected.
    removed = get_mark(ids["removed"])
    with pytest.raises(MarkStateError):
        decide_mark(removed.id, removed.revision, "accepted", "Fine.", lena)
    assert decide_mark(removed.id, removed.revision, "rejected", "The document is gone.", lena).status == "rejected"
    db.session.commit()
    assert [m.id for m in marks_to_recheck(procedure_id)] == []
    assert db.session.scalar(select(AuditEntry.new).where(AuditEntry.action == "mark.rechecked")
                             .order_by(AuditEntry.id).limit(1)) == {"version": 2, "flag": None}


def test_recheck_refuses_a_mark_the_new_text_contradicts(tmp_path, marked, people):
    procedure_id, ids = marked
    new = second_version()
    new["fees"][0]["amount_vnd"] = 2000  # below the proposed 3,000
    republish(tmp_path, [new])
    reconcile_marks(procedure_id)
    db.session.commit()
    fee = get_mark(ids["fee"])
    assert fee.flag == "text_changed"
    with pytest.raises(MarkInvalid) as refused:
        recheck_mark(fee.id, fee.revision, people["rita"])
    assert "params.amount_vnd" in refused.value.errors
    assert db.session.scalar(select(Mark.flag).where(Mark.id == fee.id)) == "text_changed"


def test_element_back_in_a_later_version_clears_the_flag(tmp_path, marked):
    procedure_id, ids = marked
    republish(tmp_path, [second_version()])
    reconcile_marks(procedure_id)
    assert get_mark(ids["removed"]).flag == "orphaned"
    import_file(write_jsonl(tmp_path / "v3.jsonl", [first_version()]), publish=True)  # as version 1 again
    db.session.commit()
    procedure = get_procedure(CODE)
    assert procedure.current_version.number == 3
    for name in ("changed", "fee", "removed", "unchanged", "procedure"):
        assert get_mark(ids[name]).version_id == procedure.current_version_id, name
    assert {get_mark(i).flag for i in ids.values()} == {None}
    assert get_mark(ids["removed"]).version_id == procedure.current_version_id
