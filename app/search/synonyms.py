"""Query-time alternatives for the words a user typed: admin-maintained synonyms and
abbreviations per language, and the bilingual glossary of core administrative terms.

The query side (``querying``) asks :func:`alternatives` for the typed words (as
``analysis.tokenize(text, subwords=False)`` gives them: lower case, NFC) and lets a span of
those words also be satisfied by each alternative's words, at the alternative's weight
(below 1.0: an exact match always ranks higher). Nothing here needs an index rebuild.

Matching: an entry's terms are tokenized like a query, and a term matches a span of the
query's words when the words are the same; Vietnamese terms also when the span was typed
without diacritics and matches the term's folded form (at a slightly lower weight), English
terms also by their Porter stems (``licences`` finds the entry ``licence``). Longer spans are
preferred; the number of alternatives per word and per query is bounded.

Every process keeps the compiled lists under the database's revision number and looks at that
number at most once per ``CHECK_INTERVAL`` seconds, so an admin's change applies in every
worker within about a second, without a rebuild.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from flask import current_app, has_app_context
from whoosh.lang.porter import stem

from app.search import glossary, synonym_format as fmt
from app.search.analysis import fold_vietnamese, tokenize
from app.search.lru import LruCache

SYNONYM_WEIGHT = 0.8
GLOSSARY_WEIGHT = 0.5  # below synonyms: a translation of a term is a looser match
UNACCENTED_FACTOR = 0.9  # a span typed without diacritics matched a term's folded form
MAX_QUERY_WORDS = 32  # words after these get no alternatives
MAX_PER_WORD = 6  # alternatives covering any one word
MAX_ALTERNATIVES = 16  # per query (querying takes no more either)
CHECK_INTERVAL = 1.0  # seconds between looks at the revision number, per process


@dataclass(frozen=True)
class Alternative:
    """Words ``start``..``end`` (exclusive) of the query may also be read as ``words``."""

    start: int
    end: int
    words: tuple[str, ...]
    weight: float
    source: str  # "synonym" or "glossary"


# The alternatives of a key: one tuple shared by every term of an entry (an entry of n terms
# costs n keys, not n * n alternatives), its weight and source, and the entry's order.
_Target = tuple[tuple[tuple[str, ...], ...], float, str, int]


@dataclass
class Table:
    """Terms by their matching keys, each with the alternatives it leads to."""

    exact: dict[tuple[str, ...], list[_Target]] = field(default_factory=dict)
    folded: dict[tuple[str, ...], list[_Target]] = field(default_factory=dict)  # Vietnamese terms
    stemmed: dict[tuple[str, ...], list[_Target]] = field(default_factory=dict)  # English terms
    longest: int = 1
    order: int = 0

    def add(self, lang: str, terms: Iterable[str], targets: Iterable[str], weight: float, source: str) -> None:
        """Each of ``terms`` (of language ``lang``) also finds each of ``targets`` but itself."""
        found = tuple(words for words in dict.fromkeys(_words(target) for target in targets) if words)
        if not found:
            return
        self.order += 1
        target: _Target = (found, weight, source, self.order)
        for term in terms:
            key = _words(term)
            if not key:
                continue
            self.longest = max(self.longest, len(key))
            self.exact.setdefault(key, []).append(target)
            if lang == "vi":
                self.folded.setdefault(tuple(fold_vietnamese(w) for w in key), []).append(target)
            elif lang == "en":
                self.stemmed.setdefault(tuple(stem(w) for w in key), []).append(target)

    def add_entry(self, entry: fmt.Entry, weight: float = SYNONYM_WEIGHT, source: str = "synonym") -> None:
        targets = entry.targets if entry.targets is not None else entry.terms
        self.add(entry.lang, entry.terms, targets, weight, source)

    def find(self, words: Sequence[str]) -> list[Alternative]:
        """Every alternative for every span of ``words``, best first, not yet bounded."""
        words = list(words[:MAX_QUERY_WORDS])
        folded = [fold_vietnamese(w) for w in words]
        stems = [stem(w) if w.isascii() else w for w in words]
        best: dict[tuple[int, int, tuple[str, ...]], tuple[float, str, int]] = {}
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + self.longest) + 1):
                span = tuple(words[start:end])
                candidates = [(target, 1.0) for target in self.exact.get(span, ())]
                span_folded = tuple(folded[start:end])
                if span_folded == span:  # typed without diacritics
                    candidates += [(target, UNACCENTED_FACTOR) for target in self.folded.get(span_folded, ())]
                candidates += [(target, 1.0) for target in self.stemmed.get(tuple(stems[start:end]), ())]
                for (found, weight, source, order), factor in candidates:
                    value = (round(weight * factor, 4), source, order)
                    for alt in found:
                        # The span itself, or the same words with other marks: nothing to add.
                        if alt == span or tuple(fold_vietnamese(w) for w in alt) == span_folded:
                            continue
                        key = (start, end, alt)
                        if key not in best or value[0] > best[key][0]:
                            best[key] = value
        ranked = sorted(best.items(), key=lambda item: (item[0][0] - item[0][1], -item[1][0],
                                                         item[1][1] != "synonym", item[1][2]))
        return [Alternative(start, end, alt, weight, source) for (start, end, alt), (weight, source, _o) in ranked]


@lru_cache(maxsize=1 << 14)
def _words(term: str) -> tuple[str, ...]:
    return tuple(tokenize(term, subwords=False))


def bounded(found: list[Alternative]) -> list[Alternative]:
    """The first alternatives of ``found`` (best first) within the limits per word and per
    query, in query order."""
    per_word: dict[int, int] = {}
    kept: list[Alternative] = []
    for alt in found:
        if len(kept) >= MAX_ALTERNATIVES:
            break
        covered = range(alt.start, alt.end)
        if any(per_word.get(i, 0) >= MAX_PER_WORD for i in covered):
            continue
        for i in covered:
            per_word[i] = per_word.get(i, 0) + 1
        kept.append(alt)
    kept.sort(key=lambda alt: (alt.start, alt.end))
    return kept


def compile_lists(lists: dict[str, Sequence[fmt.Entry]]) -> Table:
    """One table of the synonym lists and the glossary."""
    table = Table()
    for lang in fmt.LANGUAGES:
        for entry in lists.get(lang, ()):
            table.add_entry(entry)
    for concept in glossary.concepts():
        for lang, terms in concept.items():
            others = [term for other, other_terms in concept.items() if other != lang for term in other_terms]
            table.add(lang, terms, others, GLOSSARY_WEIGHT, "glossary")
    return table


class _State:
    """One process's (one app's) compiled lists and when it last looked at the revision."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: object = None
        self.table: Table | None = None
        self.checked = float("-inf")
        self.results = LruCache(1024)


@lru_cache(maxsize=1)
def _starter_table() -> Table:
    from app.search.synonym_lists import starter_lists

    return compile_lists(starter_lists())


def current_table() -> tuple[object, Table]:
    """(revision key, compiled table) for this app; the database is asked at most once per
    ``CHECK_INTERVAL``. Outside an application: the starter set."""
    if not has_app_context():
        return ("starter",), _starter_table()
    from app.search import synonym_lists

    state: _State = current_app.extensions.setdefault("search_synonyms", _State())
    now = time.monotonic()
    if state.table is not None and now - state.checked < CHECK_INTERVAL:
        return state.key, state.table
    seq = synonym_lists.revision()
    key = ("starter",) if seq is None else ("db", seq)
    with state.lock:
        if state.table is None or state.key != key:
            table = _starter_table() if seq is None else compile_lists(synonym_lists.current_lists())
            state.key, state.table = key, table
        state.checked = now
        return state.key, state.table


def forget() -> None:
    """Look at the revision again on the next query (after a change made in this process)."""
    if has_app_context():
        state = current_app.extensions.get("search_synonyms")
        if state is not None:
            state.checked = float("-inf")


def alternatives(words: Sequence[str]) -> list[Alternative]:
    """The alternatives that apply to a query's words: synonyms, then the glossary, bounded."""
    if not words:
        return []
    key, table = current_table()
    state = current_app.extensions.get("search_synonyms") if has_app_context() else None
    cache_key = (key, tuple(words[:MAX_QUERY_WORDS]))
    if state is not None:
        cached = state.results.get(cache_key)
        if cached is not None:
            return list(cached)
    found = bounded(table.find(words))
    if state is not None:
        state.results.put(cache_key, tuple(found))
    return found
