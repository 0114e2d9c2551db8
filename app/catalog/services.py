"""Reading the catalog: filtered, sorted, paginated lists and procedure pages with diffs."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from app.catalog import diffs, listing
from app.catalog.models import KINDS, LEVELS, ONLINE_LEVELS, STATUSES, ImportBatch, Procedure, ProcedureVersion
from app.extensions import db

SORTS = tuple(listing.SORT_COLUMNS)
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
    items: list[listing.Row]
    total: int
    page: int
    per_page: int
    counts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def list_procedures(query: CatalogQuery, *, include_drafts: bool, locale: str = "en") -> Page:
    """A page of the catalog list with the count of every filter value (see ``listing``)."""
    statuses = None if include_drafts else listing.VISIBLE_STATUSES
    filters = {"status": query.status, "kind": query.kind, "online_level": query.online_level,
               "sector": query.sector, "agency": query.agency, "level": query.level}
    groups = listing.all_groups()
    matched = None
    if query.text:
        matched = listing.text_matches(query.text, statuses, groups, query.sort, query.direction)
        groups = groups.weighted(matched)
    total, counts = listing.count(groups, filters, statuses)
    pages = max(1, math.ceil(total / query.per_page))
    number = min(query.page, pages)
    offset = (number - 1) * query.per_page
    if matched is not None:
        passing = listing.passing_groups(groups, filters, statuses)
        ids = [int(i) for i in matched[passing[groups.group_of[matched]]][offset:offset + query.per_page]]
    else:
        ids = listing.page_ids(filters, statuses, query.sort, query.direction, offset, query.per_page,
                              total) if total else []
    items = listing.load_rows(ids, locale)
    return Page(items=items, total=total, page=number, per_page=query.per_page, counts=counts)


def get_procedure(code: str) -> Procedure | None:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def get_version(procedure: Procedure, number: int | None, *, with_record: bool = False) -> ProcedureVersion | None:
    """A version by number, or the current one; elements loaded in one go each. The stored
    record and its change summary (the largest JSON of a version, which the page does not
    show) are read only when asked for, as for a diff."""
    stmt = select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure.id).options(
        selectinload(ProcedureVersion.steps), selectinload(ProcedureVersion.channels),
        selectinload(ProcedureVersion.documents), selectinload(ProcedureVersion.fields),
        selectinload(ProcedureVersion.fees), selectinload(ProcedureVersion.requirements),
        selectinload(ProcedureVersion.legal_basis), selectinload(ProcedureVersion.translations),
    )
    if not with_record:
        stmt = stmt.options(defer(ProcedureVersion.record), defer(ProcedureVersion.changes))
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


def version_diff(old: ProcedureVersion | None, new: ProcedureVersion) -> list[diffs.DiffRow]:
    """Field by field differences from ``old`` (any version, or none) to ``new``."""
    return diffs.version_diff(old.record if old is not None else None, new.record)


def recent_batches(limit: int = 50) -> list[ImportBatch]:
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)))


def catalog_counts() -> dict[str, int]:
    rows = db.session.execute(select(Procedure.status, func.count()).group_by(Procedure.status)).all()
    return {status: count for status, count in rows}
