"""Running a search: parse, match, facet, rank a page, and build snippets.

Query syntax (Whoosh's): all words must match by default; "a phrase"; OR; NOT; prefix*;
field:value for the fields code, agency, sector, level, kind, status. Vietnamese words
match with or without diacritics (the folded field), exact diacritics rank higher (the exact
fields carry larger boosts); English words match stemmed through the translations.
"""
from __future__ import annotations

import threading
from functools import reduce
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import qparser, query as wq
from whoosh.spelling import ListCorrector

from app.search import facets as facet_arrays
from app.search.analysis import fold_vietnamese, protect_codes, tokenize
from app.search.engine import Engine, positive_terms, text_of
from app.search.lru import LruCache

MATCH_FIELDS = ("folded", "en")
TITLE_BOOST = 1.5
EXACT_WEIGHT = 0.5
PHRASE_BOOST = 1.5
PAIR_WEIGHT = 1.5
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
    return qparser.MultifieldParser(list(MATCH_FIELDS), schema, group=qparser.AndGroup)


@dataclass(frozen=True)
class ParsedQuery:
    match: Any  # which documents match: folded + English fields, the user's operators
    rank: Any  # the match query plus exact spellings as an optional bonus (terms for snippets)
    words: list[str] = field(default_factory=list)  # the typed words, exact analysis


def parse(schema, text: str) -> ParsedQuery:
    """Parse user text; raise QueryError when nothing sensible remains."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("too long")
    if not text:
        return ParsedQuery(wq.Every(), wq.Every(), [])
    try:
        match = _parser(schema).parse(protect_codes(text))
    except Exception as exc:  # Whoosh raises assorted errors on odd input; the user gets a message
        raise QueryError(str(exc)) from exc
    if match is wq.NullQuery:
        raise QueryError("empty")
    words = [token for token in dict.fromkeys(tokenize(text, subwords=False)) if token not in ("and", "or", "not")]
    bonus: list[Any] = [wq.Term("body", word) for word in words]
    bonus += [wq.Term("title", word, boost=TITLE_BOOST) for word in words]
    if len(words) > 1:
        # Words side by side, as typed, rank above the same words scattered.
        bonus += [wq.Phrase("body", words, boost=PHRASE_BOOST),
                  wq.Phrase("title", words, boost=TITLE_BOOST * PHRASE_BOOST)]
    rank = wq.AndMaybe(match, wq.Or(bonus)) if bonus else match
    return ParsedQuery(match, rank, words)


def query_terms(engine: Engine, parsed) -> dict[str, set[str]]:
    """The index terms a query looks for (prefixes expanded), grouped for the snippet builder."""
    terms: dict[str, set[str]] = {"exact": set(), "folded": set(), "en": set()}
    for fieldname, value in _leaf_terms(engine, parsed):
        if fieldname in ("body", "title"):
            terms["exact"].add(value)
        elif fieldname in ("folded", "en"):
            terms[fieldname].add(value)
    return terms


def _leaf_terms(engine: Engine, node) -> list[tuple[str, str]]:
    if isinstance(node, wq.Not):
        return []
    if isinstance(node, wq.Term):
        return [(node.fieldname, text_of(node.text))]
    if isinstance(node, wq.Phrase):
        return [(node.fieldname, text_of(word)) for word in node.words]
    if isinstance(node, (wq.Prefix, wq.Wildcard, wq.TermRange)):
        return [(node.fieldname, text) for text in engine.expand(node)]
    if isinstance(node, wq.AndNot):
        return _leaf_terms(engine, node.a)
    found: list[tuple[str, str]] = []
    for child in getattr(node, "subqueries", ()) or ():
        found.extend(_leaf_terms(engine, child))
    return found


# Recent results keyed by (index generation, request): repeated and paged queries are free.
cache = LruCache(CACHE_SIZE)


_engine_lock = threading.Lock()


def engine_for(searcher, extras: dict) -> Engine:
    """The arrays of this searcher's generation, built on first use."""
    engine = extras.get("engine")
    if engine is None:
        with _engine_lock:
            engine = extras.get("engine")
            if engine is None:
                engine = extras["engine"] = Engine(searcher, extras.get("path"))
    return engine


def _weighted_terms(parsed: ParsedQuery, words: list[str]) -> list[tuple[str, str, float]]:
    terms = [(field, text, 1.0) for field, text in dict.fromkeys(positive_terms(parsed.match))
             if field in ("folded", "en")]
    terms += [("body", word, EXACT_WEIGHT) for word in words]
    terms += [("title", word, TITLE_BOOST) for word in words]
    folded = [fold_vietnamese(word) for word in words]
    terms += [("pairs", f"{a}_{b}", PAIR_WEIGHT) for a, b in zip(folded, folded[1:])]
    return terms


def facets_with_review(engine, review=None):
    """The engine's facet arrays, plus the review state facet when ``review`` (fingerprint,
    states, {procedure id: state index}) is given: it comes from the database, not the index."""
    if review is None:
        return engine.facets
    fingerprint, states, by_procedure = review
    cached = engine.derived.get(("review", fingerprint))
    if cached is not None:
        return cached
    codes = np.zeros(engine.size, dtype=np.int32)
    for pid, value in by_procedure.items():
        docnum = engine.docnum_by_pid.get(pid)
        if docnum is not None:
            codes[docnum] = value
    arrays = facet_arrays.with_facet(engine.facets, "review", list(states), codes)
    engine.derived.put(("review", fingerprint), arrays)
    return arrays


def run(searcher, key, extras: dict, request: SearchRequest, review=None) -> SearchOutcome:
    """Execute a request against an open searcher (``key`` identifies its index generation).

    ``review`` is an optional (fingerprint, states, {procedure id: state index}) for the review
    state facet, which comes from the database rather than the index.
    """
    cache_key = (key, request, review[0] if review else None)
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    parsed = parse(searcher.schema, request.text)
    engine = engine_for(searcher, extras)
    matching = engine.matches(parsed.match)
    arrays = facets_with_review(engine, review)
    allowed, counts = facet_arrays.apply(arrays, matching, request.filter_dict())
    total = int(len(allowed))
    start, stop = (request.page - 1) * request.per_page, request.page * request.per_page
    hits: list[Hit] = []
    if total and start < total:
        words = parsed.words
        if request.sort == "code" or (request.sort == "relevance" and not words):
            order = np.argsort(engine.code_rank[allowed], kind="stable")[:stop]
            scores = np.zeros(len(allowed), dtype=np.float32)
        elif request.sort == "newest":
            order = np.argsort(-engine.updated[allowed], kind="stable")[:stop]
            scores = np.zeros(len(allowed), dtype=np.float32)
        else:
            scores = engine.scores(allowed, _weighted_terms(parsed, words))
            if len(words) > 1:
                # Words side by side in a title, as typed, rank above the same words apart.
                pairs = [engine.postings("title_pairs", f"{a}_{b}")[0] for a, b in zip(words, words[1:])]
                in_phrase = reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), pairs)
                scores[np.isin(allowed, in_phrase, assume_unique=True)] *= PHRASE_BOOST
            if stop < len(allowed):
                top = np.argpartition(-scores, stop - 1)[:stop]
            else:
                top = np.arange(len(allowed))
            # Highest score first; equal scores by code, for a stable order.
            order = top[np.lexsort((engine.code_rank[allowed[top]], -scores[top]))]
        for index in order[start:stop]:
            doc = int(allowed[index])
            hits.append(Hit(int(engine.pid[doc]), engine.codes[doc], float(scores[index])))
    outcome = SearchOutcome(hits=hits, total=total, facets=counts, terms=query_terms(engine, parsed.rank))
    if total == 0 and request.text.strip():
        outcome.suggestion = suggest(engine, request.text)
    cache.put(cache_key, outcome)
    return outcome


def suggest(engine: Engine, text: str) -> str | None:
    """ "Did you mean": each typed word that is not in the index replaced by the nearest
    word of the diacritic-free vocabulary (at most two edits, same first letter)."""
    corrector = None
    words, changed = [], False
    for word in tokenize(text, subwords=False):
        folded = fold_vietnamese(word)
        if word in ("and", "or", "not") or engine.has_term("folded", folded):
            words.append(word)
            continue
        corrector = corrector or ListCorrector(engine.vocabulary("folded"))
        found = corrector.suggest(folded, limit=1, maxdist=2, prefix=1)
        if found:
            words.append(found[0])
            changed = True
        else:
            words.append(word)
    return " ".join(words) if changed else None
