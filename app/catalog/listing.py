"""The catalog list: a page of procedures and the counts of every filter value, from the
``catalog_entry`` table alone.

Counts come from the entries grouped by their filter columns (a few thousand combinations at
national scale, not a hundred thousand rows). That grouping is read once per value of the
``catalog_change`` counter and kept by each process; a list with a text filter groups only
the entries the text matches. A page is one indexed query: the ids of its rows are picked
from the indexes first (offset included), then only those rows are read.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import asc, desc, func, or_, select

from app.catalog import entries
from app.catalog.models import KINDS, LEVELS, ONLINE_LEVELS, STATUSES, CatalogEntry, Translation
from app.extensions import db

FACETS = ("status", "kind", "online_level", "sector", "agency")
E = CatalogEntry
SORT_COLUMNS = {"code": E.code, "title": E.title, "agency": E.agency, "sector": E.sector, "status": E.status,
                "updated": E.status_changed_at}
VISIBLE_STATUSES = ("published", "abolished")
ORDER = {"status": STATUSES, "kind": KINDS, "level": LEVELS, "online_level": ONLINE_LEVELS}


@dataclass
class Row:
    """One line of the list: what the table shows, with the title in the interface language."""

    code: str
    status: str
    pending: bool
    title: str
    lang: str
    kind: str
    agency: str
    sector: str
    online_level: str | None
    levels: list[str]
    translated_title: dict[str, str] = field(default_factory=dict)

    @property
    def pending_version_id(self) -> bool:  # the name the shared templates use
        return self.pending

    def translation(self, lang: str):
        title = self.translated_title.get(lang)
        return _Title(title) if title else None


@dataclass
class _Title:
    title: str


@dataclass
class Groups:
    """Entries grouped by their filter values: one array per facet (value numbers), the level
    bits and the number of entries of each group; ``group_of`` gives the group of each
    procedure id (-1: none)."""

    values: dict[str, list[str]]
    codes: dict[str, np.ndarray]
    level_bits: np.ndarray
    weight: np.ndarray
    group_of: np.ndarray

    ranks: dict[str, np.ndarray] = field(default_factory=dict)

    def weighted(self, ids: np.ndarray) -> Groups:
        """The same groups counting only the entries ``ids``."""
        weight = np.bincount(self.group_of[ids], minlength=len(self.weight)).astype(np.int64)
        return Groups(self.values, self.codes, self.level_bits, weight, self.group_of, self.ranks)

    def rank(self, sort: str) -> np.ndarray:
        """Each procedure id's place in the list sorted by ``sort`` (then code), read once."""
        if sort not in self.ranks:
            ordered = np.fromiter(db.session.connection().execute(
                select(E.procedure_id).order_by(*_order(sort, "asc"))).scalars(), dtype=np.int64)
            ordered = ordered[ordered < len(self.group_of)]
            rank = np.full(len(self.group_of), len(ordered), dtype=np.int64)
            rank[ordered] = np.arange(len(ordered))
            self.ranks[sort] = rank
        return self.ranks[sort]


def _read_groups() -> Groups:
    columns = [getattr(E, name) for name in FACETS]
    rows = db.session.execute(select(E.procedure_id, *columns, E.level_bits)).all()
    keys: dict[tuple, int] = {}
    group_of = np.full((max((row[0] for row in rows), default=0) + 1), -1, dtype=np.int64)
    for row in rows:
        group_of[row[0]] = keys.setdefault(row[1:], len(keys))
    values: dict[str, list[str]] = {}
    codes: dict[str, np.ndarray] = {}
    for position, name in enumerate(FACETS):
        numbers: dict[str, int] = {}
        codes[name] = np.fromiter((numbers.setdefault(key[position] or "", len(numbers)) for key in keys),
                                  dtype=np.int32, count=len(keys))
        values[name] = list(numbers)
    bits = np.fromiter((key[len(FACETS)] for key in keys), dtype=np.int32, count=len(keys))
    known = group_of[group_of >= 0]
    weight = np.bincount(known, minlength=len(keys)).astype(np.int64)
    return Groups(values, codes, bits, weight, group_of)


_cache_lock = threading.Lock()
_cache: dict[str, tuple[int, Groups]] = {}


def all_groups() -> Groups:
    """The groups of every entry, read again only when the catalog changed (in any process)."""
    seq = entries.current()  # before the entries: a change after this read shows next time
    if seq is not None:
        with _cache_lock:
            cached = _cache.get("all")
        if cached is not None and cached[0] == seq:
            return cached[1]
    groups = _read_groups()
    if seq is not None:
        with _cache_lock:
            _cache["all"] = (seq, groups)
    return groups


def passing_groups(groups: Groups, filters: dict[str, list[str]], statuses: tuple[str, ...] | None) -> np.ndarray:
    """For each group: does it pass every filter?"""
    passing = np.ones(len(groups.weight), dtype=bool)
    if statuses is not None:
        passing &= _mask(groups, "status", list(statuses))
    for facet, chosen in filters.items():
        if chosen:
            passing &= _mask(groups, facet, chosen)
    return passing


def _mask(groups: Groups, facet: str, chosen: list[str]) -> np.ndarray:
    if facet == "level":
        wanted = sum(1 << LEVELS.index(level) for level in chosen if level in LEVELS)
        return (groups.level_bits & wanted) != 0
    names = groups.values[facet]
    return np.isin(groups.codes[facet], [names.index(value) for value in chosen if value in names])


def count(groups: Groups, filters: dict[str, list[str]], statuses: tuple[str, ...] | None
          ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """(entries passing every filter, counts per facet value). Values are OR-ed within a facet
    and AND-ed across facets; each facet's counts ignore its own choice, so that its other
    values stay choosable (as on the search page)."""
    base = np.ones(len(groups.weight), dtype=bool)
    if statuses is not None:
        base &= _mask(groups, "status", list(statuses))
    masks = {facet: _mask(groups, facet, chosen) for facet, chosen in filters.items() if chosen}
    passing = base.copy()
    for mask in masks.values():
        passing &= mask
    counts: dict[str, list[tuple[str, int]]] = {}
    for facet in (*FACETS, "level"):
        others = base.copy()
        for name, mask in masks.items():
            if name != facet:
                others &= mask
        if facet == "level":
            bits, weight = groups.level_bits[others], groups.weight[others]
            pairs = [(level, int(weight[(bits & (1 << i)) != 0].sum())) for i, level in enumerate(LEVELS)]
        else:
            tally = np.bincount(groups.codes[facet][others], weights=groups.weight[others],
                                minlength=len(groups.values[facet]))
            pairs = [(groups.values[facet][i], int(n)) for i, n in enumerate(tally)]
        pairs = [(value, n) for value, n in pairs if value and (n or value in (filters.get(facet) or ()))]
        # Fixed short lists keep their own order; sectors and agencies show the largest first.
        order = ORDER.get(facet)
        counts[facet] = sorted(pairs, key=(lambda p: order.index(p[0]) if p[0] in order else len(order))
                               if order else (lambda p: (-p[1], p[0])))
    return int(groups.weight[passing].sum()), counts


def text_condition(text: str):
    """Title contains the words (case and diacritics ignored), or the code starts with them."""
    return or_(E.title_folded.contains(entries.fold(text), autoescape=True),
               E.code.startswith(text, autoescape=True))


def _conditions(text: str, filters: dict[str, list[str]], statuses: tuple[str, ...] | None) -> list:
    conditions = []
    if statuses is not None:
        # "not a draft" rather than IN (...): the planner then walks the sort index in order.
        conditions.append(E.status.in_(statuses) if filters.get("status") else
                          E.status.notin_([status for status in STATUSES if status not in statuses]))
    if text:
        conditions.append(text_condition(text))
    for name in FACETS:
        if filters.get(name):
            conditions.append(getattr(E, name).in_(filters[name]))
    if filters.get("level"):
        wanted = sum(1 << LEVELS.index(level) for level in filters["level"] if level in LEVELS)
        # A bit test, not an index: every level holds a large share of the catalog, so walking
        # the sort index in order and testing each row beats collecting and sorting them all.
        conditions.append(E.level_bits.op("&")(wanted) != 0)
    return conditions


def _order(sort: str, direction: str) -> list:
    order = desc if direction == "desc" else asc
    return [order(SORT_COLUMNS.get(sort, E.code)), order(E.code)]


def text_matches(text: str, statuses: tuple[str, ...] | None, groups: Groups, sort: str, direction: str
                 ) -> np.ndarray:
    """Ids of the visible entries a text matches, in the list's order.

    Only ids are read (through Core: tens of thousands of them at most), in one pass without an
    order; they are put in order by the rank each procedure has in the sort, kept with the groups.
    """
    stmt = select(E.procedure_id).where(*_conditions(text, {}, statuses))
    ids = np.fromiter(db.session.connection().execute(stmt).scalars(), dtype=np.int64)
    ids = ids[ids < len(groups.group_of)]  # newer than the groups: shown once they are read again
    rank = groups.rank(sort)[ids]
    ordered = ids[np.argsort(rank, kind="stable")]
    return ordered[::-1] if direction == "desc" else ordered


def page_ids(filters: dict[str, list[str]], statuses: tuple[str, ...] | None, sort: str, direction: str,
             offset: int, limit: int, total: int) -> list[int]:
    """The ids of one page in the chosen order (code breaks ties), from the indexes. A page in
    the second half is read from the other end (the total is known), so no page walks more
    than half of the rows."""
    backwards = offset > total // 2
    if backwards:
        direction = "asc" if direction == "desc" else "desc"
        limit = min(limit, total - offset)
        offset = max(0, total - offset - limit)
    stmt = select(E.procedure_id).where(*_conditions("", filters, statuses)).order_by(
        *_order(sort, direction)).limit(limit).offset(offset)
    ids = list(db.session.scalars(stmt))
    return ids[::-1] if backwards else ids


def load_rows(ids: list[int], locale: str) -> list[Row]:
    """The rows of these ids, in this order, with their titles in ``locale`` where translated."""
    if not ids:
        return []
    by_id = {entry.procedure_id: entry for entry in db.session.execute(
        select(E).where(E.procedure_id.in_(ids))).scalars()}
    titles = dict(db.session.execute(
        select(Translation.version_id, Translation.title)
        .where(Translation.version_id.in_([entry.version_id for entry in by_id.values()]),
               Translation.lang == locale)).all())
    rows = []
    for procedure_id in ids:
        entry = by_id.get(procedure_id)
        if entry is None:
            continue  # changed since the ids were read
        translated = {locale: titles[entry.version_id]} if entry.version_id in titles else {}
        rows.append(Row(entry.code, entry.status, entry.pending, entry.title, entry.lang, entry.kind,
                        entry.agency, entry.sector, entry.online_level,
                        [level for i, level in enumerate(LEVELS) if entry.level_bits & (1 << i)], translated))
    return rows
