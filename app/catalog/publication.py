"""Publication: draft -> published -> abolished, with the outbox and the audit trail.

Every change of what the public catalog shows appends one ``PublicationEvent``; the search
indexer applies them in ``seq`` order. Single procedures and whole batches go through the same
function, ``_apply``, which works in set-based statements so that a batch of thousands costs a
handful of round trips.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.audit import services as audit
from app.catalog import entries
from app.catalog.signals import versions_published
from app.catalog.models import (ImportBatch, OutboxCounter, Procedure, ProcedureVersion,
                                PublicationEvent)
from app.extensions import db
from app.timeutil import utcnow

P = Procedure.__table__
V = ProcedureVersion.__table__


class PublicationError(ValueError):
    """A publication change that is not allowed from the procedure's present state."""


@dataclass(frozen=True)
class _Target:
    """One procedure to move to ``status`` with ``version_id`` as its public version."""

    procedure_id: int
    code: str
    version_id: int
    number: int
    intended_status: str
    old_status: str
    old_number: int | None


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
    db.session.flush()
    return first


def _targets(condition) -> list[_Target]:
    current = aliased(V)
    rows = db.session.execute(
        select(P.c.id, P.c.code, V.c.id, V.c.number, V.c.intended_status, P.c.status, current.c.number)
        .select_from(V.join(P, P.c.id == V.c.procedure_id)
                     .outerjoin(current, current.c.id == P.c.current_version_id))
        .where(condition).order_by(V.c.id)
    ).all()
    return [_Target(*row) for row in rows]


def _apply(targets: list[tuple[_Target, str]], actor, message: str = "", batch_id: int | None = None) -> int:
    """Make each target's version public with its status; outbox and audit rows included
    (the audit rows name the import batch when the versions came from one)."""
    if not targets:
        return 0
    db.session.flush()
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    db.session.execute(
        update(P).where(P.c.id == bindparam("pid")).values(
            current_version_id=bindparam("vid"),
            pending_version_id=case((P.c.pending_version_id == bindparam("vid"), None),
                                    else_=P.c.pending_version_id),
            status=bindparam("new_status"), status_changed_at=now, status_changed_by_id=actor_id),
        [{"pid": t.procedure_id, "vid": t.version_id, "new_status": status} for t, status in targets],
    )
    fresh = [{"vid": t.version_id} for t, status in targets if status == "published"]
    if fresh:
        db.session.execute(update(V).where(V.c.id == bindparam("vid"), V.c.published_at.is_(None))
                           .values(published_at=now), fresh)
    changes = ["abolished" if status == "abolished" else
               ("updated" if t.old_status == "published" else "published") for t, status in targets]
    first = reserve_sequence(len(targets))
    db.session.execute(PublicationEvent.__table__.insert(), [
        {"seq": first + offset, "procedure_id": t.procedure_id, "version_id": t.version_id,
         "change": change, "at": now, "actor_id": actor_id}
        for offset, ((t, _status), change) in enumerate(zip(targets, changes))
    ])
    audit.record_many(actor, [
        {"action": "procedure." + change, "object_type": "procedure", "object_id": t.code,
         "old": {"status": t.old_status, "version": t.old_number},
         "new": {"status": status, "version": t.number, **({"batch": batch_id} if batch_id else {})},
         "message": message}
        for (t, status), change in zip(targets, changes)
    ])
    entries.refresh(t.procedure_id for t, _status in targets)
    # Rows changed behind the ORM's back: make loaded objects read them again.
    db.session.expire_all()
    versions_published.send(None, procedure_ids=[t.procedure_id for t, _status in targets])
    return len(targets)


def publish_versions(version_ids: Iterable[int], actor, *, batch_id: int | None = None) -> int:
    """Publish versions, each with the status its import line gave; return how many changed.

    A line whose status is ``draft`` stays a draft.
    """
    ids = list(version_ids)
    targets = []
    for start in range(0, len(ids), 5000):
        targets.extend(_targets(V.c.id.in_(ids[start:start + 5000])))
    return _apply([(t, t.intended_status) for t in targets if t.intended_status != "draft"], actor,
                  batch_id=batch_id)


def publish_procedure(procedure: Procedure, actor) -> None:
    """Publish the waiting version of a procedure (or its first draft)."""
    version_id = procedure.pending_version_id
    if version_id is None and procedure.status == "draft":
        version_id = procedure.current_version_id
    if version_id is None:
        raise PublicationError(_("procedure %(code)s has no version waiting for publication",
                                 code=procedure.code))
    (target,) = _targets(V.c.id == version_id)
    status = target.intended_status if target.intended_status != "draft" else "published"
    _apply([(target, status)], actor)


def abolish_procedure(procedure: Procedure, actor, reason: str = "") -> None:
    """Mark a published procedure as abolished; it stays in the catalog with that status."""
    if procedure.status != "published":
        from app.catalog.labels import STATUS

        raise PublicationError(_("only a published procedure can be abolished; %(code)s is %(status)s",
                                 code=procedure.code, status=STATUS.get(procedure.status, procedure.status)))
    (target,) = _targets(V.c.id == procedure.current_version_id)
    _apply([(target, "abolished")], actor, reason)


def waiting_versions(batch: ImportBatch) -> list[int]:
    """Ids of the versions of a batch that still wait for publication."""
    return list(db.session.scalars(
        select(V.c.id).select_from(V.join(P, P.c.id == V.c.procedure_id))
        .where(V.c.batch_id == batch.id)
        .where((P.c.pending_version_id == V.c.id) | ((P.c.current_version_id == V.c.id) & (P.c.status == "draft")))
        .order_by(V.c.id)
    ))


def publish_batch(batch: ImportBatch, actor) -> int:
    """Publish every version of an import batch that still waits; return how many changed."""
    if batch.published_at is not None:
        raise PublicationError(_("batch %(id)s was already published", id=batch.id))
    batch_id = batch.id
    count = publish_versions(waiting_versions(batch), actor, batch_id=batch_id)
    batch = db.session.get(ImportBatch, batch_id)
    batch.published_at = utcnow()
    batch.published_by_id = getattr(actor, "id", None)
    audit.record(actor, "batch.published", "import_batch", batch_id, new={"published": count})
    return count


def events_after(seq: int, limit: int = 1000) -> list[PublicationEvent]:
    """Outbox events with a sequence number above ``seq``, in order."""
    return list(db.session.scalars(
        select(PublicationEvent).where(PublicationEvent.seq > seq).order_by(PublicationEvent.seq).limit(limit)
    ))
