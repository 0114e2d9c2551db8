"""Search state kept in the database: the index replica of every node (as its search worker
last reported it; rebuilds are jobs, ``app.core.jobs``, one per node: see ``nodes``), and the
synonym lists admins maintain with the number every change of them raises."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
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


class SynonymEntry(db.Model):
    """One entry of a language's synonym list, as a line of the list format (``synonym_format``)."""

    __tablename__ = "search_synonym"
    __table_args__ = (UniqueConstraint("lang", "position", name="uq_search_synonym_lang_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column()  # order within the language's list
    line: Mapped[str] = mapped_column(Text)


class SynonymRevision(db.Model):
    """One row, raised by every change of the lists in the same transaction: each process keeps
    its compiled lists under this number and reads them again only when it moved. No row: the
    lists were never stored, and the starter set shipped with the app applies."""

    __tablename__ = "search_synonym_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
