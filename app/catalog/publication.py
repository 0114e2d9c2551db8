"""Publication: draft -> published -> abolished, with the outbox and the audit trail.

Every change of what the public catalog shows appends one ``PublicationEvent``; the search
indexer applies them in ``seq`` order.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.catalog.models import (ImportBatch, OutboxCounter, Procedure, ProcedureVersion,
                                PublicationEvent)
from app.extensions import db
from app.timeutil import utcnow


class PublicationError(ValueError):
    """A publication change that is not allowed from the procedure's present state."""


def reserve_sequence(count: int) -> int:
    """Lock the outbox counter and reserve ``count`` numbers; return the first.

    The row lock is held until the caller's transaction ends, so sequence numbers are
    assigned in commit order.
    """
    locked = select(OutboxCounter).where(OutboxCounter.id == 1).with_for_update()
    counter = db.session.execute(locked).scalar_one_or_none()
    if counter is None:
        # First publication ever: two transactions may race to create the row; the loser's
        # insert fails on the primary key and it then waits on the winner's row lock.
        try:
            with db.session.begin_nested():
                db.session.add(OutboxCounter(id=1, last_seq=0))
        except IntegrityError:
            pass
        counter = db.session.execute(locked).scalar_one()
    first = counter.last_seq + 1
    counter.last_seq += count
    return first


def _append_events(changes: list[tuple[Procedure, ProcedureVersion | None, str]], actor) -> None:
    if not changes:
        return
    first = reserve_sequence(len(changes))
    now = utcnow()
    db.session.add_all(
        PublicationEvent(seq=first + offset, procedure_id=procedure.id,
                         version_id=version.id if version else None, change=change, at=now,
                         actor_id=getattr(actor, "id", None))
        for offset, (procedure, version, change) in enumerate(changes)
    )


def _apply_version(procedure: Procedure, version: ProcedureVersion, status: str, actor) -> str:
    """Make ``version`` the public one with ``status``; return the outbox change name."""
    if status not in ("published", "abolished"):
        raise PublicationError(_("unknown status %(status)s", status=status))
    old_status = procedure.status
    now = utcnow()
    procedure.current_version = version
    if procedure.pending_version_id == version.id:
        procedure.pending_version = None
    version.published_at = now
    procedure.status = status
    procedure.status_changed_at = now
    procedure.status_changed_by_id = getattr(actor, "id", None)
    return "abolished" if status == "abolished" else ("published" if old_status != "published" else "updated")


def publish_versions(versions: Iterable[ProcedureVersion], actor, *, batch: ImportBatch | None = None) -> int:
    """Publish versions, each with the status its import line gave; return how many changed.

    A line whose status is ``draft`` stays a draft.
    """
    changes = []
    # Everything needed is loaded up front (see publish_batch); no autoflush per item keeps a
    # batch of thousands to one flush at the end.
    with db.session.no_autoflush:
        for version in versions:
            procedure = version.procedure
            status = version.intended_status
            if status == "draft":
                continue
            old = {"status": procedure.status, "version": procedure.current_version.number
                   if procedure.current_version else None}
            change = _apply_version(procedure, version, status, actor)
            changes.append((procedure, version, change))
            audit.record(actor, "procedure." + change, "procedure", procedure.code, old=old,
                         new={"status": status, "version": version.number},
                         message=f"batch {batch.id}" if batch else "")
    _append_events(changes, actor)
    return len(changes)


def publish_procedure(procedure: Procedure, actor) -> None:
    """Publish the waiting version of a procedure (or its first draft)."""
    version = procedure.pending_version
    if version is None and procedure.status == "draft":
        version = procedure.current_version
    if version is None:
        raise PublicationError(_("procedure %(code)s has no version waiting for publication",
                                 code=procedure.code))
    old = {"status": procedure.status,
           "version": procedure.current_version.number if procedure.current_version else None}
    target = version.intended_status if version.intended_status != "draft" else "published"
    change = _apply_version(procedure, version, target, actor)
    audit.record(actor, "procedure." + change, "procedure", procedure.code, old=old,
                 new={"status": target, "version": version.number})
    _append_events([(procedure, version, change)], actor)


def abolish_procedure(procedure: Procedure, actor, reason: str = "") -> None:
    """Mark a published procedure as abolished; it stays in the catalog with that status."""
    if procedure.status != "published":
        raise PublicationError(_("only a published procedure can be abolished; %(code)s is %(status)s",
                                 code=procedure.code, status=procedure.status))
    version = procedure.current_version
    _apply_version(procedure, version, "abolished", actor)
    audit.record(actor, "procedure.abolished", "procedure", procedure.code,
                 old={"status": "published"}, new={"status": "abolished"}, message=reason)
    _append_events([(procedure, version, "abolished")], actor)


def publish_batch(batch: ImportBatch, actor) -> int:
    """Publish every version of an import batch that still waits; return how many changed."""
    if batch.published_at is not None:
        raise PublicationError(_("batch %(id)s was already published", id=batch.id))
    waiting = db.session.scalars(
        select(ProcedureVersion).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(ProcedureVersion.batch_id == batch.id)
        .where((Procedure.pending_version_id == ProcedureVersion.id)
               | ((Procedure.current_version_id == ProcedureVersion.id) & (Procedure.status == "draft")))
        .order_by(ProcedureVersion.id)
        .options(selectinload(ProcedureVersion.procedure).selectinload(Procedure.current_version)
                 .load_only(ProcedureVersion.id, ProcedureVersion.number))
    ).all()
    count = publish_versions(waiting, actor, batch=batch)
    batch.published_at = utcnow()
    batch.published_by_id = getattr(actor, "id", None)
    audit.record(actor, "batch.published", "import_batch", batch.id, new={"published": count})
    return count


def events_after(seq: int, limit: int = 1000) -> list[PublicationEvent]:
    """Outbox events with a sequence number above ``seq``, in order."""
    return list(db.session.scalars(
        select(PublicationEvent).where(PublicationEvent.seq > seq).order_by(PublicationEvent.seq).limit(limit)
    ))
