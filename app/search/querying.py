"""Running a search: parse, match, facet, rank a page, and build snippets.

Query syntax (Whoosh's): "a phrase"; +word; OR; NOT; prefix*; field:value for the fields
code, agency, sector, level, kind, status. Vietnamese words match with or without diacritics
(the folded field), exact diacritics rank higher (the exact fields carry larger boosts);
English words match stemmed through the translations.

The plain words (those without an operator) are planned one by one (``plan_words``): each is
satisfied by its own postings, by the alternatives (synonyms, glossary) that span it, and,
when the query finds little, by corrections of a word the index does not know. Procedures
holding every word are listed first; when they are few, those holding most of the words follow
(``_tiers``), scored lower by the share of words they hold. Operators are always required, and
a query with OR or brackets runs exactly as written.
"""
from __future__ import annotations

import math
import re
import threading
from functools import reduce
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import qparser, query as wq

from app.search import facets as facet_arrays
from app.search import spelling, synonyms
from app.search.analysis import fold_token, fold_vietnamese, protect_codes, tokenize
from app.search.engine import (NO_DEADLINE, Deadline, Engine, QueryError, QueryTooExpensive, positive_terms,
                               text_of)
from app.search.lru import LruCache
from app.search.synonyms import Alternative

MATCH_FIELDS = ("folded", "en")
TITLE_BOOST = 1.5
EXACT_WEIGHT = 0.5
PHRASE_BOOST = 1.5
PAIR_WEIGHT = 1.5
SORTS = ("relevance", "code", "newest")
MAX_QUERY_LENGTH = 500
CACHE_SIZE = 256
# Cost bounds: words a query may hold, a phrase's slop, corrections per word, alternatives per
# query, and the seconds a query may run (checked between the engine's steps).
MAX_WORDS = 32
MAX_SLOP = 10
MAX_CORRECTIONS = 3
MAX_ALTERNATIVES = 16
TIME_BUDGET = 5.0
# Relaxed ranking: when fewer than FEW procedures hold every word, those holding at least
# MOST of them follow. Corrections of a word held by at most RARE procedures are tried when
# they are held by RARE_RATIO times more.
FEW = 10
MOST = 0.5
RARE = 1
RARE_RATIO = 5
TYPO_WEIGHT = 0.6
TIER_GAP = 1e15  # above any score, code rank or date: the every-word tier sorts first
FILLER_WEIGHT = 0.15
# Question words and filler: they count little, and a procedure need not hold them.
FILLER_WORDS = frozenset("""
thủ tục xin cách làm cần những gì khi nào ở đâu thế sao như của cho và với để thì là có không
được bao nhiêu tôi mình muốn một các này đó gồm phải về trong
how to do does can i a an the of for in on my me what which where when is are get need want
with and by at from please
ขอ อย่างไร ทำ ต้อง อะไร บ้าง ที่ ไหน การ ใช้ ของ และ ใน ได้ ไหม
""".split())


__all__ = ["QueryError", "QueryTooExpensive", "SearchRequest", "SearchOutcome", "parse", "run"]


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    literal: bool = False  # search for the words as typed: no typo corrections

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
    complete: int = 0  # listed procedures that hold every word (the first ones)
    corrected: str | None = None  # the query as run, when typos were corrected


def _parser(schema) -> qparser.MultifieldParser:
    return qparser.MultifieldParser(list(MATCH_FIELDS), schema, group=qparser.AndGroup)


@dataclass(frozen=True)
class ParsedQuery:
    match: Any  # which documents match: folded + English fields, the user's operators
    rank: Any  # the match query plus exact spellings as an optional bonus (terms for snippets)
    words: list[str] = field(default_factory=list)  # the typed words, exact analysis
    # The words typed without operators, which the ranking may relax (most, not all, of them;
    # typo corrections; alternatives), and what the operators require (None: nothing).
    # ``loose`` is None when the query's operators (OR, brackets) leave nothing to relax.
    loose: tuple[str, ...] | None = None
    required: Any = None


# A piece of query text: a quoted phrase (with a field or a slop), or a run of non-space text.
_PIECE_RE = re.compile(r'(?:[+\-]?[^\s"]*:)?"[^"]*"?(?:~\d*)?|\S+')
_OPERATOR_CHARS = set(':*?~^"')


def _split(text: str) -> tuple[list[str], list[str], bool]:
    """(required pieces, plain words, relaxable) of a query text."""
    required: list[str] = []
    plain: list[str] = []
    pieces = _PIECE_RE.findall(text)
    negate = False
    for piece in pieces:
        if piece in ("OR", "AND") or "(" in piece or ")" in piece or "[" in piece or "{" in piece:
            return [], [], False
        if piece == "NOT":
            negate = True
            continue
        if negate:
            required.append(f"NOT {piece}")
            negate = False
        elif piece[0] in "+-" and len(piece) > 1:
            required.append(piece[1:] if piece[0] == "+" else piece)
        elif _OPERATOR_CHARS & set(piece):
            required.append(piece)
        else:
            plain.append(piece)
    if negate:
        required.append("NOT")
    return required, plain, True


def _bound_phrases(node) -> Any:
    """The parsed tree with every phrase's slop cut to MAX_SLOP."""
    if isinstance(node, wq.Phrase) and node.slop > MAX_SLOP:
        node.slop = MAX_SLOP
    for child in getattr(node, "subqueries", ()) or ():
        _bound_phrases(child)
    for name in ("a", "b", "query"):
        child = getattr(node, name, None)
        if isinstance(child, wq.Query):
            _bound_phrases(child)
    return node


def _parse_text(schema, text: str):
    try:
        parsed = _parser(schema).parse(protect_codes(text))
    except Exception as exc:  # Whoosh raises assorted errors on odd input; the user gets a message
        raise QueryError(str(exc)) from exc
    return _bound_phrases(parsed)


def parse(schema, text: str) -> ParsedQuery:
    """Parse user text; raise QueryError when nothing sensible remains."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("too long")
    if not text:
        return ParsedQuery(wq.Every(), wq.Every(), [])
    words = [token for token in dict.fromkeys(tokenize(text, subwords=False)) if token not in ("and", "or", "not")]
    if len(words) > MAX_WORDS:
        raise QueryTooExpensive("too many words")
    match = _parse_text(schema, text)
    if match is wq.NullQuery:
        raise QueryError("empty")
    required_pieces, plain, relaxable = _split(text)
    loose = None
    required = None
    if relaxable:
        loose = tuple(token for token in tokenize(" ".join(plain), subwords=False) if token not in ("and", "or", "not"))
        if required_pieces:
            required = _parse_text(schema, " ".join(required_pieces))
            if required is wq.NullQuery:
                required = None
    bonus: list[Any] = [wq.Term("body", word) for word in words]
    bonus += [wq.Term("title", word, boost=TITLE_BOOST) for word in words]
    if len(words) > 1:
        # Words side by side, as typed, rank above the same words scattered.
        bonus += [wq.Phrase("body", words, boost=PHRASE_BOOST),
                  wq.Phrase("title", words, boost=TITLE_BOOST * PHRASE_BOOST)]
    rank = wq.AndMaybe(match, wq.Or(bonus)) if bonus else match
    return ParsedQuery(match, rank, words, loose, required)


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


@dataclass
class Plan:
    """How the typed words of a query become document sets and score terms."""

    content: list[int]  # indexes of the words that count (not filler)
    docs: list[np.ndarray]  # per word: documents holding it, a correction or an alternative of it
    terms: list[tuple[str, str, float]]  # scored (field, term, weight)
    corrected: dict[int, str]  # unknown word index -> the correction shown ("Showing results for")
    expanded: bool = False  # corrections were added (for unknown or rare words)


def _unit_terms(schema, word: str) -> list[tuple[str, str]]:
    terms = [("folded", fold_token(word))]
    terms += [("en", token.text) for token in schema["en"].analyzer(word, mode="query")]
    return list(dict.fromkeys(terms))


def _docs_of(engine: Engine, terms, deadline) -> np.ndarray:
    deadline.check()
    return engine._union([engine.postings(field, text)[0] for field, text in terms])


def _stem(schema):
    analyzer = schema["en"].analyzer

    def stem(word: str) -> str:
        tokens = [token.text for token in analyzer(word, mode="query")]
        return tokens[0] if tokens else word
    return stem


def plan_words(engine: Engine, schema, words: tuple[str, ...], alternatives: list[Alternative], *,
               correct: bool, deadline: Deadline = NO_DEADLINE) -> Plan:
    """Document sets and score terms for the plain words of a query: each word is matched on
    the folded and English fields; ``alternatives`` (synonyms, glossary) satisfy the words
    they span at their weight; with ``correct``, a word the index does not know (or hardly
    knows) is also matched by its nearest indexed words, weighted below exact matches."""
    filler = [word in FILLER_WORDS for word in words]
    content = [i for i in range(len(words)) if not filler[i]] or list(range(len(words)))
    terms: list[tuple[str, str, float]] = []
    docs: list[np.ndarray] = []
    corrected: dict[int, str] = {}
    expanded = False
    folded = [fold_token(word) for word in words]
    stem = _stem(schema)
    for i, word in enumerate(words):
        unit = _unit_terms(schema, word)
        weight = 1.0 if i in content else FILLER_WEIGHT
        terms += [(field, text, weight) for field, text in unit]
        found = _docs_of(engine, unit, deadline)
        if correct and i in content and found.size <= RARE and not any(ch.isdigit() for ch in word):
            fixes = spelling.corrections(engine, folded[i], stem, folded[i - 1] if i else None,
                                         folded[i + 1] if i + 1 < len(words) else None, limit=MAX_CORRECTIONS)
            fixes = [fix for fix in fixes if fix.weight > found.size * RARE_RATIO]
            if fixes:
                if not found.size:
                    corrected[i] = fixes[0].word
                expanded = True
                terms += [(fix.field, fix.term, TYPO_WEIGHT) for fix in fixes]
                found = engine._union([found] + [engine.postings(fix.field, fix.term)[0] for fix in fixes])
        docs.append(found)
    for alternative in alternatives[:MAX_ALTERNATIVES]:
        if not (0 <= alternative.start < alternative.end <= len(words)) or not alternative.words:
            continue
        alt_docs = None
        for word in alternative.words[:MAX_WORDS]:
            unit = _unit_terms(schema, word)
            terms += [(field, text, alternative.weight) for field, text in unit]
            found = _docs_of(engine, unit, deadline)
            alt_docs = found if alt_docs is None else engine._intersect(alt_docs, found)
        for i in range(alternative.start, alternative.end):
            docs[i] = engine._union([docs[i], alt_docs])
    return Plan(content, docs, terms, corrected, expanded)


def _tiers(engine: Engine, plan: Plan, required: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(every listed document, the ones holding every word, how many words each listed one
    holds). Documents with most words follow only when those with all of them are few."""
    wanted = len(plan.content)
    counts = np.zeros(engine.size, dtype=np.int16)
    for i in plan.content:
        counts[plan.docs[i]] += 1
    if required is not None:
        keep = np.zeros(engine.size, dtype=bool)
        keep[required] = True
        counts[~keep] = 0
    complete = np.flatnonzero(counts >= wanted)
    if len(complete) >= FEW or wanted < 2:
        return complete, complete, counts
    least = max(1, math.ceil(wanted * MOST))
    listed = np.flatnonzero(counts >= least)
    return listed, complete, counts


def search_text(request: SearchRequest, outcome_text: str, corrected: dict[int, str], words) -> str:
    """The query as run: the typed text with each corrected word replaced."""
    text = outcome_text
    for i, correction in corrected.items():
        text = re.sub(rf"(?<!\w){re.escape(words[i])}(?!\w)", correction, text, count=1, flags=re.IGNORECASE)
    return text


def listed(engine: Engine, schema, parsed: ParsedQuery, request: SearchRequest, alternatives=(),
           deadline: Deadline = NO_DEADLINE):
    """(documents listed, those holding every word or None, words held per document or None,
    the plan of the plain words or None) for a parsed query."""
    if not parsed.loose:
        return engine.matches(parsed.match, deadline), None, None, None
    required = engine.matches(parsed.required, deadline) if parsed.required is not None else None
    plan = plan_words(engine, schema, parsed.loose, list(alternatives), correct=False, deadline=deadline)
    matching, complete, counts = _tiers(engine, plan, required)
    if len(complete) < FEW and not request.literal:
        fixed = plan_words(engine, schema, parsed.loose, list(alternatives), correct=True, deadline=deadline)
        if fixed.expanded:
            plan = fixed
            matching, complete, counts = _tiers(engine, plan, required)
    return matching, complete, counts, plan


def run(searcher, key, extras: dict, request: SearchRequest, review=None, budget: float | None = TIME_BUDGET
        ) -> SearchOutcome:
    """Execute a request against an open searcher (``key`` identifies its index generation).

    ``review`` is an optional (fingerprint, states, {procedure id: state index}) for the review
    state facet, which comes from the database rather than the index. A query that runs past
    ``budget`` seconds raises QueryTooExpensive.
    """
    parsed = parse(searcher.schema, request.text)
    # Alternatives come from lists an admin may edit at any moment: they are part of the key.
    alternatives = tuple(synonyms.alternatives(list(parsed.loose))) if parsed.loose else ()
    cache_key = (key, request, review[0] if review else None, alternatives)
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    engine = engine_for(searcher, extras)  # a new generation's arrays load once, outside the budget
    deadline = Deadline(budget)
    matching, complete, counts, plan = listed(engine, searcher.schema, parsed, request, alternatives, deadline)
    arrays = facets_with_review(engine, review)
    allowed, facet_counts = facet_arrays.apply(arrays, matching, request.filter_dict())
    total = int(len(allowed))
    start, stop = (request.page - 1) * request.per_page, request.page * request.per_page
    hits: list[Hit] = []
    if complete is not None and len(complete) != len(matching):
        is_complete = np.zeros(engine.size, dtype=bool)
        is_complete[complete] = True
        tier = (~is_complete[allowed]).astype(np.int8)
        complete_total = int(len(allowed) - tier.sum())
    else:
        tier = np.zeros(len(allowed), dtype=np.int8)
        complete_total = total
    if total and start < total:
        words = parsed.words
        if request.sort == "code" or (request.sort == "relevance" and not words):
            keys = engine.code_rank[allowed]
            scores = np.zeros(len(allowed), dtype=np.float32)
        elif request.sort == "newest":
            keys = -engine.updated[allowed]
            scores = np.zeros(len(allowed), dtype=np.float32)
        else:
            weighted = _weighted_terms(parsed, words) if plan is None else _plan_terms(plan, parsed)
            scores = engine.scores(allowed, weighted, deadline)
            if len(words) > 1:
                # Words side by side in a title, as typed, rank above the same words apart.
                pairs = [engine.postings("title_pairs", f"{a}_{b}")[0] for a, b in zip(words, words[1:])]
                in_phrase = reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), pairs)
                scores[np.isin(allowed, in_phrase, assume_unique=True)] *= PHRASE_BOOST
            if counts is not None and plan is not None and tier.any():
                # Among the procedures holding most of the words, more of them rank higher.
                share = counts[allowed].astype(np.float32) / max(1, len(plan.content))
                scores = np.where(tier == 1, scores * share * share, scores)
            keys = -scores
        # Every word first; then the sort (highest score, code, newest); equal ones by code.
        # Only the first ``stop`` are sorted: a partition finds them in linear time.
        primary = keys.astype(np.float64) + tier.astype(np.float64) * TIER_GAP
        top = np.argpartition(primary, stop - 1)[:stop] if stop < len(allowed) else np.arange(len(allowed))
        order = top[np.lexsort((engine.code_rank[allowed[top]], primary[top]))]
        for index in order[start:stop]:
            doc = int(allowed[index])
            hits.append(Hit(int(engine.pid[doc]), engine.codes[doc], float(scores[index])))
    outcome = SearchOutcome(hits=hits, total=total, facets=facet_counts, terms=query_terms(engine, parsed.rank),
                            complete=complete_total)
    if plan is not None:
        for field_name, text, _weight in plan.terms:
            if field_name in outcome.terms:
                outcome.terms[field_name].add(text)
        if plan.corrected:
            outcome.corrected = search_text(request, request.text, plan.corrected, parsed.loose)
    if complete_total == 0 and request.text.strip() and outcome.corrected is None:
        outcome.suggestion = suggest(engine, searcher.schema, request.text)
    cache.put(cache_key, outcome)
    return outcome


def _plan_terms(plan: Plan, parsed: ParsedQuery) -> list[tuple[str, str, float]]:
    """The plan's terms, plus the exact spellings, title words and folded pairs of the typed words."""
    words = parsed.words
    extra = [term for term in _weighted_terms(parsed, words) if term[0] not in ("folded", "en")]
    operators = [(f, t, 1.0) for f, t in dict.fromkeys(positive_terms(parsed.required))
                 if f in ("folded", "en")] if parsed.required is not None else []
    return plan.terms + operators + extra


def suggest(engine: Engine, schema, text: str) -> str | None:
    """ "Did you mean": each typed word that the index does not know replaced by its best
    correction (by frequency and the neighbouring words; see ``spelling``)."""
    words = [word for word in tokenize(text, subwords=False)]
    folded = [fold_token(word) for word in words]
    stem = _stem(schema)
    changed = False
    out = []
    for i, word in enumerate(words):
        if word in ("and", "or", "not") or any(ch.isdigit() for ch in word) or _docs_of(
                engine, _unit_terms(schema, word), NO_DEADLINE).size:
            out.append(word)
            continue
        fixes = spelling.corrections(engine, folded[i], stem, folded[i - 1] if i else None,
                                     folded[i + 1] if i + 1 < len(words) else None, limit=1)
        out.append(fixes[0].word if fixes else word)
        changed |= bool(fixes)
    return " ".join(out) if changed else None
