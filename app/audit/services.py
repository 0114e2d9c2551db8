"""Writing and reading the audit trail. Callers commit with the change they record."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.timeutil import utcnow


def actor_label(actor) -> str:
    """Name to record for an actor: a user, or None for the command line."""
    if actor is None:
        return "cli"
    return actor.username


def record(actor, action: str, object_type: str, object_id: Any, *, old: Any = None,
           new: Any = None, message: str = "") -> AuditEntry:
    """Add an audit row to the current session (committed with the caller's transaction)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        old=old,
        new=new,
        message=message,
    )
    db.session.add(entry)
    return entry


def recent(limit: int = 50, offset: int = 0, action: str | None = None) -> list[AuditEntry]:
    """Newest audit rows first, optionally only one action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def record_many(actor, entries: list[dict[str, Any]]) -> None:
    """Write many audit rows in one statement; each dict has action, object_type, object_id,
    and optionally old, new, message."""
    if not entries:
        return
    now = utcnow()
    rows = [{"at": now, "actor_id": getattr(actor, "id", None), "actor_name": actor_label(actor),
             "old": entry.get("old"), "new": entry.get("new"), "message": entry.get("message", ""),
             "action": entry["action"], "object_type": entry["object_type"],
             "object_id": str(entry["object_id"])} for entry in entries]
    db.session.execute(AuditEntry.__table__.insert(), rows)
