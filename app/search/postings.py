"""Posting arrays beside the index: each term's document numbers and frequencies, as numpy
files that the engine maps into memory instead of decoding Whoosh's posting blocks.

Whoosh keeps a block of postings as a pickled tuple that holds the positions of every posting
as separate objects; unpickling them is most of the time of a query on a common word that the
engine has not read yet. A rebuild therefore writes, for each segment it made and each field
the engine scores, four arrays: the sorted terms, where each term's postings start, the
segment's document numbers (int32) and the term frequencies (float32). They are read through
memory maps, so the operating system shares them between worker processes and nothing is
decoded per query.

Segments that the indexer writes later (a few procedures at a time) have no arrays and are read
from Whoosh as before. Arrays are found by segment id: a segment merged away takes its arrays
out of use, and a new generation starts with none.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import numpy as np

FOLDER = "arrays"
PARTS = ("terms", "offsets", "docs", "tfs")


def read_leaf(matcher) -> tuple[np.ndarray, np.ndarray]:
    """All (ids, weights) of a leaf matcher, a block at a time.

    A block is a pickled tuple whose ids are delta-encoded; Whoosh decodes the deltas one id
    at a time in Python. Here the block's tuple is loaded as Whoosh loads it and the deltas are
    summed by numpy.
    """
    ids_parts, weight_parts = [], []
    if all(hasattr(matcher, name) for name in ("_read_data", "_data", "_byteids", "_blocklength", "_next_block")):
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            raw_ids, raw_weights = matcher._data[0], matcher._data[1]
            ids = np.asarray(raw_ids, dtype=np.int64)
            ids_parts.append(ids if matcher._byteids else np.cumsum(ids))
            count = matcher._blocklength
            if raw_weights is None:
                weight_parts.append(np.ones(count, dtype=np.float32))
            elif isinstance(raw_weights, float):
                weight_parts.append(np.full(count, raw_weights, dtype=np.float32))
            else:
                weight_parts.append(np.asarray(raw_weights, dtype=np.float32))
            matcher._next_block()
        if ids_parts:
            return np.concatenate(ids_parts), np.concatenate(weight_parts)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def segment_id(leaf) -> str | None:
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else None


def write(generation_path: Path, reader, fields: tuple[str, ...]) -> int:
    """Write the arrays of every segment of ``reader`` (an index of ``generation_path``);
    returns the number of postings written. Each segment's folder appears complete or not at all."""
    written = 0
    for leaf, _offset in reader.leaf_readers():
        ident = segment_id(leaf)
        if ident is None:
            continue
        target = Path(generation_path) / FOLDER / ident
        partial = target.with_name(ident + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for field in fields:
            if field not in leaf.schema or not leaf.schema[field].scorable:
                continue
            written += _write_field(partial, leaf, field)
        os.replace(partial, target)
    return written


def _write_field(folder: Path, leaf, field: str) -> int:
    terms: list[str] = []
    offsets = [0]
    doc_parts, tf_parts = [], []
    for term in leaf.lexicon(field):
        ids, weights = read_leaf(leaf.postings(field, term))
        terms.append(term.decode("utf-8") if isinstance(term, bytes) else str(term))
        doc_parts.append(ids.astype(np.int32))
        tf_parts.append(weights)
        offsets.append(offsets[-1] + ids.size)
    # UTF-8 byte order (the lexicon's) is code point order, which numpy's string compare uses.
    arrays = {
        "terms": np.array(terms, dtype=str) if terms else np.zeros(0, dtype="U1"),
        "offsets": np.asarray(offsets, dtype=np.int64),
        "docs": np.concatenate(doc_parts) if doc_parts else np.zeros(0, dtype=np.int32),
        "tfs": np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32),
    }
    for part, array in arrays.items():
        np.save(folder / f"{field}.{part}.npy", array, allow_pickle=False)
    return int(offsets[-1])


class SegmentArrays:
    """The arrays of one segment, memory-mapped; ``postings`` returns None for a field it has not."""

    def __init__(self, folder: Path) -> None:
        self.fields: dict[str, dict[str, np.ndarray]] = {}
        for terms_file in folder.glob("*.terms.npy"):
            field = terms_file.name.removesuffix(".terms.npy")
            self.fields[field] = {part: np.load(folder / f"{field}.{part}.npy", mmap_mode="r", allow_pickle=False)
                                  for part in PARTS}

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        arrays = self.fields.get(field)
        if arrays is None:
            return None
        terms = arrays["terms"]
        index = int(np.searchsorted(terms, text))
        if index >= terms.shape[0] or terms[index] != text:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        start, stop = int(arrays["offsets"][index]), int(arrays["offsets"][index + 1])
        return (np.asarray(arrays["docs"][start:stop], dtype=np.int64),
                np.array(arrays["tfs"][start:stop], dtype=np.float32))


_open: dict[Path, SegmentArrays | None] = {}
_lock = threading.Lock()


def for_segment(generation_path: Path | None, ident: str | None) -> SegmentArrays | None:
    """The arrays of a segment of a generation, or None when it has none (opened once)."""
    if generation_path is None or ident is None:
        return None
    folder = Path(generation_path) / FOLDER / ident
    with _lock:
        if folder not in _open:
            _open[folder] = SegmentArrays(folder) if folder.is_dir() else None
            while len(_open) > 64:
                _open.pop(next(iter(_open)))
        return _open[folder]
