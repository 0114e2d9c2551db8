"""A notification: one row per recipient and event, unread until the recipient marks it read.

The text is not stored: ``kind`` and ``params`` are, and the list renders them in the reader's
language (a Thai lead reads a Vietnamese reviewer's event in Thai)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

# decision: a lead decided on the recipient's proposal; comment: someone commented on the
# recipient's mark; proposal: a new proposal awaits a decision (leads); assignment: an agency or
# sector was assigned (the reviewer assigned, and the leads).
KINDS = ("decision", "comment", "proposal", "assignment")


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    mark_id: Mapped[int | None] = mapped_column(ForeignKey("review_mark.id", ondelete="CASCADE"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    # What the text needs: the procedure code, the decision, the assigned scope and value...
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    mark = relationship("Mark")
