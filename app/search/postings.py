"""Posting arrays beside the index: each term's document numbers and frequencies, as numpy
files that the engine maps into memory instead of decoding Whoosh's posting blocks.

Whoosh keeps a block of postings as a pickled tuple that holds the positions of every posting
as separate objects; unpickling them is most of the time of a query on a common word that the
engine has not read yet. A rebuild therefore writes, for each segment it made and each field
the engine scores, four arrays: the sorted terms, where each term's postings start, the
segment's document numbers (int32) and the term frequencies (uint16 when they are whole
numbers, as counts are; float32 otherwise). They are read through
memory maps, so the operating system shares them between worker processes and nothing is
decoded per query.

Segments that the indexer writes later (a few procedures at a time) have no arrays and are read
from Whoosh as before. Arrays are found by segment id: a segment merged away takes its arrays
out of use, and a new generation starts with none.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

FOLDER = "arrays"
PARALLEL_FROM = 20_000  # documents; below, starting processes costs more than it saves
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


def write(generation_path: Path, reader, fields: tuple[str, ...], procs: int = 1) -> int:
    """Write the arrays of every segment of ``reader`` (an index of ``generation_path``);
    returns the number of postings written. Each segment's folder appears complete or not at
    all. With ``procs`` > 1 and a large index, the segments are written by that many processes
    side by side (a rebuild with several writer processes makes as many segments)."""
    idents = [ident for leaf, _offset in reader.leaf_readers() if (ident := segment_id(leaf)) is not None]
    if procs > 1 and len(idents) > 1 and reader.doc_count_all() >= PARALLEL_FROM:
        # Spawned, not forked: a rebuild may run in a thread of the web process.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(procs, len(idents)), mp_context=context) as pool:
            return sum(pool.map(_write_in_process, [(str(generation_path), ident, fields) for ident in idents]))
    return sum(_write_segment(generation_path, leaf, fields) for leaf, _offset in reader.leaf_readers()
               if segment_id(leaf) is not None)


def _write_in_process(job: tuple[str, str, tuple[str, ...]]) -> int:
    path, ident, fields = job
    index = whoosh_index.open_dir(path)
    try:
        with index.reader() as reader:
            for leaf, _offset in reader.leaf_readers():
                if segment_id(leaf) == ident:
                    return _write_segment(Path(path), leaf, fields)
    finally:
        index.close()
    return 0


def _write_segment(generation_path: Path, leaf, fields: tuple[str, ...]) -> int:
    ident = segment_id(leaf)
    target = Path(generation_path) / FOLDER / ident
    partial = target.with_name(ident + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    written = 0
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
    tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32)
    # Frequencies are counts: kept in two bytes when they all are whole and small enough.
    if tfs.size and np.all(tfs == np.round(tfs)) and tfs.min() >= 0 and tfs.max() <= np.iinfo(np.uint16).max:
        tfs = tfs.astype(np.uint16)
    arrays = {
        "terms": np.array(terms, dtype=str) if terms else np.zeros(0, dtype="U1"),
        "offsets": np.asarray(offsets, dtype=np.int64),
        "docs": np.concatenate(doc_parts) if doc_parts else np.zeros(0, dtype=np.int32),
        "tfs": tfs,
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
