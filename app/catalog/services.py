"""Reading the catalog: filtered, sorted, paginated lists and procedure pages with diffs."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, asc, desc, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.catalog.models import (KINDS, LEVELS, ONLINE_LEVELS, STATUSES, ImportBatch, Procedure,
                                ProcedureVersion, VersionLevel)
from app.catalog.records import describe, describe_value, flatten, word_diff
from app.extensions import db

SORTS = {
    "code": Procedure.code,
    "title": ProcedureVersion.title,
    "agency": ProcedureVersion.agency,
    "sector": ProcedureVersion.sector,
    "status": Procedure.status,
    "updated": Procedure.status_changed_at,
}
MAX_PAGE_SIZE = 200


@dataclass
class CatalogQuery:
    """What the catalog list was asked for; built from request arguments."""

    text: str = ""
    agency: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    level: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    online_level: list[str] = field(default_factory=list)
    sort: str = "code"
    direction: str = "asc"
    page: int = 1
    per_page: int = 25

    @classmethod
    def from_args(cls, args, per_page: int = 25) -> CatalogQuery:
        def pick(name: str, allowed=None) -> list[str]:
            values = [value.strip() for value in args.getlist(name) if value.strip()]
            return [value for value in values if allowed is None or value in allowed]

        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        try:
            per_page = min(MAX_PAGE_SIZE, max(1, int(args.get("per_page", per_page))))
        except ValueError:
            pass
        sort = args.get("sort", "code")
        return cls(
            text=(args.get("q") or "").strip()[:200],
            agency=pick("agency"), sector=pick("sector"), level=pick("level", LEVELS),
            kind=pick("kind", KINDS), status=pick("status", STATUSES),
            online_level=pick("online_level", ONLINE_LEVELS),
            sort=sort if sort in SORTS else "code",
            direction="desc" if args.get("direction") == "desc" else "asc",
            page=page, per_page=per_page,
        )

    def active_filters(self) -> int:
        return sum(bool(v) for v in (self.text, self.agency, self.sector, self.level, self.kind,
                                     self.status, self.online_level))


@dataclass
class Page:
    items: list[tuple[Procedure, ProcedureVersion]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _filtered(query: CatalogQuery, include_drafts: bool) -> Select:
    stmt = select(Procedure, ProcedureVersion).join(
        ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
    if not include_drafts:
        stmt = stmt.where(Procedure.status != "draft")
    if query.text:
        pattern = f"%{query.text.lower()}%"
        stmt = stmt.where(or_(func.lower(ProcedureVersion.title).like(pattern),
                              Procedure.code.like(f"{query.text}%")))
    for column, values in ((ProcedureVersion.agency, query.agency), (ProcedureVersion.sector, query.sector),
                           (ProcedureVersion.kind, query.kind), (Procedure.status, query.status),
                           (ProcedureVersion.online_level, query.online_level)):
        if values:
            stmt = stmt.where(column.in_(values))
    if query.level:
        stmt = stmt.where(exists().where(and_(VersionLevel.version_id == ProcedureVersion.id,
                                              VersionLevel.level.in_(query.level))))
    return stmt


def list_procedures(query: CatalogQuery, *, include_drafts: bool) -> Page:
    stmt = _filtered(query, include_drafts)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = desc if query.direction == "desc" else asc
    stmt = stmt.order_by(order(SORTS[query.sort]), asc(Procedure.code))
    stmt = stmt.limit(query.per_page).offset((query.page - 1) * query.per_page)
    return Page(items=[(row[0], row[1]) for row in db.session.execute(stmt)], total=total,
                page=query.page, per_page=query.per_page)


def filter_options(include_drafts: bool) -> dict[str, list[str]]:
    """Distinct agencies and sectors of the procedures the user may see."""
    base = select(ProcedureVersion).join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
    if not include_drafts:
        base = base.where(Procedure.status != "draft")
    sub = base.subquery()
    return {
        "agency": list(db.session.scalars(select(sub.c.agency).distinct().order_by(sub.c.agency))),
        "sector": list(db.session.scalars(select(sub.c.sector).distinct().order_by(sub.c.sector))),
    }


def get_procedure(code: str) -> Procedure | None:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def get_version(procedure: Procedure, number: int | None) -> ProcedureVersion | None:
    """A version by number, or the current one; elements loaded in one go each."""
    stmt = select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure.id).options(
        selectinload(ProcedureVersion.steps), selectinload(ProcedureVersion.channels),
        selectinload(ProcedureVersion.documents), selectinload(ProcedureVersion.fields),
        selectinload(ProcedureVersion.fees), selectinload(ProcedureVersion.requirements),
        selectinload(ProcedureVersion.legal_basis), selectinload(ProcedureVersion.translations),
    )
    if number is None:
        if procedure.current_version_id is None:
            return None
        stmt = stmt.where(ProcedureVersion.id == procedure.current_version_id)
    else:
        stmt = stmt.where(ProcedureVersion.number == number)
    return db.session.scalar(stmt)


def versions_of(procedure: Procedure) -> list[ProcedureVersion]:
    return list(db.session.scalars(
        select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure.id)
        .order_by(ProcedureVersion.number.desc())))


@dataclass
class DiffRow:
    key: str
    kind: str
    change: str  # added | changed | removed
    old: str
    new: str
    words: list[tuple[str, str]]


def version_diff(old: ProcedureVersion | None, new: ProcedureVersion) -> list[DiffRow]:
    """Readable differences from ``old`` to ``new``: properties first, then elements in order."""
    old_record: dict[str, Any] = old.record if old else {}
    rows: list[DiffRow] = []
    summary = new.changes or {}
    for name in summary.get("properties", []):
        before, after = describe_value(old_record.get(name)), describe_value(new.record.get(name))
        rows.append(DiffRow(name, "property", "changed" if before and after else ("added" if after else "removed"),
                            before, after, word_diff(before, after)))
    old_elements, new_elements = flatten(old_record) if old else {}, flatten(new.record)
    for change in ("changed", "added", "removed"):
        for key in summary.get(change, []):
            before = describe(key, old_elements.get(key))
            after = describe(key, new_elements.get(key))
            rows.append(DiffRow(key, key.split(":", 1)[0], change, before, after, word_diff(before, after)))
    return rows


def recent_batches(limit: int = 50) -> list[ImportBatch]:
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)))


def catalog_counts() -> dict[str, int]:
    rows = db.session.execute(select(Procedure.status, func.count()).group_by(Procedure.status)).all()
    return {status: count for status, count in rows}
