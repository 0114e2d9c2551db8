"""Search replicas in the database: every node that keeps an index, as its search worker last
reported it. (Rebuilds are jobs, ``app.core.jobs``, one per node: see ``nodes``.)"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class SearchNode(db.Model):
    """A node with its own index replica, as its search worker last reported it."""

    __tablename__ = "search_node"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    generation: Mapped[str | None] = mapped_column(String(100))
    documents: Mapped[int] = mapped_column(default=0)
    last_seq: Mapped[int] = mapped_column(default=0)
    problem: Mapped[str | None] = mapped_column(Text)  # why its index cannot serve, when it cannot
