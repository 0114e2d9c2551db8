"""A counter of changes to review marks, and the review state of every procedure cached by it.

The search page's review-state facet needs, for each procedure, its most advanced open mark:
with a national review in progress that is a hundred thousand marks, too many to read for
every query. So every transaction that changes marks (ORM objects, or INSERT/UPDATE/DELETE
statements on the marks table) raises the one-row counter ``review_change`` just before it
commits: the new number and the changed marks become visible together, in every process. A
reader reads the number first and the marks after it, and keeps what it derived under that
number; it may recompute once too often, never serve a stale state.

The counter row is raised in the last moment of the transaction, so a long transaction (a bulk
marking job) does not hold its lock while other reviewers save.
"""
from __future__ import annotations

import secrets
import threading
from itertools import chain

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.review.models import Mark, ReviewChange

CHANGED = "review_marks_changed"  # key in Session.info
STATES = ("unreviewed", "draft", "proposed", "accepted")
_RANK = {"draft": 1, "proposed": 2, "accepted": 3, "implemented": 3}


def _touches_marks(session: Session) -> bool:
    return any(isinstance(item, Mark) for item in chain(session.new, session.dirty, session.deleted))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    # Still the state before the flush here: new, dirty and deleted are what was written.
    if _touches_marks(session):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == Mark.__tablename__:
            state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # Runs before the commit's own flush: pending changes count too.
    if session.info.pop(CHANGED, False) or _touches_marks(session):
        bump(session)
        session.info.pop(CHANGED, None)  # set again by the flush that bump's statement made


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGED, None)


def bump(session: Session) -> None:
    """Raise the counter in ``session``'s transaction. A missing row is created with a random
    start, so that a re-created row does not repeat the numbers of the one before it."""
    raised = session.execute(update(ReviewChange).where(ReviewChange.id == 1)
                             .values(seq=ReviewChange.seq + 1)).rowcount
    if not raised:
        start = secrets.randbelow(2**30) + 1
        session.execute(_insert_ignoring_conflict(session).values(id=1, seq=start))


def _insert_ignoring_conflict(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(ReviewChange).on_conflict_do_nothing(index_elements=["id"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(ReviewChange).on_conflict_do_nothing(index_elements=["id"])
    return insert(ReviewChange)


def current() -> int | None:
    """The counter as this transaction sees it; None when its row is missing."""
    return db.session.scalar(select(ReviewChange.seq).where(ReviewChange.id == 1))


_cache_lock = threading.Lock()
_cache: dict[str, tuple] = {}


def procedure_states() -> tuple[tuple, tuple[str, ...], dict[int, int]]:
    """(fingerprint, state names, {procedure id: state index}): each procedure's most advanced
    open mark (rejected marks do not count). Read once per counter value; the fingerprint
    changes whenever the states may have."""
    seq = current()  # before the marks: see the module docstring
    if seq is not None:
        with _cache_lock:
            cached = _cache.get("states")
        if cached is not None and cached[0] == ("seq", seq):
            return cached
    by_procedure: dict[int, int] = {}
    for procedure_id, status in db.session.execute(
            select(Mark.procedure_id, Mark.status).where(Mark.status != "rejected")):
        by_procedure[procedure_id] = max(by_procedure.get(procedure_id, 0), _RANK[status])
    if seq is None:  # no counter to trust: a fingerprint of the states themselves, no caching
        return ("hash", hash(frozenset(by_procedure.items()))), STATES, by_procedure
    value = (("seq", seq), STATES, by_procedure)
    with _cache_lock:
        _cache["states"] = value
    return value
