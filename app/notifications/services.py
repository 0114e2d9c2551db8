"""Creating, counting, listing and reading notifications.

The review and queue services call ``notify`` in the transaction of the change they make, so a
notification exists exactly when its change was committed. Nobody is notified of their own act.
Reading is per user: ``mark_read`` touches only the caller's rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select, update

from app.auth.models import User, UserRole
from app.extensions import db
from app.notifications.models import KINDS, Notification
from app.timeutil import utcnow

PER_PAGE = 25


def _name(actor) -> str:
    return (getattr(actor, "label", None) or getattr(actor, "username", None) or "")[:120]


def notify(user_ids: Iterable[int | None], kind: str, actor=None, *, mark_id: int | None = None,
           **params: Any) -> int:
    """One unread notification per recipient (the actor and empty ids left out); how many."""
    if kind not in KINDS:
        raise ValueError(kind)
    actor_id = getattr(actor, "id", None)
    recipients = sorted({user_id for user_id in user_ids if user_id is not None and user_id != actor_id})
    if not recipients:
        return 0
    now = utcnow()
    db.session.execute(insert(Notification), [
        {"user_id": user_id, "kind": kind, "mark_id": mark_id, "actor_name": _name(actor), "params": params,
         "created_at": now} for user_id in recipients])
    return len(recipients)


def leads() -> list[int]:
    """The active accounts that decide on proposals (leads; admins decide too but are not sent
    every proposal)."""
    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "lead", User.active.is_(True)).distinct()))


def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def page_of(user, page: int = 1, *, unread_only: bool = False) -> tuple[list[Notification], int]:
    """A page of the user's notifications, newest first, and how many there are."""
    conditions = [Notification.user_id == user.id]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count(Notification.id)).where(*conditions)) or 0
    rows = list(db.session.scalars(select(Notification).where(*conditions)
                                   .order_by(Notification.id.desc())
                                   .limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE)))
    return rows, total


def mark_read(user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: the given ones, or all; how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        ids = [int(value) for value in notification_ids]
        if not ids:
            return 0
        query = query.where(Notification.id.in_(ids))
    return db.session.execute(query.values(read_at=utcnow())).rowcount or 0
