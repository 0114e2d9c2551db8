"""Every change to review marks: create, edit, propose, withdraw, delete a draft, decide,
implement, re-check, comment, and carrying marks over to a newly published version; and the
read helpers the pages use (the marks of a procedure page, a mark's history, conflicts).

Pages, commands and tests call these functions; each checks the actor's permission
(``permissions``), the mark's state and its content (``rules``), writes an audit row with the
fields that changed (old -> new), and leaves the commit to the caller, as the catalog services
do. Edits and workflow steps take the ``revision`` the actor saw: when the mark moved on since,
they raise ``MarkConflict`` with the stored mark and the attempted change, never overwrite it.
The check runs twice: against the stored revision when the mark is loaded (a stale form), and
in the UPDATE itself (SQLAlchemy's ``version_id_col``: ``WHERE revision = :seen``), which
catches a concurrent transaction that committed between the load and the write.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.catalog.models import Procedure, ProcedureVersion
from app.catalog.records import flatten
from app.extensions import db
from app.notifications import services as notifications
from app.review import permissions
from app.review.labels import STATUS, label
from app.review.models import OPEN_STATUSES, Mark, MarkComment
from app.review.rules import (EFFECT_FIELDS, RuleError, check_legal_number, check_reason, clean_effects,
                              clean_params, parse_target, target_data, target_hash)
from app.timeutil import utcnow

# What an author may change in a draft; the target (procedure, element) is fixed at creation.
EDITABLE_FIELDS = ("action", "params", "reason", "rationale", "legal_number", "legal_text", *EFFECT_FIELDS)
MAX_TEXT = 10_000
OBJECT_TYPE = "review_mark"


class MarkError(ValueError):
    """A mark operation that cannot be carried out; the message is for the user."""


class MarkNotFound(MarkError, LookupError):
    pass


class MarkForbidden(MarkError):
    """The actor may not do this to this mark."""


class MarkStateError(MarkError):
    """The step does not follow from the mark's present state (e.g. deciding a draft)."""


class MarkInvalid(MarkError):
    """Content that breaks the rules; ``errors`` maps a field name to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class MarkConflict(MarkError):
    """The mark changed since the actor loaded it.

    ``stored`` is the mark as it now is (``snapshot``), ``attempted`` the change that was
    refused, ``expected_revision`` the revision the actor had seen. Nothing was written; when
    the conflict showed only at the write (a concurrent commit), the session's transaction was
    rolled back.
    """

    def __init__(self, stored: dict[str, Any], attempted: dict[str, Any], expected_revision: int):
        super().__init__(_("Mark %(id)s was changed by someone else (revision %(stored)s, you had %(seen)s).",
                           id=stored["id"], stored=stored["revision"], seen=expected_revision))
        self.stored = stored
        self.attempted = attempted
        self.expected_revision = expected_revision


@dataclass
class ReconcileResult:
    """What ``reconcile_marks`` did, as lists of mark ids."""

    version_id: int | None
    carried: list[int] = field(default_factory=list)
    text_changed: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)


# -- reading -----------------------------------------------------------------------------------

def get_mark(mark_id: int) -> Mark:
    """The mark as stored now (refreshing any copy the session holds)."""
    mark = db.session.get(Mark, mark_id, populate_existing=True)
    if mark is None:
        raise MarkNotFound(_("There is no mark %(id)s.", id=mark_id))
    return mark


def marks_of(procedure_id: int, *, statuses: tuple[str, ...] | None = None) -> list[Mark]:
    """The marks of a procedure, procedure marks first, then by element key and id."""
    query = select(Mark).where(Mark.procedure_id == procedure_id)
    if statuses:
        query = query.where(Mark.status.in_(statuses))
    return list(db.session.scalars(query.order_by(Mark.element_key.is_not(None), Mark.element_key, Mark.id)))


def marks_to_recheck(procedure_id: int | None = None) -> list[Mark]:
    """Open marks flagged by republication (text changed, element removed), oldest first."""
    query = select(Mark).where(Mark.flag.is_not(None), Mark.status.in_(OPEN_STATUSES))
    if procedure_id is not None:
        query = query.where(Mark.procedure_id == procedure_id)
    return list(db.session.scalars(query.order_by(Mark.flagged_at, Mark.id)))


def snapshot(mark: Mark) -> dict[str, Any]:
    """The stored state of a mark as plain JSON values (for conflicts and the audit trail)."""
    return {
        "id": mark.id, "revision": mark.revision, "procedure_id": mark.procedure_id,
        "version_id": mark.version_id, "target": mark.target, "status": mark.status, "flag": mark.flag,
        **{name: _json_value(getattr(mark, name)) for name in EDITABLE_FIELDS},
        "decision_comment": mark.decision_comment,
    }


def _json_value(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ, as (old values, new values)."""
    changed = [name for name in after if before.get(name) != after.get(name)]
    return {name: before.get(name) for name in changed}, {name: after.get(name) for name in changed}


# -- content -----------------------------------------------------------------------------------

def _procedure_exists(code: str) -> bool:
    return db.session.scalar(select(Procedure.id).where(Procedure.code == code)) is not None


def _clean(values: Mapping[str, Any], element_key: str | None, record: dict[str, Any]) -> dict[str, Any]:
    """Check a mark's full content against the version it is made on; return column values."""
    unknown = [name for name in values if name not in EDITABLE_FIELDS]
    if unknown:
        raise MarkInvalid({name: _("This value cannot be set.") for name in unknown})
    errors: dict[str, str] = {}
    action = values.get("action")
    cleaned: dict[str, Any] = {"action": action}
    try:
        cleaned["params"] = clean_params(action, values.get("params"), element_key=element_key, record=record,
                                         procedure_exists=_procedure_exists)
    except RuleError as exc:
        errors.update(exc.errors)
    cleaned["reason"] = check_reason(values.get("reason"), errors)
    for name in ("rationale", "legal_text"):
        text = values.get(name)
        if text is not None and not isinstance(text, str):
            errors[name] = _("Enter text.")
            continue
        text = (text or "").strip()
        if len(text) > MAX_TEXT:
            errors[name] = _("Keep this under %(count)s characters.", count=MAX_TEXT)
        cleaned[name] = text if name == "rationale" else (text or None)
    cleaned["legal_number"] = check_legal_number(values.get("legal_number"), record, errors)
    cleaned.update({name: None for name in EFFECT_FIELDS})
    cleaned.update(clean_effects(values, action, errors))
    if errors:
        raise MarkInvalid(errors)
    return cleaned


def _check_complete(mark: Mark) -> None:
    """A proposal says why (reason, rationale) and which legal text to amend; keeping needs none."""
    if mark.action == "keep":
        return
    errors: dict[str, str] = {}
    if not mark.reason:
        errors["reason"] = _("Choose a reason before proposing.")
    if not mark.rationale:
        errors["rationale"] = _("Explain the proposal before proposing.")
    if mark.reason != "no_legal_basis" and not (mark.legal_number or mark.legal_text):
        errors["legal_number"] = _("Name the legal text to amend before proposing.")
    if errors:
        raise MarkInvalid(errors)


# -- writing -----------------------------------------------------------------------------------

def create_mark(procedure_id: int, element_key: str | None, values: Mapping[str, Any], actor) -> Mark:
    """A new draft mark on the current version of a published procedure.

    ``element_key`` is None for a mark on the procedure itself; ``values`` holds the
    ``EDITABLE_FIELDS`` (``action`` required).
    """
    if not permissions.can_create(actor):
        raise MarkForbidden(_("Only reviewers and admins create marks."))
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None:
        raise MarkNotFound(_("There is no procedure %(id)s.", id=procedure_id))
    if procedure.status != "published" or procedure.current_version is None:
        raise MarkStateError(_("Only published procedures are reviewed; %(code)s is not published.",
                               code=procedure.code))
    version = procedure.current_version
    try:
        kind = parse_target(element_key)
    except RuleError as exc:
        raise MarkInvalid(exc.errors) from exc
    cleaned = _clean(values, element_key, version.record)
    now = utcnow()
    mark = Mark(procedure_id=procedure.id, version_id=version.id, target_kind=kind, element_key=element_key,
                target_hash=target_hash(target_data(version.record, element_key)), status="draft",
                created_by_id=actor.id, created_at=now, updated_at=now, **cleaned)
    db.session.add(mark)
    db.session.flush()
    audit.record(actor, "mark.created", OBJECT_TYPE, mark.id, new=snapshot(mark),
                 message=f"{procedure.code} {mark.target}")
    return mark


def _load_for(mark_id: int, expected_revision: int, attempted: dict[str, Any]) -> Mark:
    mark = get_mark(mark_id)
    if mark.revision != expected_revision:
        raise MarkConflict(snapshot(mark), attempted, expected_revision)
    return mark


def _flush_or_conflict(mark_id: int, expected_revision: int, attempted: dict[str, Any]) -> None:
    """Write the pending change of a mark; a concurrent commit turns into ``MarkConflict``.

    The mark's UPDATE is the first write of the transaction, so that on SQLite it waits for
    the other writer (busy timeout) and then sees its commit, instead of failing on a snapshot.
    """
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise MarkConflict(snapshot(get_mark(mark_id)), attempted, expected_revision) from None


def update_mark(mark_id: int, expected_revision: int, changes: Mapping[str, Any], actor) -> Mark:
    """Change the content of a draft (its author or an admin); ``changes`` maps some of
    ``EDITABLE_FIELDS`` to new values. Raises ``MarkConflict`` when the revision moved on."""
    attempted = dict(changes)
    mark = _load_for(mark_id, expected_revision, attempted)
    if not permissions.can_edit(actor, mark):
        if mark.status != "draft":
            raise MarkStateError(_("Only a draft can be edited; this mark is %(status)s.",
                                   status=label(STATUS, mark.status)))
        raise MarkForbidden(_("Only the author of a draft or an admin may edit it."))
    before = {name: _json_value(getattr(mark, name)) for name in EDITABLE_FIELDS}
    merged = {**before, **attempted}
    if "action" in attempted and "params" not in attempted and attempted["action"] != mark.action:
        merged["params"] = {}  # the values of the former action do not carry over to a new one
    cleaned = _clean(merged, mark.element_key, mark.version.record)
    old, new = _diff(before, cleaned)
    if not new:
        return mark
    for name, value in new.items():
        setattr(mark, name, value)
    mark.updated_at = utcnow()
    _flush_or_conflict(mark_id, expected_revision, attempted)
    audit.record(actor, "mark.updated", OBJECT_TYPE, mark.id, old=old, new=new)
    return mark


def _transition(mark: Mark, expected_revision: int, actor, action: str, new_status: str, *,
                message: str = "", **columns: Any) -> Mark:
    """Move a loaded mark to ``new_status`` (with the given columns). The audit row has the
    status and any text that changed; who and when are the audit row's own actor and time."""
    audited = ["status", *(name for name in columns if not name.endswith(("_id", "_at")))]
    old = {name: getattr(mark, name) for name in audited}
    mark.status = new_status
    mark.updated_at = utcnow()
    for name, value in columns.items():
        setattr(mark, name, value)
    _flush_or_conflict(mark.id, expected_revision, {name: getattr(mark, name) for name in audited})
    audit.record(actor, action, OBJECT_TYPE, mark.id, old=old, new={name: getattr(mark, name) for name in audited},
                 message=message)
    return mark


def propose_mark(mark_id: int, expected_revision: int, actor) -> Mark:
    """draft -> proposed, by the author or an admin, once the proposal is complete."""
    mark = _load_for(mark_id, expected_revision, {"status": "proposed"})
    if mark.status != "draft":
        raise MarkStateError(_("Only a draft can be proposed; this mark is %(status)s.",
                               status=label(STATUS, mark.status)))
    if not permissions.can_propose(actor, mark):
        raise MarkForbidden(_("Only the author of a draft or an admin may propose it."))
    if mark.flag is not None:
        raise MarkStateError(_("The element changed or was removed after this mark was made; "
                               "re-check the mark first."))
    _check_complete(mark)
    _transition(mark, expected_revision, actor, "mark.proposed", "proposed", proposed_at=utcnow())
    notifications.notify(notifications.leads(), "proposal", actor, mark_id=mark.id, code=mark.procedure.code,
                         target=mark.target)
    return mark


def decide_mark(mark_id: int, expected_revision: int, decision: str, comment: str, actor) -> Mark:
    """proposed -> accepted | rejected, by a lead or an admin, with a comment."""
    if decision not in ("accepted", "rejected"):
        raise MarkInvalid({"decision": _("Accept or reject.")})
    comment = (comment or "").strip()
    mark = _load_for(mark_id, expected_revision, {"status": decision, "decision_comment": comment})
    if mark.status != "proposed":
        raise MarkStateError(_("Only a proposal can be decided; this mark is %(status)s.",
                               status=label(STATUS, mark.status)))
    if not permissions.can_decide(actor, mark):
        if permissions.decides_own(actor, mark):
            raise MarkForbidden(_("You made this proposal: another lead or an admin decides on it."))
        raise MarkForbidden(_("Only a lead or an admin decides on proposals."))
    if not comment:
        raise MarkInvalid({"comment": _("Give the reason for the decision.")})
    if len(comment) > MAX_TEXT:
        raise MarkInvalid({"comment": _("Keep this under %(count)s characters.", count=MAX_TEXT)})
    if decision == "accepted" and mark.flag is not None:
        raise MarkStateError(_("The element changed or was removed after this mark was proposed; "
                               "re-check the mark before accepting it."))
    _transition(mark, expected_revision, actor, "mark." + decision, decision, message=comment,
                decided_by_id=actor.id, decided_at=utcnow(), decision_comment=comment)
    notifications.notify([mark.created_by_id], "decision", actor, mark_id=mark.id, code=mark.procedure.code,
                         target=mark.target, decision=decision)
    return mark


def implement_mark(mark_id: int, expected_revision: int, actor, comment: str = "") -> Mark:
    """accepted -> implemented (the legal text was amended), by a lead or an admin."""
    mark = _load_for(mark_id, expected_revision, {"status": "implemented"})
    if mark.status != "accepted":
        raise MarkStateError(_("Only an accepted mark can be implemented; this mark is %(status)s.",
                               status=label(STATUS, mark.status)))
    if not permissions.can_implement(actor, mark):
        raise MarkForbidden(_("Only a lead or an admin records an implementation."))
    return _transition(mark, expected_revision, actor, "mark.implemented", "implemented",
                       message=(comment or "").strip(), implemented_by_id=actor.id, implemented_at=utcnow())


def recheck_mark(mark_id: int, expected_revision: int, actor) -> Mark:
    """Confirm a ``text_changed`` mark for the current version: its content is checked again
    against the new text; it then moves to the current version and loses the flag."""
    mark = _load_for(mark_id, expected_revision, {"flag": None})
    if not permissions.can_recheck(actor, mark):
        if mark.flag != "text_changed" or mark.status not in OPEN_STATUSES:
            raise MarkStateError(_("This mark has nothing to re-check."))
        raise MarkForbidden(_("Only the author, a lead or an admin may re-check a mark."))
    procedure = mark.procedure
    version = procedure.current_version
    data = target_data(version.record, mark.element_key)
    if data is None:
        raise MarkStateError(_("The element is no longer in the current version."))
    values = {name: _json_value(getattr(mark, name)) for name in EDITABLE_FIELDS}
    _clean(values, mark.element_key, version.record)
    old = {"version": mark.version.number, "flag": mark.flag}
    mark.version_id = version.id
    mark.target_hash = target_hash(data)
    mark.flag = None
    mark.flagged_at = None
    mark.updated_at = utcnow()
    _flush_or_conflict(mark_id, expected_revision, {"flag": None})
    audit.record(actor, "mark.rechecked", OBJECT_TYPE, mark.id, old=old,
                 new={"version": version.number, "flag": None})
    return mark


def withdraw_mark(mark_id: int, expected_revision: int, actor) -> Mark:
    """proposed -> draft, by the author or an admin: the proposal goes back for more work
    before anyone decides on it."""
    mark = _load_for(mark_id, expected_revision, {"status": "draft"})
    if mark.status != "proposed":
        raise MarkStateError(_("Only a proposal can be withdrawn; this mark is %(status)s.",
                               status=label(STATUS, mark.status)))
    if not permissions.can_withdraw(actor, mark):
        raise MarkForbidden(_("Only the author of a proposal or an admin may withdraw it."))
    return _transition(mark, expected_revision, actor, "mark.withdrawn", "draft", proposed_at=None)


def delete_draft(mark_id: int, expected_revision: int, actor) -> dict[str, Any]:
    """Delete a draft (its author or an admin); returns its last ``snapshot``, which the
    audit row keeps as the old value. The DELETE checks the revision as an UPDATE does."""
    mark = _load_for(mark_id, expected_revision, {"status": None})
    if mark.status != "draft":
        raise MarkStateError(_("Only a draft can be deleted; this mark is %(status)s.",
                               status=label(STATUS, mark.status)))
    if not permissions.can_delete(actor, mark):
        raise MarkForbidden(_("Only the author of a draft or an admin may delete it."))
    old = snapshot(mark)
    message = f"{mark.procedure.code} {mark.target}"
    db.session.delete(mark)
    _flush_or_conflict(mark_id, expected_revision, {"status": None})
    audit.record(actor, "mark.deleted", OBJECT_TYPE, mark_id, old=old, message=message)
    return old


def add_comment(mark_id: int, text: str, actor) -> MarkComment:
    """Append a message to the thread of a mark (reviewers, leads, admins)."""
    mark = get_mark(mark_id)
    if not permissions.can_comment(actor, mark):
        raise MarkForbidden(_("Only reviewers, leads and admins comment on marks."))
    text = (text or "").strip()
    if not text:
        raise MarkInvalid({"text": _("Write a comment.")})
    if len(text) > MAX_TEXT:
        raise MarkInvalid({"text": _("Keep this under %(count)s characters.", count=MAX_TEXT)})
    comment = MarkComment(mark_id=mark.id, author_id=actor.id, author_name=audit.actor_label(actor),
                          created_at=utcnow(), text=text)
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "mark.commented", OBJECT_TYPE, mark.id, new={"comment": comment.id, "text": text})
    notifications.notify([mark.created_by_id], "comment", actor, mark_id=mark.id, code=mark.procedure.code,
                         target=mark.target)
    return comment


# -- pages -------------------------------------------------------------------------------------

@dataclass
class PageMarks:
    """The marks a procedure page shows, grouped by target (``"procedure"`` or an element key).

    On the current version every mark of the procedure is shown (flagged marks stay on the
    version they were checked on but belong to the element as it now is); an older version
    shows the marks made on it. ``elsewhere`` holds marks whose element is not on the page
    (removed in this version).
    """

    by_target: dict[str, list[Mark]]
    elsewhere: list[Mark]

    def of(self, target: str) -> list[Mark]:
        return self.by_target.get(target, [])

    @property
    def all(self) -> list[Mark]:
        return [mark for marks in self.by_target.values() for mark in marks] + self.elsewhere


def page_marks(procedure: Procedure, version: ProcedureVersion) -> PageMarks:
    """The marks of a procedure page in one query (``marks_of``), grouped by target."""
    marks = marks_of(procedure.id)
    if version.id != procedure.current_version_id:
        marks = [mark for mark in marks if mark.version_id == version.id]
    on_page = set(flatten(version.record)) | {"procedure"}
    grouped: dict[str, list[Mark]] = {}
    elsewhere: list[Mark] = []
    for mark in marks:
        if mark.target in on_page:
            grouped.setdefault(mark.target, []).append(mark)
        else:
            elsewhere.append(mark)
    return PageMarks(grouped, elsewhere)


def mark_history(mark_id: int) -> list[AuditEntry]:
    """The audit rows of a mark, oldest first (comments included)."""
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == OBJECT_TYPE, AuditEntry.object_id == str(mark_id)).order_by(AuditEntry.id)))


def last_change(mark_id: int) -> AuditEntry | None:
    """The newest audit row that changed the mark itself (comments do not change it)."""
    return db.session.scalar(select(AuditEntry).where(
        AuditEntry.object_type == OBJECT_TYPE, AuditEntry.object_id == str(mark_id),
        AuditEntry.action != "mark.commented").order_by(AuditEntry.id.desc()).limit(1))


# The parts of a mark a merge chooses between; an action and its values go together.
MERGE_UNITS = ("action", "reason", "rationale", "legal_number", "legal_text", *EFFECT_FIELDS)


@dataclass
class MergeField:
    """One part of a mark in a conflict: the stored value (theirs), the refused one (mine)
    and what changed since the version the actor had seen (None: unknown)."""

    name: str
    theirs: Any
    mine: Any
    seen: Any = None
    known_base: bool = False

    @property
    def differs(self) -> bool:
        return self.theirs != self.mine

    @property
    def mine_changed(self) -> bool:
        return self.mine != self.seen if self.known_base else self.differs

    @property
    def theirs_changed(self) -> bool:
        return self.theirs != self.seen if self.known_base else self.differs

    @property
    def default(self) -> str:
        """``"mine"`` unless only the other side changed this part: then keeping theirs is
        what the actor meant (their form just still showed the older value)."""
        return "theirs" if self.theirs_changed and not self.mine_changed else "mine"


def _unit(values: Mapping[str, Any], name: str) -> Any:
    if name == "action":
        return {"action": values.get("action"), "params": _json_value(values.get("params") or {})}
    return values.get(name)


def comparable_values(mark: Mark, changes: Mapping[str, Any]) -> dict[str, Any]:
    """An attempted change applied to the stored mark and cleaned as ``update_mark`` would,
    so that "0.5" and 0.5 compare equal; as given when it does not pass the rules."""
    before = {name: _json_value(getattr(mark, name)) for name in EDITABLE_FIELDS}
    merged = {**before, **{name: value for name, value in changes.items() if name in EDITABLE_FIELDS}}
    if "action" in changes and "params" not in changes and changes["action"] != mark.action:
        merged["params"] = {}
    try:
        return _clean(merged, mark.element_key, mark.version.record)
    except MarkInvalid:
        return merged


def merge_fields(mark: Mark, attempted: Mapping[str, Any], seen: Mapping[str, Any] | None = None) -> list[MergeField]:
    """The parts of a mark side by side for a conflict: stored now, the actor's attempt, and
    (when the form said what it showed) the version the actor had started from."""
    stored = {name: _json_value(getattr(mark, name)) for name in EDITABLE_FIELDS}
    mine = comparable_values(mark, attempted)
    base = None
    if isinstance(seen, Mapping):
        base = {name: seen.get(name) for name in EDITABLE_FIELDS}
        base["params"] = base.get("params") or {}
    return [MergeField(name, _unit(stored, name), _unit(mine, name),
                       _unit(base, name) if base is not None else None, base is not None)
            for name in MERGE_UNITS]


# -- republication -----------------------------------------------------------------------------

def reconcile_marks(procedure_id: int, actor=None) -> ReconcileResult:
    """Carry the open marks of a procedure over to its current version; call it after a new
    version became current (publication). For each draft, proposed or accepted mark:

    - target unchanged (same hash): the mark moves to the current version (a flag is cleared);
    - target changed: flag ``text_changed``; the mark stays on the version it was checked on;
    - element gone: flag ``orphaned``; the mark stays where it was.

    Rejected and implemented marks are closed and stay on their version. Set-based: one
    statement for all changed marks. The marks are locked (FOR UPDATE) while this runs, and
    each change moves the revision, so an edit based on the older state gets ``MarkConflict``.
    """
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None:
        raise MarkNotFound(_("There is no procedure %(id)s.", id=procedure_id))
    result = ReconcileResult(version_id=procedure.current_version_id)
    if procedure.current_version_id is None:
        return result
    M = Mark.__table__
    rows = db.session.execute(
        select(M.c.id, M.c.version_id, M.c.element_key, M.c.target_hash, M.c.flag)
        .where(M.c.procedure_id == procedure_id, M.c.status.in_(OPEN_STATUSES))
        .order_by(M.c.id).with_for_update()
    ).all()
    if not rows:
        return result
    current = procedure.current_version
    numbers = dict(db.session.execute(select(ProcedureVersion.id, ProcedureVersion.number)
                                      .where(ProcedureVersion.procedure_id == procedure_id)).all())
    now = utcnow()
    changes, entries = [], []
    for row in rows:
        data = target_data(current.record, row.element_key)
        if data is None:
            version_id, flag, bucket = row.version_id, "orphaned", result.orphaned
        elif target_hash(data) == row.target_hash:
            version_id, flag, bucket = current.id, None, result.carried
        else:
            version_id, flag, bucket = row.version_id, "text_changed", result.text_changed
        if (version_id, flag) == (row.version_id, row.flag):
            continue
        bucket.append(row.id)
        changes.append({"mark": row.id, "to_version": version_id, "to_flag": flag,
                        "to_flagged_at": now if flag is not None else None})
        entries.append({"action": "mark.reconciled", "object_type": OBJECT_TYPE, "object_id": row.id,
                        "old": {"version": numbers.get(row.version_id), "flag": row.flag},
                        "new": {"version": numbers.get(version_id), "flag": flag},
                        "message": f"{procedure.code} v{current.number}"})
    if changes:
        db.session.execute(
            update(M).where(M.c.id == bindparam("mark")).values(
                version_id=bindparam("to_version"), flag=bindparam("to_flag"),
                flagged_at=bindparam("to_flagged_at"), revision=M.c.revision + 1, updated_at=now),
            changes)
        audit.record_many(actor, entries)
        # Rows changed behind the ORM's back: loaded marks read them again.
        db.session.expire_all()
    return result


def reconcile_published(sender, procedure_ids: list[int], **_extra) -> None:
    """Receiver of ``catalog.signals.versions_published``: reconcile the marks of the
    procedures that have any (one query finds them, so a large batch without marks costs
    nothing more)."""
    marked = set()
    for start in range(0, len(procedure_ids), 5000):
        part = procedure_ids[start:start + 5000]
        marked.update(db.session.scalars(select(Mark.procedure_id).where(Mark.procedure_id.in_(part)).distinct()))
    for procedure_id in sorted(marked):
        reconcile_marks(procedure_id)
