"""Assignments of procedures to reviewers, by agency or by sector.

An ``Assignment`` gives one reviewer the published procedures whose current version names
``value`` as its ``agency`` or its ``sector`` (the text of the record, as the catalog filters
use it). Assignments narrow the reviewer's "Unreviewed" queue; they grant no permission: any
reviewer may still mark any published procedure.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

SCOPES = ("agency", "sector")


class Assignment(db.Model):
    __tablename__ = "queue_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "scope", "value"),
        CheckConstraint("scope IN ('agency', 'sector')", name="scope"),
        # The queues look assignments up by what they cover (which reviewers cover this agency).
        Index("ix_queue_assignment_scope", "scope", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(12))
    # As long as ProcedureVersion.agency / .sector, which it is compared with.
    value: Mapped[str] = mapped_column(String(300))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])
