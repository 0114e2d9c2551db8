"""Writing and reading the audit trail. Callers commit with the change they record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

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


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log page narrows to; empty fields do not filter."""

    action: str = ""
    object_type: str = ""
    actor: str = ""
    object_id: str = ""
    since: date | None = None  # days in the interface's time zone
    until: date | None = None  # inclusive
    zone: str = "UTC"

    def conditions(self) -> list:
        found = []
        if self.action:
            found.append(AuditEntry.action == self.action)
        if self.object_type:
            found.append(AuditEntry.object_type == self.object_type)
        if self.actor:
            found.append(AuditEntry.actor_name == self.actor)
        if self.object_id:
            found.append(AuditEntry.object_id == self.object_id)
        if self.since:
            found.append(AuditEntry.at >= self._utc(self.since))
        if self.until:
            found.append(AuditEntry.at < self._utc(self.until + timedelta(days=1)))
        return found

    def _utc(self, day: date) -> datetime:
        """Midnight of a local day as the naive UTC time the database stores."""
        local = datetime.combine(day, time.min, tzinfo=ZoneInfo(self.zone))
        return local.astimezone(UTC).replace(tzinfo=None)


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(chosen: AuditFilter, *, page: int = 1, per_page: int = 50) -> AuditPage:
    """One page of audit rows matching ``chosen``, newest first, with the number of all matches."""
    conditions = chosen.conditions()
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = db.session.scalars(select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page))
    return AuditPage(list(entries), total, page, per_page)


def distinct_values(column_name: str) -> list[str]:
    """The values one column holds (actions, object types, actors) for the page's filters."""
    column = {"action": AuditEntry.action, "object_type": AuditEntry.object_type,
              "actor": AuditEntry.actor_name}[column_name]
    return list(db.session.scalars(select(column).distinct().order_by(column)))


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
