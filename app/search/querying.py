"""Running a search: parse, match, facet, rank a page, and build snippets.

Query syntax (Whoosh's): all words must match by default; "a phrase"; OR; NOT; prefix*;
field:value for the fields code, title, agency, sector, level, kind, status. Vietnamese words
match with or without diacritics (the folded field), exact diacritics rank higher (the exact
fields carry larger boosts); English words match stemmed through the translations.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import qparser, query as wq
from whoosh.sorting import FieldFacet

from app.search import facets as facet_arrays
from app.search.analysis import protect_codes

SEARCH_FIELDS = ("title", "body", "folded", "en")
BOOSTS = {"title": 4.0, "body": 2.0, "folded": 1.0, "en": 1.0}
SORTS = ("relevance", "code", "newest")
MAX_QUERY_LENGTH = 500
CACHE_SIZE = 256


class QueryError(ValueError):
    """A query that cannot be read; the message is for the user."""


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def filter_dict(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.filters}


@dataclass
class Hit:
    procedure_id: int
    code: str
    score: float


@dataclass
class SearchOutcome:
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    terms: dict[str, set[str]] = field(default_factory=dict)  # exact / folded / english terms
    suggestion: str | None = None
    note: str | None = None


def _parser(schema) -> qparser.MultifieldParser:
    parser = qparser.MultifieldParser(list(SEARCH_FIELDS), schema, fieldboosts=BOOSTS,
                                      group=qparser.AndGroup)
    return parser


def parse(schema, text: str):
    """Parse user text into a query; raise QueryError when nothing sensible remains."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("too long")
    if not text:
        return wq.Every()
    try:
        parsed = _parser(schema).parse(protect_codes(text))
    except Exception as exc:  # Whoosh raises assorted errors on odd input; the user gets a message
        raise QueryError(str(exc)) from exc
    if parsed is wq.NullQuery:
        raise QueryError("empty")
    return parsed


def query_terms(searcher, parsed) -> dict[str, set[str]]:
    """The index terms a query matches (prefixes expanded), grouped for the snippet builder."""
    terms: dict[str, set[str]] = {"exact": set(), "folded": set(), "en": set()}
    try:
        pairs = parsed.existing_terms(searcher.reader(), expand=True)
    except Exception:
        pairs = parsed.all_terms()
    for fieldname, text in pairs:
        value = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        if fieldname in ("title", "body"):
            terms["exact"].add(value)
        elif fieldname == "folded":
            terms["folded"].add(value)
        elif fieldname == "en":
            terms["en"].add(value)
    return terms


class ResultCache:
    """Recent results keyed by (index generation, request): repeated and paged queries are free."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = size

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)


cache = ResultCache()


def run(searcher, key, extras: dict, request: SearchRequest) -> SearchOutcome:
    """Execute a request against an open searcher (``key`` identifies its index generation)."""
    cache_key = (key, request)
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    parsed = parse(searcher.schema, request.text)
    arrays = extras.get("facets")
    if arrays is None:
        arrays = extras["facets"] = facet_arrays.load(searcher)
    matching = np.fromiter(searcher.docs_for_query(parsed), dtype=np.int64)
    allowed, counts = facet_arrays.apply(arrays, matching, request.filter_dict())
    total = int(len(allowed))
    limit = request.page * request.per_page
    hits: list[Hit] = []
    if total:
        restrict = None if len(allowed) == len(matching) else set(allowed.tolist())
        sortedby, reverse = None, False
        if request.sort == "code":
            sortedby = FieldFacet("code")
        elif request.sort == "newest":
            sortedby, reverse = FieldFacet("updated"), True
        results = searcher.search(parsed, limit=limit, filter=restrict, sortedby=sortedby, reverse=reverse,
                                  scored=sortedby is None)
        start = (request.page - 1) * request.per_page
        for hit in results[start:limit]:
            stored = hit.fields()
            hits.append(Hit(int(stored["id"]), stored["code"], float(hit.score or 0.0)))
    outcome = SearchOutcome(hits=hits, total=total, facets=counts, terms=query_terms(searcher, parsed))
    if total == 0 and request.text.strip():
        outcome.suggestion = suggest(searcher, parsed, request.text)
    cache.put(cache_key, outcome)
    return outcome


def suggest(searcher, parsed, text: str) -> str | None:
    """A corrected query for "did you mean", from the folded and exact vocabularies."""
    try:
        corrected = searcher.correct_query(parsed, text, prefix=1, maxdist=2)
    except Exception:
        return None
    if corrected.query != parsed and corrected.string and corrected.string.strip() != text.strip():
        return corrected.string
    return None
