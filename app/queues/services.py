"""Work queues of the review and the assignment of procedures to reviewers.

Assignments (``assign``, ``unassign``) are changed by leads and admins only, and each change
writes an audit row; the caller commits, as the other services do. The queues are read-only
views, each one SQL statement for its page of rows plus one for its count (no query per row):

- ``mine``: the marks a user created, flagged ones first;
- ``unreviewed``: published procedures with no mark in any state but rejected, by default
  only those in the reviewer's assignments;
- ``changed``: open marks flagged by republication (the condition of
  ``review.services.marks_to_recheck``), the user's own or in the user's assignments;
- ``decide``: proposals waiting for a lead's decision, oldest first (or by the estimated
  saving a year, ``sort``), not the lead's own; ``decide_many`` decides several at once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from app.audit import services as audit
from app.auth.models import User, UserRole
from app.catalog.labels import CHANNEL
from app.catalog.models import (Channel, Document, Fee, FormField, Procedure, ProcedureVersion, Requirement,
                                Step)
from app.extensions import db
from app.notifications import services as notifications
from app.queues.models import SCOPES, Assignment
from app.review import services as review
from app.review.cost import mark_saving_sql
from app.review.models import OPEN_STATUSES, STATUSES, Mark
from app.review.settings import INCOME_PER_HOUR, get_setting

OBJECT_TYPE = "queue_assignment"
# In the order the tabs are shown.
QUEUES = ("mine", "unreviewed", "changed", "decide")
# Who sees each queue: the roles that act on its rows (admins create and decide marks too).
QUEUE_ROLES = {
    "mine": ("reviewer", "admin"),
    "unreviewed": ("reviewer", "lead", "admin"),
    "changed": ("reviewer", "lead", "admin"),
    "decide": ("lead", "admin"),
}
# Leads and admins re-check any flagged mark (review.permissions.can_recheck): they see them all.
SEES_ALL_FLAGGED = ("lead", "admin")
ELEMENT_TEXT_LENGTH = 120
# Orders of the "decide" queue: oldest proposal first, or by the estimated saving a year.
DECIDE_SORTS = ("", "saving", "saving_asc")
# Most marks one batch decision takes (a page of the queue is 25 to 100 rows).
MAX_BATCH = 200


class AssignmentError(ValueError):
    """An assignment change that cannot be carried out; the message is for the user."""


class AssignmentForbidden(AssignmentError):
    pass


class AssignmentNotFound(AssignmentError, LookupError):
    pass


class AssignmentInvalid(AssignmentError):
    """``errors`` maps a form field (user_id, scope, value) to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


# -- assignments -------------------------------------------------------------------------------

def _may_assign(actor) -> bool:
    return actor is not None and getattr(actor, "is_active", False) and actor.has_role("lead", "admin")


def _published_versions():
    """Published procedures joined to their current version."""
    return (select(Procedure.id).join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(Procedure.status == "published"))


def _scope_column(scope: str, version=ProcedureVersion):
    return getattr(version, scope)


def assignable_reviewers() -> list[User]:
    """Active users holding the reviewer role, by user name."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "reviewer", User.active.is_(True)).order_by(User.username)))


def assign(user_id: int | None, scope: str, value: str, actor) -> Assignment:
    """Give a reviewer the published procedures of an agency or a sector (leads and admins).

    Assigning what is already assigned returns the existing assignment and records nothing.
    """
    if not _may_assign(actor):
        raise AssignmentForbidden(_("Only leads and admins assign procedures."))
    errors: dict[str, str] = {}
    if scope not in SCOPES:
        errors["scope"] = _("Assign an agency or a sector.")
    value = (value or "").strip()
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active or not user.has_role("reviewer"):
        errors["user_id"] = _("Choose an active reviewer.")
    if not errors:
        known = db.session.scalar(_published_versions().where(_scope_column(scope) == value).limit(1))
        if not value or known is None:
            errors["value"] = _("No published procedure has this agency or sector.")
    if errors:
        raise AssignmentInvalid(errors)
    existing = _find(user.id, scope, value)
    if existing is not None:
        return existing
    assignment = Assignment(user_id=user.id, scope=scope, value=value, assigned_by_id=actor.id)
    try:
        # A savepoint, so that a concurrent identical assignment does not end the caller's transaction.
        with db.session.begin_nested():
            db.session.add(assignment)
    except IntegrityError:
        existing = _find(user.id, scope, value)
        if existing is None:
            raise
        return existing
    audit.record(actor, "assignment.created", OBJECT_TYPE, assignment.id, new=_snapshot(assignment, user),
                 message=f"{user.username} {scope}: {value}")
    notifications.notify([user.id, *notifications.leads()], "assignment", actor, scope=scope, value=value,
                         reviewer=user.label)
    return assignment


def _find(user_id: int, scope: str, value: str) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.user_id == user_id, Assignment.scope == scope,
                                                      Assignment.value == value))


def _snapshot(assignment: Assignment, user: User) -> dict[str, Any]:
    return {"user": user.username, "scope": assignment.scope, "value": assignment.value}


def unassign(assignment_id: int, actor) -> dict[str, Any]:
    """Remove an assignment (leads and admins); returns what it was (user, scope, value)."""
    if not _may_assign(actor):
        raise AssignmentForbidden(_("Only leads and admins assign procedures."))
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise AssignmentNotFound(_("This assignment no longer exists."))
    old = _snapshot(assignment, assignment.user)
    db.session.delete(assignment)
    db.session.flush()
    audit.record(actor, "assignment.deleted", OBJECT_TYPE, assignment_id, old=old,
                 message=f"{old['user']} {old['scope']}: {old['value']}")
    return old


def assignments_of(user) -> list[Assignment]:
    """A user's assignments, agencies first, then by value."""
    return list(db.session.scalars(select(Assignment).where(Assignment.user_id == user.id)
                                   .order_by(Assignment.scope, Assignment.value)))


def assigned_procedures(user, version=ProcedureVersion):
    """SQL condition: the procedure whose current version is ``version`` (the entity or an
    alias joined in the caller's query) falls in one of ``user``'s assignments."""
    return exists().where(
        Assignment.user_id == user.id,
        or_(and_(Assignment.scope == "agency", Assignment.value == version.agency),
            and_(Assignment.scope == "sector", Assignment.value == version.sector)))


def has_assignments(user) -> bool:
    return db.session.scalar(select(Assignment.id).where(Assignment.user_id == user.id).limit(1)) is not None


def _unreviewed(procedure=Procedure):
    """SQL condition: the procedure has no mark in any state but rejected."""
    return ~exists().where(Mark.procedure_id == procedure.id, Mark.status != "rejected")


@dataclass
class Coverage:
    """One agency or sector on the assignment page."""

    scope: str
    value: str
    published: int = 0
    unreviewed: int = 0
    assignments: list[Assignment] = field(default_factory=list)


def coverage(scope: str, value: str | None = None) -> list[Coverage]:
    """Every agency (or sector) of the published procedures with its number of procedures, of
    unreviewed ones and its assignments; values that are only assigned (no longer in the
    catalog) are listed too, with zero procedures, so that they can be unassigned."""
    column = _scope_column(scope)
    reviewed = select(Mark.procedure_id).where(Mark.status != "rejected").distinct().subquery()
    stmt = (select(column, func.count(Procedure.id),
                   func.sum(case((reviewed.c.procedure_id.is_(None), 1), else_=0)))
            .select_from(Procedure)
            .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .outerjoin(reviewed, reviewed.c.procedure_id == Procedure.id)
            .where(Procedure.status == "published").group_by(column))
    assigned = (select(Assignment).join(User, User.id == Assignment.user_id).where(Assignment.scope == scope)
                .options(selectinload(Assignment.user)).order_by(User.username))
    if value is not None:
        stmt = stmt.where(column == value)
        assigned = assigned.where(Assignment.value == value)
    rows = {name: Coverage(scope, name, total, int(open_ or 0)) for name, total, open_ in db.session.execute(stmt)}
    for assignment in db.session.scalars(assigned):
        rows.setdefault(assignment.value, Coverage(scope, assignment.value)).assignments.append(assignment)
    if value is not None and value not in rows:
        rows[value] = Coverage(scope, value)
    return [rows[name] for name in sorted(rows)]


def scope_values() -> dict[str, list[str]]:
    """The distinct agencies and sectors of published procedures (filter choices)."""
    values = {}
    for scope in SCOPES:
        column = _scope_column(scope)
        values[scope] = list(db.session.scalars(
            select(column).select_from(Procedure)
            .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(Procedure.status == "published").distinct().order_by(column)))
    return values


# -- queues ------------------------------------------------------------------------------------

def visible_queues(user) -> list[str]:
    """The queues the user's roles allow, in tab order."""
    return [name for name in QUEUES if user.has_role(*QUEUE_ROLES[name])]


def default_queue(user) -> str | None:
    """Reviewers start on their marks, leads on the proposals waiting for them."""
    visible = visible_queues(user)
    for name in ("mine", "decide"):
        if name in visible:
            return name
    return visible[0] if visible else None


@dataclass
class QueueRequest:
    """What a queue page was asked for; built from request arguments."""

    queue: str
    status: str = ""
    agency: str = ""
    sector: str = ""
    everything: bool = False  # "unreviewed": ignore the reviewer's assignments
    sort: str = ""  # "decide": one of DECIDE_SORTS
    page: int = 1
    per_page: int = 25

    @classmethod
    def from_args(cls, args, user, per_page: int = 25) -> QueueRequest:
        queue = args.get("queue", "")
        if queue not in visible_queues(user):
            queue = default_queue(user) or ""
        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        status = args.get("status", "")
        return cls(queue=queue, status=status if status in STATUSES else "",
                   agency=(args.get("agency") or "").strip()[:300], sector=(args.get("sector") or "").strip()[:300],
                   everything=args.get("all") == "1", page=page, per_page=per_page,
                   sort=args.get("sort", "") if args.get("sort", "") in DECIDE_SORTS else "")

    def args(self, **changes) -> dict[str, Any]:
        """The request as URL arguments (defaults left out), with some changed."""
        values = {"queue": self.queue, "status": self.status, "agency": self.agency, "sector": self.sector,
                  "all": "1" if self.everything else "", "sort": self.sort,
                  "page": self.page if self.page > 1 else ""}
        values.update(changes)
        return {name: value for name, value in values.items() if value not in ("", None)}


@dataclass
class QueuePage:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass
class MarkRow:
    """A mark with what its queue row shows: the procedure, its current version (title,
    agency), the number of the version the mark is on, its author and the element's text."""

    mark: Mark
    procedure: Procedure
    version: ProcedureVersion
    marked_number: int
    author: User | None
    saving: float | None = None  # "decide": the estimated saving a year (None: unknown)
    element_text: str | None = None

    @property
    def eid(self) -> str | None:
        return self.mark.element_key.split(":", 1)[1] if self.mark.element_key else None


Current = aliased(ProcedureVersion, name="current_version")
Marked = aliased(ProcedureVersion, name="marked_version")
Author = aliased(User, name="author")


def _mark_rows():
    return (select(Mark, Procedure, Current, Marked.number, Author)
            .join(Procedure, Procedure.id == Mark.procedure_id)
            .join(Current, Current.id == Procedure.current_version_id)
            .join(Marked, Marked.id == Mark.version_id)
            .outerjoin(Author, Author.id == Mark.created_by_id)
            .options(selectinload(Current.translations)))


def _mine(user, request: QueueRequest | None):
    conditions = [Mark.created_by_id == user.id]
    if request is not None and request.status:
        conditions.append(Mark.status == request.status)
    # Flagged marks need the author's attention first; then the most recently changed.
    return conditions, (Mark.flag.is_(None), Mark.updated_at.desc(), Mark.id.desc())


def _changed(user, request: QueueRequest | None):
    conditions = [Mark.flag.is_not(None), Mark.status.in_(OPEN_STATUSES)]
    if not user.has_role(*SEES_ALL_FLAGGED):
        conditions.append(or_(Mark.created_by_id == user.id, assigned_procedures(user, Current)))
    return conditions, (Mark.flagged_at, Mark.id)


def _decide(user, request: QueueRequest | None):
    conditions = [Mark.status == "proposed", or_(Mark.created_by_id.is_(None), Mark.created_by_id != user.id)]
    if request is not None:
        conditions += _scope_filters(request, Current)
    return conditions, (Mark.proposed_at, Mark.id)


def _scope_filters(request: QueueRequest, version) -> list:
    conditions = []
    if request.agency:
        conditions.append(version.agency == request.agency)
    if request.sector:
        conditions.append(version.sector == request.sector)
    return conditions


MARK_QUEUES = {"mine": _mine, "changed": _changed, "decide": _decide}


def _unreviewed_conditions(user, request: QueueRequest | None) -> list:
    conditions = [Procedure.status == "published", _unreviewed()]
    if restricted_to_assignments(user, request):
        conditions.append(assigned_procedures(user))
    if request is not None:
        conditions += _scope_filters(request, ProcedureVersion)
    return conditions


def restricted_to_assignments(user, request: QueueRequest | None) -> bool:
    """The "unreviewed" queue shows only the assigned procedures of a reviewer who has
    assignments, unless "all" was asked for."""
    return (not (request is not None and request.everything) and user.has_role("reviewer")
            and has_assignments(user))


def _count_marks(conditions) -> int:
    return db.session.scalar(
        select(func.count(Mark.id)).select_from(Mark)
        .join(Procedure, Procedure.id == Mark.procedure_id)
        .join(Current, Current.id == Procedure.current_version_id)
        .where(*conditions)) or 0


def _count_unreviewed(conditions) -> int:
    return db.session.scalar(
        select(func.count(Procedure.id)).select_from(Procedure)
        .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
        .where(*conditions)) or 0


def queue_counts(user, request: QueueRequest | None = None) -> dict[str, int]:
    """The number of rows of each queue the user sees, without the list filters (status,
    agency, sector); "unreviewed" honours the assignment restriction and its "all" toggle."""
    everything = QueueRequest(queue="", everything=bool(request and request.everything))
    counts = {}
    for name in visible_queues(user):
        if name == "unreviewed":
            counts[name] = _count_unreviewed(_unreviewed_conditions(user, everything))
        else:
            counts[name] = _count_marks(MARK_QUEUES[name](user, None)[0])
    return counts


def status_counts(user) -> dict[str, int]:
    """The user's own marks by status (the filter of "My marks")."""
    rows = db.session.execute(select(Mark.status, func.count(Mark.id)).where(Mark.created_by_id == user.id)
                              .group_by(Mark.status))
    return {status: count for status, count in rows}


def queue_page(user, request: QueueRequest) -> QueuePage:
    """One page of a queue: ``MarkRow`` items, or (Procedure, ProcedureVersion) for "unreviewed"."""
    offset = (request.page - 1) * request.per_page
    if request.queue == "unreviewed":
        conditions = _unreviewed_conditions(user, request)
        stmt = (select(Procedure, ProcedureVersion)
                .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
                .where(*conditions).options(selectinload(ProcedureVersion.translations))
                .order_by(Procedure.code).limit(request.per_page).offset(offset))
        items = [(row[0], row[1]) for row in db.session.execute(stmt)]
        return QueuePage(items, _count_unreviewed(conditions), request.page, request.per_page)
    if request.queue not in MARK_QUEUES:
        return QueuePage([], 0, 1, request.per_page)
    conditions, order = MARK_QUEUES[request.queue](user, request)
    stmt = _mark_rows()
    if request.queue == "decide":
        saving = mark_saving_sql(Mark, Current, get_setting(INCOME_PER_HOUR).value).label("saving")
        stmt = stmt.add_columns(saving)
        if request.sort:
            # Unknown savings last in both directions: they cannot be ranked.
            order = (saving.is_(None), saving.desc() if request.sort == "saving" else saving, *order)
    stmt = stmt.where(*conditions).order_by(*order).limit(request.per_page).offset(offset)
    items = [MarkRow(*row) for row in db.session.execute(stmt)]
    _add_element_texts(items)
    return QueuePage(items, _count_marks(conditions), request.page, request.per_page)


# The text that names an element of each kind, in the element tables of a version.
ELEMENT_TEXT = {
    "step": (Step, Step.text),
    "channel": (Channel, Channel.channel),
    "document": (Document, Document.name),
    "field": (FormField, FormField.label),
    "fee": (Fee, func.coalesce(Fee.name, Fee.text)),
    "requirement": (Requirement, Requirement.text),
}


def _add_element_texts(rows: list[MarkRow]) -> None:
    """Name the marked elements of a page of rows, read from the version each mark is on:
    one query per element kind present on the page."""
    wanted: dict[str, list[MarkRow]] = {}
    for row in rows:
        if row.mark.element_key:
            wanted.setdefault(row.mark.target_kind, []).append(row)
    for kind, kind_rows in wanted.items():
        if kind not in ELEMENT_TEXT:
            continue
        model, text = ELEMENT_TEXT[kind]
        found = {(version_id, eid): value for version_id, eid, value in db.session.execute(
            select(model.version_id, model.eid, text)
            .where(model.version_id.in_({row.mark.version_id for row in kind_rows}),
                   model.eid.in_({row.eid for row in kind_rows})))}
        for row in kind_rows:
            value = found.get((row.mark.version_id, row.eid))
            if value is not None and kind == "channel":
                value = str(CHANNEL.get(value, value))
            if value and len(value) > ELEMENT_TEXT_LENGTH:
                value = value[:ELEMENT_TEXT_LENGTH - 1].rstrip() + "…"
            row.element_text = value


# -- deciding several proposals at once -----------------------------------------------------------

@dataclass
class BatchOutcome:
    """What ``decide_many`` did: the marks decided, and per mark refused why (a conflict, a
    state that moved on, a permission)."""

    decision: str
    decided: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def parse_choices(values: list[str]) -> list[tuple[int, int]]:
    """``"<mark id>:<revision>"`` values of the queue's checkboxes, in order, once each."""
    choices: dict[int, int] = {}
    for value in values[:MAX_BATCH]:
        mark_id, _sep, revision = (value or "").partition(":")
        if mark_id.isdigit() and revision.isdigit():
            choices.setdefault(int(mark_id), int(revision))
    return list(choices.items())


def decide_many(choices: list[tuple[int, int]], decision: str, comment: str, actor) -> BatchOutcome:
    """Accept or reject several proposals with one comment, each through
    ``review.services.decide_mark`` (its checks, audit row and revision guard).

    Each decision is its own transaction, committed here: a row that cannot be decided (changed
    since the page was loaded, decided by someone else, the lead's own) is rolled back alone and
    reported, the others stand. ``choices`` are (mark id, revision seen) pairs; a missing
    decision or comment refuses the whole batch with ``review.MarkInvalid`` before any write.
    """
    if decision not in ("accepted", "rejected"):
        raise review.MarkInvalid({"decision": _("Accept or reject.")})
    comment = (comment or "").strip()
    errors = {}
    if not choices:
        errors["mark"] = _("Select the proposals to decide on.")
    if not comment:
        errors["comment"] = _("Give the reason for the decision.")
    elif len(comment) > review.MAX_TEXT:
        errors["comment"] = _("Keep this under %(count)s characters.", count=review.MAX_TEXT)
    if errors:
        raise review.MarkInvalid(errors)
    outcome = BatchOutcome(decision)
    for mark_id, revision in choices:
        try:
            review.decide_mark(mark_id, revision, decision, comment, actor)
            db.session.commit()
        except review.MarkError as exc:
            db.session.rollback()
            outcome.refused[mark_id] = str(exc)
        else:
            outcome.decided.append(mark_id)
    return outcome
