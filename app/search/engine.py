"""Set algebra and BM25 over posting arrays: how every query runs.

Whoosh's matchers walk postings one document at a time in Python, which is what makes a plain
Whoosh index slow on common words (every match must be visited for facet counts). Here each
(field, term) a query needs is read once per index generation into two numpy arrays (document
numbers and term frequencies), and then:

* the query tree (AND, OR, NOT of terms) becomes intersections, unions and differences of
  sorted arrays; phrases are checked on position arrays, and prefixes, wildcards and term
  ranges take a slice of a segment's sorted terms; only node types on fields the arrays do not
  hold (ids, numbers) ask Whoosh's matcher;
* scores are BM25 over the same arrays, vectorised, with per-field weights; exact spellings and
  title words add to the score of documents that already match;
* facet counts and filters, and sorting by code or date, use per-document arrays loaded from
  Whoosh's columns once per segment.

Postings come from the arrays beside each segment (``postings``): a rebuilt segment's text is
only there. A segment without arrays (written by the indexer and not yet given its arrays, or
by an older version) is read from Whoosh's posting blocks through attributes of the
``whoosh3`` codec's leaf matcher (``_read_data``, ``_data``, ``_next_block``). The distribution is
pinned; if those attributes are missing the code falls back to the public ``id``/``weight`` loop.
"""
from __future__ import annotations

import fnmatch
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property, reduce

import numpy as np
from whoosh import query as wq
from whoosh.util.numeric import byte_to_length

from app.search import columns as column_arrays
from app.search import facets as facet_arrays
from app.search import postings as posting_arrays
from app.search.lru import LruCache

K1, B = 1.2, 0.75
# A prefix or wildcard may stand for at most this many index terms (per segment).
MAX_EXPANSION_TERMS = 2000
SCORED_FIELDS = ("folded", "en", "body", "title", "pairs")
_LENGTH_OF_BYTE = np.array([byte_to_length(value) for value in range(256)], dtype=np.float32)
TERM_CACHE = 4096


@dataclass
class SegmentColumns:
    """What the engine reads from one segment's columns. Segments never change once written
    (deletions are kept apart), so these are computed once per segment and reused by every
    engine while the segment lives: an incremental commit adds a small segment, and only that
    one is read."""

    size: int
    pid: np.ndarray
    updated: np.ndarray
    codes: list[str] | np.ndarray
    lengths: dict[str, np.ndarray]
    facets: facet_arrays.FacetArrays


SEGMENTS_KEPT = 64
_segments = LruCache(SEGMENTS_KEPT)
_term_sets = LruCache(SEGMENTS_KEPT)


class QueryError(ValueError):
    """A query that cannot be read; the message is for the user."""


class QueryTooExpensive(QueryError):
    """A query that would cost more than its budget (time, words, or terms a prefix stands for)."""


class Deadline:
    """A query's time budget, checked between the steps of its loops (cooperatively: a step
    itself is bounded by the limits on words, slop and expansions)."""

    def __init__(self, seconds: float | None) -> None:
        self.at = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at:
            raise QueryTooExpensive("time budget")


NO_DEADLINE = Deadline(None)


def retain_columns(idents: set[str]) -> None:
    """Forget the columns of segments other than ``idents`` (no open searcher has them)."""
    _segments.discard(lambda ident: ident not in idents)


def text_of(value) -> str:
    """A term or column value as text (Whoosh gives bytes or str; None is empty)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return "" if value is None else str(value)


def _numeric_column(leaf, name: str, size: int, dtype) -> np.ndarray:
    values = np.zeros(size, dtype=dtype)
    for docnum, value in enumerate(leaf.column_reader(name)):
        if docnum >= size:
            break
        values[docnum] = value or 0
    return values


def _lengths(leaf, field: str, size: int, arrays=None) -> np.ndarray:
    if arrays is not None and field in arrays.lengths:
        return np.maximum(np.asarray(arrays.lengths[field][:size], dtype=np.float32), 1.0)
    per_doc = getattr(leaf, "_perdoc", None)
    if per_doc is not None and hasattr(per_doc, "doc_field_length_reader"):
        get = per_doc.doc_field_length_reader(field, 0)
    else:
        def get(docnum):
            return leaf.doc_field_length(docnum, field, 0)
    raw = np.fromiter((get(docnum) or 0 for docnum in range(size)), dtype=np.float32, count=size)
    return np.maximum(raw, 1.0)


def segment_columns(leaf, arrays=None) -> SegmentColumns:
    """The columns of one segment, read once per segment id (field lengths from its posting
    ``arrays`` when they hold them)."""
    ident = posting_arrays.segment_id(leaf)
    cached = _segments.get(ident) if ident is not None else None
    if cached is not None:
        return cached
    size = leaf.doc_count_all()
    if arrays is not None and column_arrays.has_columns(arrays.folder):
        # Written with the segment: opened in milliseconds, where Whoosh's columns are decoded
        # document by document.
        stored = column_arrays.load(arrays.folder)
        columns = SegmentColumns(size=size, pid=stored["pid"], updated=stored["updated"], codes=stored["codes"],
                                 lengths={field: _lengths(leaf, field, size, arrays) for field in SCORED_FIELDS},
                                 facets=stored["facets"])
    else:
        columns = SegmentColumns(
            size=size,
            pid=_numeric_column(leaf, "pid", size, np.int64),
            updated=_numeric_column(leaf, "updated", size, np.int64),
            codes=[text_of(value) for value in leaf.column_reader("code")][:size],
            lengths={field: _lengths(leaf, field, size, arrays) for field in SCORED_FIELDS},
            facets=facet_arrays.load(leaf),
        )
    if ident is not None:
        _segments.put(ident, columns)
    return columns


class Engine:
    """Per-generation arrays of one open searcher. Thread-safe for readers."""

    def __init__(self, searcher, generation_path=None) -> None:
        self.searcher = searcher
        self.generation_path = generation_path
        reader = searcher.reader()
        # (sub-searcher, first document number, posting arrays or None) of each segment
        # Empty segments are left out: an index of an empty catalog has one that reads no columns.
        self.segments = [(sub, offset, posting_arrays.for_segment(generation_path, posting_arrays.segment_id(
            sub.reader()))) for sub, offset in searcher.leaf_searchers() if sub.reader().doc_count_all()]
        parts = [segment_columns(sub.reader(), arrays) for sub, _offset, arrays in self.segments]
        self.size = sum(part.size for part in parts)
        self.live = _live_mask(reader, self.segments, self.size)
        self.all_live = np.flatnonzero(self.live)
        self.facets = facet_arrays.concatenate([part.facets for part in parts])
        self.pid = _joined([part.pid for part in parts], np.int64)
        self.updated = _joined([part.updated for part in parts], np.int64)
        codes = np.concatenate([np.asarray(part.codes, dtype=str) for part in parts]) if parts else \
            np.zeros(0, dtype="U1")
        order = np.argsort(codes, kind="stable")  # code point order, as Python sorts str
        self.code_rank = np.empty(self.size, dtype=np.int64)
        self.code_rank[order] = np.arange(len(order))
        self.codes = codes
        self.lengths = {field: _joined([part.lengths[field] for part in parts], np.float32)
                        for field in SCORED_FIELDS}
        self.avg_length = {field: float(lengths[self.live].mean()) if self.all_live.size else 1.0
                           for field, lengths in self.lengths.items()}
        self._terms: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._vocabularies: dict[str, list[str]] = {}
        # Per-document arrays derived from outside the index (the review state facet), by key.
        self.derived = LruCache(4)
        self._lock = threading.Lock()

    @cached_property
    def docnum_by_pid(self) -> dict[int, int]:
        """Live document of each procedure (an updated procedure leaves a deleted older one);
        built on first use (the review state facet), not when the index is opened."""
        return dict(zip(self.pid[self.all_live].tolist(), self.all_live.tolist(), strict=True))

    # ----------------------------------------------------------------- postings

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of a term, live documents only, cached."""
        key = (field, text)
        with self._lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
                return cached
        ids, weights = self._read_postings(field, text)
        if ids.size:
            keep = self.live[ids]
            ids, weights = ids[keep], weights[keep]
        with self._lock:
            self._terms[key] = (ids, weights)
            while len(self._terms) > TERM_CACHE:
                self._terms.popitem(last=False)
        return ids, weights

    def _read_postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        id_parts, weight_parts = [], []
        for sub, offset, arrays in self.segments:
            leaf = sub.reader()
            found = arrays.postings(field, text) if arrays is not None else None
            if found is not None:
                ids, weights = found
                if ids.size == 0:
                    continue
            elif (field, text) not in leaf:
                continue
            else:
                ids, weights = posting_arrays.read_leaf(leaf.postings(field, text))
            id_parts.append(ids + offset)
            weight_parts.append(weights)
        if not id_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids = np.concatenate(id_parts)
        weights = np.concatenate(weight_parts)
        order = np.argsort(ids, kind="stable")
        return ids[order], weights[order]

    # ----------------------------------------------------------------- matching

    def matches(self, node, deadline: Deadline = NO_DEADLINE) -> np.ndarray:
        """Sorted document numbers matching a parsed query; QueryTooExpensive past ``deadline``."""
        deadline.check()
        if isinstance(node, wq.Term):
            return self.postings(node.fieldname, text_of(node.text))[0]
        if isinstance(node, wq.Every):
            return self.all_live
        if isinstance(node, wq.And):
            positive = [self.matches(child, deadline) for child in node.subqueries if not isinstance(child, wq.Not)]
            negative = [self.matches(child.query, deadline) for child in node.subqueries if isinstance(child, wq.Not)]
            result = reduce(self._intersect, sorted(positive, key=len)) if positive else self.all_live
            for excluded in negative:
                result = self._minus(result, excluded)
            return result
        if isinstance(node, wq.Or):
            return self._union([self.matches(child, deadline) for child in node.subqueries])
        if isinstance(node, wq.AndNot):
            return self._minus(self.matches(node.a, deadline), self.matches(node.b, deadline))
        if isinstance(node, wq.Not):
            return self._minus(self.all_live, self.matches(node.query, deadline))
        if isinstance(node, wq.NullQuery.__class__):
            return np.zeros(0, dtype=np.int64)
        if isinstance(node, wq.Phrase):
            words = [text_of(word) for word in node.words]
            return self._per_segment(node, lambda arrays: arrays.phrase_docs(node.fieldname, words, node.slop)
                                     if arrays.has_positions(node.fieldname) else None, deadline)
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.TermRange)):
            return self._per_segment(node, lambda arrays: self._expansion_docs(arrays, node), deadline)
        # Other node types (numeric ranges, ...) are on fields Whoosh holds: its own matcher.
        return self._per_segment(node, lambda arrays: None, deadline)

    def _per_segment(self, node, from_arrays, deadline: Deadline = NO_DEADLINE) -> np.ndarray:
        """Documents of ``node``, each segment answered by ``from_arrays(arrays)`` where it has
        arrays and that returns an answer, by Whoosh's matcher on that segment otherwise."""
        parts = []
        for sub, offset, arrays in self.segments:
            deadline.check()
            found = from_arrays(arrays) if arrays is not None else None
            if found is None:
                found = np.fromiter(node.docs(sub), dtype=np.int64)
            parts.append(np.asarray(found, dtype=np.int64) + offset)
        docs = self._union(parts) if len(parts) != 1 else np.unique(parts[0])
        return docs[self.live[docs]] if docs.size else docs

    @staticmethod
    def _term_indexes(arrays, node):
        """The numbers of the terms a prefix, wildcard or term range covers in one segment's
        arrays; None when the arrays do not hold the field."""
        field = node.fieldname
        if isinstance(node, wq.Prefix):
            return _bounded(arrays.prefix_indexes(field, text_of(node.text)))
        if isinstance(node, wq.Wildcard):
            pattern = text_of(node.text)
            prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]
            covered = _bounded(arrays.prefix_indexes(field, prefix))
            if covered is None:
                return None
            regex = re.compile(fnmatch.translate(pattern))
            return [index for index in covered if regex.match(arrays.term_text(field, index))]
        low = text_of(node.start) if node.start is not None else None
        high = text_of(node.end) if node.end is not None else None
        return _bounded(arrays.term_indexes(field, low, high, low_excl=node.startexcl, high_excl=node.endexcl))

    def _expansion_docs(self, arrays, node) -> np.ndarray | None:
        indexes = self._term_indexes(arrays, node)
        return None if indexes is None else arrays.docs_of_terms(node.fieldname, indexes)

    def expand(self, node, limit: int = 500) -> list[str]:
        """The index terms (at most ``limit``) a prefix, wildcard or term range stands for."""
        found: dict[str, None] = {}
        for sub, _offset, arrays in self.segments:
            indexes = self._term_indexes(arrays, node) if arrays is not None else None
            if indexes is None:
                try:
                    texts = [text_of(text) for _field, text in node.expanded_terms(sub.reader())]
                except Exception:  # a node Whoosh cannot expand there: nothing to add
                    texts = []
            else:
                texts = [arrays.term_text(node.fieldname, index) for index in list(indexes)[:limit]]
            found.update(dict.fromkeys(texts))
            if len(found) >= limit:
                break
        return list(found)[:limit]

    def term_sets(self, field: str) -> list[frozenset[str]]:
        """The terms of a field, one set per segment (for spelling: membership of many
        candidates). A segment never changes, so its set is built once and kept while it lives."""
        found = []
        for sub, _offset, arrays in self.segments:
            ident = posting_arrays.segment_id(sub.reader())
            key = (ident, field)
            terms = _term_sets.get(key) if ident is not None else None
            if terms is None:
                if arrays is not None and field in arrays.fields:
                    terms = frozenset(np.asarray(arrays.fields[field]["terms"]).tolist())
                elif field in sub.reader().schema:
                    terms = frozenset(text_of(term) for term in sub.reader().lexicon(field))
                else:
                    terms = frozenset()
                if ident is not None:
                    _term_sets.put(key, terms)
            found.append(terms)
        return found

    def has_term(self, field: str, text: str) -> bool:
        return bool(self.postings(field, text)[0].size)

    def vocabulary(self, field: str) -> list[str]:
        """Every term of a field, sorted (for spelling suggestions); read once per engine."""
        with self._lock:
            cached = self._vocabularies.get(field)
        if cached is not None:
            return cached
        words: set[str] = set()
        for sub, _offset, arrays in self.segments:
            if arrays is not None and field in arrays.fields:
                words.update(np.asarray(arrays.fields[field]["terms"]).tolist())
            elif field in sub.reader().schema:
                words.update(text_of(term) for term in sub.reader().lexicon(field))
        ordered = sorted(words)
        with self._lock:
            self._vocabularies[field] = ordered
        return ordered

    # Set operations on sorted document numbers through a mask over all documents: linear in
    # the sizes involved, where numpy's union1d and intersect1d sort or hash their inputs.

    def _mask(self, docs: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[docs] = True
        return mask

    def _intersect(self, smaller: np.ndarray, larger: np.ndarray) -> np.ndarray:
        return smaller[self._mask(larger)[smaller]]

    def _minus(self, docs: np.ndarray, excluded: np.ndarray) -> np.ndarray:
        return docs[~self._mask(excluded)[docs]]

    def _union(self, parts: list[np.ndarray]) -> np.ndarray:
        if not parts:
            return np.zeros(0, dtype=np.int64)
        if len(parts) == 1:
            return parts[0]
        mask = np.zeros(self.size, dtype=bool)
        for part in parts:
            mask[part] = True
        return np.flatnonzero(mask)

    # ----------------------------------------------------------------- scoring

    def scores(self, docs: np.ndarray, weighted_terms: list[tuple[str, str, float]],
               deadline: Deadline = NO_DEADLINE) -> np.ndarray:
        """BM25 of each document of ``docs`` (sorted) for the weighted (field, term) list."""
        total = np.zeros(len(docs), dtype=np.float32)
        if not len(docs):
            return total
        live_count = max(1, self.all_live.size)
        # Position of each document in ``docs`` (-1: not there), so a posting finds its row by
        # one lookup instead of a binary search.
        position = np.full(self.size, -1, dtype=np.int64)
        position[docs] = np.arange(len(docs))
        for field, text, weight in weighted_terms:
            deadline.check()
            ids, tf = self.postings(field, text)
            if not ids.size:
                continue
            where = position[ids]
            inside = where >= 0
            if not inside.any():
                continue
            idf = math.log(1.0 + (live_count - ids.size + 0.5) / (ids.size + 0.5))
            lengths = self.lengths[field][ids[inside]] if field in self.lengths else 1.0
            avg = self.avg_length.get(field, 1.0) or 1.0
            freq = tf[inside]
            total[where[inside]] += weight * idf * freq * (K1 + 1) / (freq + K1 * (1 - B + B * lengths / avg))
        return total


def _live_mask(reader, segments, size: int) -> np.ndarray:
    """Which documents are not deleted: each segment's deletions are few, where asking Whoosh
    for every live document walks them all in Python."""
    live = np.zeros(size, dtype=bool)
    for sub, offset, _arrays in segments:
        leaf = sub.reader()
        count = leaf.doc_count_all()
        live[offset:offset + count] = True
        if leaf.has_deletions():
            deleted = getattr(leaf, "deleted_docs_set", None)
            if deleted is None:  # another reader type: the slow, public way
                live[offset:offset + count] = False
                live[np.fromiter(leaf.all_doc_ids(), dtype=np.int64) + offset] = True
            elif deleted:
                live[np.fromiter(deleted, dtype=np.int64, count=len(deleted)) + offset] = False
    return live


def _bounded(indexes):
    """``indexes`` unless they are more than a query may expand to."""
    if indexes is not None and len(indexes) > MAX_EXPANSION_TERMS:
        raise QueryTooExpensive("expansion")
    return indexes


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def positive_terms(node, negated: bool = False) -> list[tuple[str, str]]:
    """The (field, text) terms of a query that are not under a NOT."""
    if isinstance(node, wq.Not):
        return []
    if isinstance(node, wq.AndNot):
        return positive_terms(node.a)
    if isinstance(node, wq.Term):
        return [(node.fieldname, text_of(node.text))]
    if isinstance(node, wq.Phrase):
        return [(node.fieldname, word) for word in node.words]
    found: list[tuple[str, str]] = []
    for child in getattr(node, "subqueries", ()) or ():
        found.extend(positive_terms(child))
    return found
