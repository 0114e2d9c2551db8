"""Snippets: which element of a procedure matched, with the matched words marked.

Built from the database text of the hits on the page (never from stored index text), as a
list of (text, is_match) pieces; the template escapes every piece, so procedure text that
contains markup is shown as text.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from app.search.analysis import fold_vietnamese, token_spans
from app.search.documents import element_texts
from app.search.lru import LruCache

CONTEXT_CHARS = 90
CANDIDATES = 3
FOLDED_CACHE = 2048
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


def _matches(text: str, terms: dict[str, set[str]], window: tuple[int, int] | None = None
             ) -> list[tuple[int, int, str]]:
    """(start, end, term) of each token of ``text`` that is one of the query terms.

    With ``window``, only that slice is tokenized (offsets stay those of ``text``).
    """
    exact, folded = terms.get("exact", set()), terms.get("folded", set())
    offset = 0
    if window is not None:
        start, end = window
        # Widen to word boundaries so that no word is cut in two.
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        offset, text = start, text[start:end]
    found = []
    for word, _position, start, end in token_spans(text):
        if word in exact:
            # Counted by its folded form: "hộ" typed and "hồ" in the text are different words,
            # but "hộ" typed and "hộ" found must not count twice.
            found.append((offset + start, offset + end, _fold_word(word)))
        elif folded and _fold_word(word) in folded:
            found.append((offset + start, offset + end, _fold_word(word)))
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


_folded_cache = LruCache(FOLDED_CACHE)


def _folded_elements(record: dict, cache_key: str | None) -> list[tuple[str, str, str, str]]:
    """(kind, id, text, folded lower-case text) of each element, cached per version."""
    cached = _folded_cache.get(cache_key) if cache_key is not None else None
    if cached is not None:
        return cached
    elements = [(kind, eid, text, fold_vietnamese(text.lower())) for kind, eid, text in element_texts(record)]
    if cache_key is not None:
        _folded_cache.put(cache_key, elements)
    return elements


def best_snippet(record: dict, terms: dict[str, set[str]], cache_key: str | None = None) -> Snippet | None:
    """The element that matches the most distinct query terms (elements before titles).

    A substring test on the folded text ranks the elements first; only the best few are
    tokenized, around their first match, to confirm whole-word matches and find the spans.
    ``cache_key`` (the version's content hash) lets repeated hits reuse the folded texts.
    """
    probes = tuple({fold_vietnamese(term) for group in ("exact", "folded") for term in terms.get(group, ())})
    if not probes:
        return None
    candidates = []
    for position, (kind, eid, text, folded_text) in enumerate(_folded_elements(record, cache_key)):
        found = [folded_text.find(probe) for probe in probes]
        found = [index for index in found if index >= 0]
        if found and len(folded_text) == len(text):
            candidates.append((-len(found), KIND_ORDER.get(kind, 4), position, kind, eid, text,
                               (max(0, min(found) - 2 * CONTEXT_CHARS), max(found) + 2 * CONTEXT_CHARS)))
        elif found:  # lengths differ (rare characters): tokenize the whole text
            candidates.append((-len(found), KIND_ORDER.get(kind, 4), position, kind, eid, text, None))
    candidates.sort(key=lambda item: item[:3])
    best = None
    best_rank = None
    for _hits, order, _position, kind, eid, text, window in candidates[:CANDIDATES]:
        spans = _matches(text, terms, window)
        if not spans:
            continue
        rank = (-len({term for _s, _e, term in spans}), order)
        if best_rank is None or rank < best_rank:
            best, best_rank = (kind, eid, text, spans), rank
    if best is None:
        return None
    kind, eid, text, spans = best
    return Snippet(kind, eid, _pieces(text, spans))
