"""Review marks on procedures and their elements, comment threads, and review settings.

A ``Mark`` is one reviewer's proposal about a procedure (``element_key`` is None) or about
one element of it (``element_key`` as in ``app.catalog.records``: ``"document:d2"``,
``"field:d1.f3"``). It records the version it was made on and a hash of the target's data
at that time, so that ``services.reconcile_marks`` can tell, after republication, whether
the target is unchanged, changed or gone.

``revision`` is SQLAlchemy's ``version_id_col``: every UPDATE of a mark says
``WHERE id = :id AND revision = :seen`` and fails with ``StaleDataError`` when another
transaction moved the row on; the services turn that into ``MarkConflict``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

# Workflow: draft -> proposed -> accepted | rejected; accepted -> implemented.
STATUSES = ("draft", "proposed", "accepted", "rejected", "implemented")
# What the progress figures and the cost views count.
PROPOSED_OR_BETTER = ("proposed", "accepted", "implemented")
ACCEPTED_OR_BETTER = ("accepted", "implemented")
# Marks still under review follow their target across versions; rejected and implemented
# marks are closed and stay on the version they were decided on.
OPEN_STATUSES = ("draft", "proposed", "accepted")

REASONS = ("not_necessary", "no_legal_basis", "not_reasonable", "data_held_by_state")
# Set by reconcile_marks after republication; cleared when a reviewer re-checks the mark.
FLAGS = ("text_changed", "orphaned")
# "procedure" for marks on the procedure itself; the others are element kinds of records.py
# (legal documents are not marked: they are what a mark names as the text to amend).
TARGET_KINDS = ("procedure", "step", "channel", "document", "field", "fee", "requirement")

PROCEDURE_ACTIONS = ("keep", "abolish", "simplify", "replace", "merge_with", "change_level",
                     "make_fully_online")
ELEMENT_ACTIONS = ("remove", "merge_with", "make_optional", "reuse_from_database", "accept_copy",
                   "fewer_copies", "shorten_time", "reduce_fee", "exempt_fee", "remove_step",
                   "merge_steps", "parallel_steps")
ACTIONS = tuple(dict.fromkeys(PROCEDURE_ACTIONS + ELEMENT_ACTIONS))

# National databases a form field or document can be taken from instead of asking for it.
DATABASES = ("population", "business_registry", "land", "insurance", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Mark(db.Model):
    __tablename__ = "review_mark"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("action", ACTIONS), name="action"),
        CheckConstraint(_in("target_kind", TARGET_KINDS), name="target_kind"),
        CheckConstraint(f"reason IS NULL OR {_in('reason', REASONS)}", name="reason"),
        CheckConstraint(f"flag IS NULL OR {_in('flag', FLAGS)}", name="flag"),
        # A procedure mark has no element key; an element mark has one.
        CheckConstraint("(target_kind = 'procedure') = (element_key IS NULL)", name="target_key"),
        CheckConstraint("hours_saved_per_case IS NULL OR hours_saved_per_case >= 0", name="hours_saved"),
        CheckConstraint("fees_saved_vnd IS NULL OR fees_saved_vnd >= 0", name="fees_saved"),
        CheckConstraint("other_saved_vnd IS NULL OR other_saved_vnd >= 0", name="other_saved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=1)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), index=True)
    # The version the mark was made on, moved forward by reconcile_marks while its target is
    # unchanged; ``target_hash`` is the hash of the target's data in that version.
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(12))
    element_key: Mapped[str | None] = mapped_column(String(250))
    target_hash: Mapped[str] = mapped_column(String(64))

    action: Mapped[str] = mapped_column(String(24), index=True)
    # Action-specific values, checked by rules.clean_params (e.g. {"database": "land"}).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(String(24))
    rationale: Mapped[str] = mapped_column(Text, default="")
    # The legal text to amend: a legal basis number of the procedure, or free text.
    legal_number: Mapped[str | None] = mapped_column(String(200))
    legal_text: Mapped[str | None] = mapped_column(Text)
    # Estimated effect per case on the cost inputs; None means "not estimated" (a data gap).
    hours_saved_per_case: Mapped[float | None] = mapped_column(Float)
    fees_saved_vnd: Mapped[float | None] = mapped_column(Float)
    other_saved_vnd: Mapped[float | None] = mapped_column(Float)

    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    flag: Mapped[str | None] = mapped_column(String(16))
    flagged_at: Mapped[datetime | None]

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    implemented_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    implemented_at: Mapped[datetime | None]

    procedure = relationship("Procedure")
    version = relationship("ProcedureVersion")
    created_by = relationship("User", foreign_keys=[created_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    implemented_by = relationship("User", foreign_keys=[implemented_by_id])
    comments: Mapped[list[MarkComment]] = relationship(
        back_populates="mark", order_by="MarkComment.id", cascade="all, delete-orphan",
        passive_deletes=True)

    __mapper_args__ = {"version_id_col": revision}

    @property
    def target(self) -> str:
        """The element key, or ``"procedure"`` for a mark on the procedure itself."""
        return self.element_key or "procedure"


class MarkComment(db.Model):
    """One message in the discussion thread of a mark."""

    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(ForeignKey("review_mark.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    # Kept beside author_id, as the audit trail does, so the thread still names a deleted account.
    author_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    mark: Mapped[Mark] = relationship(back_populates="comments")
    author = relationship("User")


class ReviewSetting(db.Model):
    """A yearly figure the review module computes with: income per hour, dashboard targets."""

    __tablename__ = "review_setting"
    __table_args__ = (UniqueConstraint("key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    year: Mapped[int]
    # A decimal number written as text, so that no backend rounds it (see settings.py).
    value: Mapped[str] = mapped_column(String(40))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    updated_by = relationship("User")


class ReviewChange(db.Model):
    """One row: a number that every transaction changing review marks raises as it commits
    (see ``app.review.changes``), so that readers can cache what they derive from all marks."""

    __tablename__ = "review_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
