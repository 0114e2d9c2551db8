"""Snippets: which element of a procedure matched, with the matched words marked.

Built from the database text of the hits on the page (never from stored index text), as a
list of (text, is_match) pieces; the template escapes every piece, so procedure text that
contains markup is shown as text.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.search.analysis import exact_analyzer, fold_vietnamese
from app.search.documents import element_texts

CONTEXT_CHARS = 90
CANDIDATES = 4
KIND_ORDER = {"document": 0, "field": 0, "step": 1, "fee": 1, "channel": 1, "requirement": 1, "legal": 1,
              "summary": 2, "result": 2, "translation": 3, "other": 4, "title": 5}


@dataclass
class Snippet:
    kind: str  # document, field, step, channel, fee, requirement, legal, summary, title, ...
    element_id: str
    pieces: list[tuple[str, bool]]


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold_vietnamese(word)


def _matches(text: str, terms: dict[str, set[str]], probes: tuple[str, ...] = ()) -> list[tuple[int, int, str]]:
    """(start, end, term) of each token of ``text`` that is one of the query terms."""
    exact, folded = terms.get("exact", set()), terms.get("folded", set())
    found = []
    for token in exact_analyzer()(text, chars=True, positions=True, mode="index"):
        word = token.text
        if word in exact:
            found.append((token.startchar, token.endchar, word))
        elif folded and _fold_word(word) in folded:
            found.append((token.startchar, token.endchar, _fold_word(word)))
    return found


def _pieces(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, bool]]:
    first = spans[0][0]
    start = max(0, first - CONTEXT_CHARS)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), spans[-1][1] + CONTEXT_CHARS)
    if end < len(text):
        space = text.rfind(" ", spans[-1][1], end)
        end = space if space > 0 else end
    pieces: list[tuple[str, bool]] = []
    if start:
        pieces.append(("… ", False))
    cursor = start
    for span_start, span_end, _term in spans:
        if span_start < cursor or span_end > end:
            continue
        if span_start > cursor:
            pieces.append((text[cursor:span_start], False))
        pieces.append((text[span_start:span_end], True))
        cursor = span_end
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append((" …", False))
    return pieces


def best_snippet(record: dict, terms: dict[str, set[str]]) -> Snippet | None:
    """The element that matches the most distinct query terms (elements before titles).

    A substring test ranks the elements first; only the few best are tokenized to confirm
    whole-word matches and to find the spans to mark.
    """
    probes = tuple({fold_vietnamese(term) for group in ("exact", "folded") for term in terms.get(group, ())})
    if not probes:
        return None
    candidates = []
    for position, (kind, eid, text) in enumerate(element_texts(record)):
        folded_text = fold_vietnamese(text.lower())
        hits = sum(1 for probe in probes if probe in folded_text)
        if hits:
            candidates.append((-hits, KIND_ORDER.get(kind, 4), position, kind, eid, text))
    candidates.sort()
    best = None
    best_rank = None
    for _hits, order, _position, kind, eid, text in candidates[:CANDIDATES]:
        spans = _matches(text, terms, probes)
        if not spans:
            continue
        rank = (-len({term for _s, _e, term in spans}), order)
        if best_rank is None or rank < best_rank:
            best, best_rank = (kind, eid, text, spans), rank
    if best is None:
        return None
    kind, eid, text, spans = best
    return Snippet(kind, eid, _pieces(text, spans))
