"""Procedures, their versions and the elements of each version.

A ``Procedure`` is the identity (its national code). Each import of changed content adds a
``ProcedureVersion``; the elements (steps, channels, documents, form fields, fees,
requirements, legal basis, translations) belong to a version and keep the ``eid`` given in
the import file, which is stable across versions so that reviewers' marks survive
republication. ``PublicationEvent`` is the outbox that the search indexer consumes in order.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

STATUSES = ("draft", "published", "abolished")
LEVELS = ("central", "province", "district", "commune")
KINDS = ("external", "internal")
ONLINE_LEVELS = ("none", "partial", "full")
CHANNELS = ("in_person", "online", "post")
TIME_UNITS = ("hours", "days", "working_days", "months")


class ImportBatch(db.Model):
    """One import file, loaded all or nothing."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(20), default="cli")
    line_count: Mapped[int] = mapped_column(default=0)
    new_procedures: Mapped[int] = mapped_column(default=0)
    new_versions: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])


class Procedure(db.Model):
    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    # The version the catalog shows: the one last published, or the first draft.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_version.id", use_alter=True, ondelete="SET NULL"))
    # A newer imported version that waits for an admin to publish it.
    pending_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_version.id", use_alter=True, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime | None]
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    current_version: Mapped[ProcedureVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True)
    pending_version: Mapped[ProcedureVersion | None] = relationship(
        foreign_keys=[pending_version_id], post_update=True)
    versions: Mapped[list[ProcedureVersion]] = relationship(
        back_populates="procedure", foreign_keys="ProcedureVersion.procedure_id",
        order_by="ProcedureVersion.number")
    status_changed_by = relationship("User", foreign_keys=[status_changed_by_id])


class ProcedureVersion(db.Model):
    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("procedure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The status the import line asked for; applied when the version is published.
    intended_status: Mapped[str] = mapped_column(String(12), default="published")
    published_at: Mapped[datetime | None]
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    title: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(10), index=True)
    type: Mapped[str | None] = mapped_column(String(300))
    sector: Mapped[str] = mapped_column(String(300), index=True)
    agency: Mapped[str] = mapped_column(String(300), index=True)
    online_level: Mapped[str | None] = mapped_column(String(10), index=True)
    levels: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    subjects: Mapped[list[str] | None] = mapped_column(JSON)
    keywords: Mapped[list[str] | None] = mapped_column(JSON)
    implementing_agency: Mapped[str | None] = mapped_column(Text)
    competent_authority: Mapped[str | None] = mapped_column(Text)
    coordinating_agency: Mapped[str | None] = mapped_column(Text)
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decision_date: Mapped[str | None] = mapped_column(String(10))
    source_published_at: Mapped[str | None] = mapped_column(String(10))
    source_url: Mapped[str | None] = mapped_column(Text)
    time_value: Mapped[float | None] = mapped_column(Float)
    time_unit: Mapped[str | None] = mapped_column(String(20))
    time_text: Mapped[str | None] = mapped_column(Text)
    hours_per_case: Mapped[float | None] = mapped_column(Float)
    other_costs_vnd: Mapped[float | None] = mapped_column(Float)
    cases_per_year: Mapped[float | None] = mapped_column(Float)

    procedure: Mapped[Procedure] = relationship(back_populates="versions", foreign_keys=[procedure_id])
    batch: Mapped[ImportBatch | None] = relationship()
    level_rows: Mapped[list[VersionLevel]] = relationship(cascade="all, delete-orphan")
    steps: Mapped[list[Step]] = relationship(order_by="Step.position", cascade="all, delete-orphan")
    channels: Mapped[list[Channel]] = relationship(order_by="Channel.position", cascade="all, delete-orphan")
    documents: Mapped[list[Document]] = relationship(order_by="Document.position", cascade="all, delete-orphan")
    fields: Mapped[list[FormField]] = relationship(order_by="FormField.position", cascade="all, delete-orphan")
    fees: Mapped[list[Fee]] = relationship(order_by="Fee.position", cascade="all, delete-orphan")
    requirements: Mapped[list[Requirement]] = relationship(
        order_by="Requirement.position", cascade="all, delete-orphan")
    legal_basis: Mapped[list[LegalBasis]] = relationship(
        order_by="LegalBasis.position", cascade="all, delete-orphan")
    translations: Mapped[list[Translation]] = relationship(cascade="all, delete-orphan")

    def translation(self, lang: str) -> Translation | None:
        for item in self.translations:
            if item.lang == lang:
                return item
        return None

    def fields_of(self, document_eid: str) -> list[FormField]:
        return [f for f in self.fields if f.document_eid == document_eid]


class VersionLevel(db.Model):
    __tablename__ = "version_level"
    __table_args__ = (UniqueConstraint("version_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10), index=True)


class _Element:
    """Columns every markable element shares: its version, stable id and order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id", ondelete="CASCADE"), index=True)
    eid: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)


class Step(_Element, db.Model):
    __tablename__ = "step"
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)


class Channel(_Element, db.Model):
    __tablename__ = "channel"
    channel: Mapped[str] = mapped_column(String(12))
    time_value: Mapped[float | None] = mapped_column(Float)
    time_unit: Mapped[str | None] = mapped_column(String(20))
    time_text: Mapped[str | None] = mapped_column(Text)
    fee_text: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class Document(_Element, db.Model):
    __tablename__ = "document"
    name: Mapped[str] = mapped_column(Text)
    case: Mapped[str | None] = mapped_column(Text)
    form: Mapped[str | None] = mapped_column(Text)
    originals: Mapped[int | None]
    copies: Mapped[int | None]
    required: Mapped[bool] = mapped_column(default=True)


class FormField(_Element, db.Model):
    __tablename__ = "form_field"
    document_eid: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(default=True)
    source_db: Mapped[str | None] = mapped_column(Text)


class Fee(_Element, db.Model):
    __tablename__ = "fee"
    name: Mapped[str | None] = mapped_column(Text)
    amount_vnd: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)


class Requirement(_Element, db.Model):
    __tablename__ = "requirement"
    text: Mapped[str] = mapped_column(Text)


class LegalBasis(db.Model):
    """A legal document; identified within a procedure by its number."""

    __tablename__ = "legal_basis"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    number: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(10))
    issuer: Mapped[str | None] = mapped_column(Text)


class Translation(db.Model):
    __tablename__ = "translation"
    __table_args__ = (UniqueConstraint("version_id", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)


class PublicationEvent(db.Model):
    """Outbox of publication changes, consumed in ``seq`` order by the search indexer."""

    __tablename__ = "publication_event"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_version.id", ondelete="SET NULL"))
    change: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    procedure: Mapped[Procedure] = relationship()


class OutboxCounter(db.Model):
    """Single row holding the last outbox sequence number.

    Publishing locks this row (SELECT ... FOR UPDATE) to take the next number, so numbers are
    handed out in commit order: a consumer that reads ``seq > last_applied`` never skips an
    event that commits late, as it could with a plain database sequence.
    """

    __tablename__ = "outbox_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)


Index("ix_procedure_version_title", ProcedureVersion.title)


class CatalogEntry(db.Model):
    """One row per procedure with the columns of the catalog list, as its shown version has them.

    The list, its filters and its counts read this narrow table alone (indexed per filter and
    sort), instead of joining every procedure to its version and its stored record. Kept in
    step by ``app.catalog.entries.refresh`` in the transaction that changes what a procedure
    shows (import, publication).
    """

    __tablename__ = "catalog_entry"

    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    pending: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(500))
    # Lower case without diacritics: "dang ky" finds "Đăng ký" the same way on every database.
    title_folded: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(10))
    agency: Mapped[str] = mapped_column(String(300))
    sector: Mapped[str] = mapped_column(String(300))
    online_level: Mapped[str | None] = mapped_column(String(10))
    # Bit i set when the procedure applies at LEVELS[i].
    level_bits: Mapped[int] = mapped_column(default=0)
    status_changed_at: Mapped[datetime | None]


class CatalogChange(db.Model):
    """Single row raised by every transaction that changes catalog entries; readers cache the
    list's filter counts under its number."""

    __tablename__ = "catalog_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)


for _column in ("status", "agency", "sector", "kind", "online_level", "title", "status_changed_at"):
    Index(f"ix_catalog_entry_{_column}_code", getattr(CatalogEntry, _column), CatalogEntry.code)
# The list walks the codes in order and tests these columns: all in the index, no row reads.
Index("ix_catalog_entry_code_cover", CatalogEntry.code, CatalogEntry.status, CatalogEntry.level_bits,
      CatalogEntry.kind, CatalogEntry.online_level)
