"""Search replicas in the database: every node that keeps an index, and the rebuilds requested
of each. Each node's search worker reads and writes its own rows; the admin page of any node
shows them all."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
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


class SearchRebuild(db.Model):
    """A rebuild of one node's replica: queued -> running -> done | failed. A request made on any
    node adds one row per known node; each node's worker carries out its own, one at a time."""

    __tablename__ = "search_rebuild"

    id: Mapped[int] = mapped_column(primary_key=True)
    node: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    reason: Mapped[str] = mapped_column(String(20), default="request")  # request | missing | broken
    phase: Mapped[str] = mapped_column(String(20), default="read")  # read | write
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    documents: Mapped[int] = mapped_column(default=0)
    build_seconds: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
