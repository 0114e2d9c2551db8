"""Posting arrays beside the index: each term's document numbers, frequencies and positions,
as numpy files that the engine maps into memory.

A segment's folder ``arrays/<segment id>`` holds, for each text field: the sorted terms, where
each term's postings start, the segment's document numbers (int32) and the term frequencies
(uint16 when they are whole numbers, as counts are; float32 otherwise); for the fields that
answer phrases, the positions of every posting and where each term's positions start; for
scored fields, each document's field length. They are read through memory maps, so the
operating system shares them between worker processes and nothing is decoded per query.

Two writers make the same files:

* a rebuild inverts the documents itself (``inversion``) and gives Whoosh only the ids and
  columns: the arrays are then the only copy of the segment's text fields, which the file
  ``ONLY_COPY`` records, and such a segment must never be merged by Whoosh (``merge_policy``);
* after the indexer commits a few procedures, Whoosh holds their text too, and the arrays of
  the new segment are read from its postings (``write``).

Arrays are found by segment id: a segment merged away takes its arrays out of use.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import zlib
from pathlib import Path

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import MERGE_SMALL

from app.search import columns
from app.search.schema import TEXT_FIELDS

FOLDER = "arrays"
ONLY_COPY = "only-copy"
MANIFEST = "manifest.json"
__all__ = ["TEXT_FIELDS", "SegmentArrays", "for_segment", "merge_policy", "read_leaf", "write"]
PARTS = ("terms", "offsets", "docs", "tfs")
POSITION_PARTS = ("positions", "termpos")
_LENGTH_OF_BYTE = np.array([byte_to_length(value) for value in range(256)], dtype=np.float32)


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


def quantized_lengths(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh keeps them (one byte each, coarser for long fields), decoded."""
    lengths = np.asarray(lengths, dtype=np.int64)
    table = {int(value): length_to_byte(int(value)) for value in np.unique(lengths)}
    codes = np.fromiter((table[int(value)] for value in lengths), dtype=np.uint8, count=lengths.size)
    return _LENGTH_OF_BYTE[codes]


# ----------------------------------------------------------------- writing


def save_field(folder: Path, field: str, terms: list[str], offsets: np.ndarray, docs: np.ndarray,
               tfs: np.ndarray, positions: np.ndarray | None = None) -> int:
    """Write one field's arrays into ``folder``; returns the number of postings."""
    tfs = np.asarray(tfs)
    # Frequencies are counts: kept in two bytes when they all are whole and small enough.
    if tfs.size and np.all(tfs == np.round(tfs)) and tfs.min() >= 0 and tfs.max() <= np.iinfo(np.uint16).max:
        tfs = tfs.astype(np.uint16)
    elif not tfs.size:
        tfs = tfs.astype(np.uint16)
    # UTF-8 byte order (the lexicon's) is code point order, which numpy's string compare uses.
    arrays = {
        "terms": np.array(terms, dtype=str) if terms else np.zeros(0, dtype="U1"),
        "offsets": np.asarray(offsets, dtype=np.int64),
        "docs": np.asarray(docs, dtype=np.int32),
        "tfs": tfs,
    }
    if positions is not None:
        # Each posting has as many positions as its frequency; a term's start is a sum.
        ends = np.concatenate([[0], np.cumsum(tfs, dtype=np.int64)])
        arrays["positions"] = np.asarray(positions, dtype=np.int32)
        arrays["termpos"] = ends[np.asarray(offsets, dtype=np.int64)]
    for part, array in arrays.items():
        np.save(folder / f"{field}.{part}.npy", array, allow_pickle=False)
    return int(arrays["offsets"][-1]) if arrays["offsets"].size else 0


def save_lengths(folder: Path, field: str, lengths: np.ndarray) -> None:
    np.save(folder / f"{field}.lengths.npy", np.asarray(lengths, dtype=np.float32), allow_pickle=False)


def partial_folder(generation_path: Path, ident: str) -> Path:
    """An empty folder to write a segment's arrays into, before ``publish``."""
    partial = Path(generation_path) / FOLDER / f"{ident}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    return partial


class DamagedArrays(OSError):
    """A segment's arrays differ from what was written (size, checksum, a file missing)."""


def checksum(path: Path) -> str:
    value = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            value = zlib.crc32(chunk, value)
    return f"{value:08x}"


def write_manifest(folder: Path) -> None:
    """Record the size and CRC-32 of every array file, for ``verify`` and the opening check."""
    entries = {path.name: {"size": path.stat().st_size, "crc32": checksum(path)}
               for path in sorted(folder.glob("*.npy"))}
    (folder / MANIFEST).write_text(json.dumps(entries, indent=0), encoding="utf-8")


def read_manifest(folder: Path) -> dict[str, dict] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None  # arrays written before manifests existed
    except ValueError as exc:
        raise DamagedArrays(f"{folder.name}: unreadable manifest") from exc


def check_sizes(folder: Path) -> None:
    """Cheap check at opening: every file the manifest lists is there with its size."""
    manifest = read_manifest(folder)
    for name, entry in (manifest or {}).items():
        try:
            size = (folder / name).stat().st_size
        except FileNotFoundError:
            raise DamagedArrays(f"{folder.name}/{name}: missing") from None
        if size != entry["size"]:
            raise DamagedArrays(f"{folder.name}/{name}: {size} bytes instead of {entry['size']}")


def verify_generation(generation_path: Path, checksums: bool = True) -> list[str]:
    """Every difference between the arrays of a generation's segments and their manifests."""
    folder = Path(generation_path) / FOLDER
    problems = []
    for segment in sorted(folder.iterdir()) if folder.is_dir() else ():
        if segment.is_dir() and not segment.name.endswith(".partial"):
            problems.extend(verify(segment, checksums))
    return problems


def verify(folder: Path, checksums: bool = True) -> list[str]:
    """Every difference between a segment's array files and its manifest (sizes, checksums)."""
    try:
        manifest = read_manifest(folder)
    except DamagedArrays as exc:
        return [str(exc)]
    if manifest is None:
        return [f"{folder.name}: no manifest"]
    problems = []
    for name, entry in manifest.items():
        path = folder / name
        if not path.exists():
            problems.append(f"{folder.name}/{name}: missing")
        elif path.stat().st_size != entry["size"]:
            problems.append(f"{folder.name}/{name}: {path.stat().st_size} bytes instead of {entry['size']}")
        elif checksums and checksum(path) != entry["crc32"]:
            problems.append(f"{folder.name}/{name}: checksum differs")
    return problems


def publish(partial: Path) -> Path:
    """Give a segment's finished arrays their name: the folder appears complete or not at all."""
    write_manifest(partial)
    target = partial.with_name(partial.name.removesuffix(".partial"))
    os.replace(partial, target)
    return target


def has_arrays(generation_path: Path, ident: str) -> bool:
    return (Path(generation_path) / FOLDER / ident).is_dir()


def is_only_copy(generation_path: Path, ident: str) -> bool:
    return (Path(generation_path) / FOLDER / ident / ONLY_COPY).exists()


def write(generation_path: Path, reader, fields: tuple[str, ...]) -> int:
    """Write, from Whoosh's postings, the arrays of every segment of ``reader`` that has none
    yet (the small segments the indexer commits); returns the number of postings written."""
    written = 0
    for leaf, _offset in reader.leaf_readers():
        ident = segment_id(leaf)
        if ident is None or has_arrays(generation_path, ident):
            continue
        partial = partial_folder(generation_path, ident)
        for field in fields:
            if field in leaf.schema:
                written += _write_field_from_whoosh(partial, leaf, field)
        columns.write_from_whoosh(partial, leaf)
        publish(partial)
    return written


def _write_field_from_whoosh(folder: Path, leaf, field: str) -> int:
    with_positions = leaf.schema[field].format.supports("positions")
    terms: list[str] = []
    offsets = [0]
    doc_parts, tf_parts, positions = [], [], []
    for term in leaf.lexicon(field):
        if with_positions:
            ids_list, weight_list = [], []
            matcher = leaf.postings(field, term)
            while matcher.is_active():
                ids_list.append(matcher.id())
                weight_list.append(matcher.weight())
                positions.extend(matcher.value_as("positions"))
                matcher.next()
            ids, weights = np.asarray(ids_list, dtype=np.int64), np.asarray(weight_list, dtype=np.float32)
        else:
            ids, weights = read_leaf(leaf.postings(field, term))
        terms.append(term.decode("utf-8") if isinstance(term, bytes) else str(term))
        doc_parts.append(ids)
        tf_parts.append(weights)
        offsets.append(offsets[-1] + ids.size)
    docs = np.concatenate(doc_parts) if doc_parts else np.zeros(0, dtype=np.int32)
    tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32)
    written = save_field(folder, field, terms, np.asarray(offsets), docs, tfs,
                         np.asarray(positions, dtype=np.int32) if with_positions else None)
    if leaf.schema[field].scorable:
        size = leaf.doc_count_all()
        lengths = np.fromiter((leaf.doc_field_length(docnum, field, 0) or 0 for docnum in range(size)),
                              dtype=np.float32, count=size)
        save_lengths(folder, field, lengths)
    return written


def remove_orphans(generation_path: Path, reader) -> list[str]:
    """Delete the arrays of segments no longer in the index (merged away)."""
    live = {ident for leaf, _offset in reader.leaf_readers() if (ident := segment_id(leaf))}
    removed = []
    folder = Path(generation_path) / FOLDER
    if folder.is_dir():
        for path in folder.iterdir():
            name = path.name.removesuffix(".partial")
            if name not in live:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(name)
    return removed


def merge_policy(generation_path: Path):
    """Whoosh's merge of small segments, except that segments whose text lives only in their
    arrays are never merged (Whoosh would copy them without their text)."""
    def policy(writer, segments):
        kept = [segment for segment in segments if is_only_copy(generation_path, segment.segment_id())]
        others = [segment for segment in segments if not is_only_copy(generation_path, segment.segment_id())]
        return kept + MERGE_SMALL(writer, others)
    return policy


# ----------------------------------------------------------------- reading


class SegmentArrays:
    """The arrays of one segment, memory-mapped."""

    def __init__(self, folder: Path) -> None:
        check_sizes(folder)
        self.folder = folder
        self.only_copy = (folder / ONLY_COPY).exists()
        self.fields: dict[str, dict[str, np.ndarray]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        for terms_file in folder.glob("*.terms.npy"):
            field = terms_file.name.removesuffix(".terms.npy")
            parts = PARTS + (POSITION_PARTS if (folder / f"{field}.positions.npy").exists() else ())
            self.fields[field] = {part: np.load(folder / f"{field}.{part}.npy", mmap_mode="r", allow_pickle=False)
                                  for part in parts}
            if (folder / f"{field}.lengths.npy").exists():
                self.lengths[field] = np.load(folder / f"{field}.lengths.npy", allow_pickle=False)

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(documents, frequencies) of a term; None for a field these arrays do not hold."""
        arrays = self.fields.get(field)
        if arrays is None:
            return None
        index = self._find(arrays["terms"], text)
        if index is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        start, stop = int(arrays["offsets"][index]), int(arrays["offsets"][index + 1])
        return (np.asarray(arrays["docs"][start:stop], dtype=np.int64),
                np.array(arrays["tfs"][start:stop], dtype=np.float32))

    @staticmethod
    def _find(terms: np.ndarray, text: str) -> int | None:
        index = int(np.searchsorted(terms, text))
        if index >= terms.shape[0] or terms[index] != text:
            return None
        return index

    def has_positions(self, field: str) -> bool:
        return "positions" in self.fields.get(field, {})

    def term_indexes(self, field: str, low: str | None, high: str | None, *, low_excl: bool = False,
                     high_excl: bool = False) -> range | None:
        """The numbers of the terms between ``low`` and ``high`` (None: open end)."""
        arrays = self.fields.get(field)
        if arrays is None:
            return None
        terms = arrays["terms"]
        start = 0 if not low else int(np.searchsorted(terms, low, side="right" if low_excl else "left"))
        stop = terms.shape[0] if high is None else int(np.searchsorted(terms, high, side="left" if high_excl else "right"))
        return range(start, max(start, stop))

    def prefix_indexes(self, field: str, prefix: str) -> range | None:
        arrays = self.fields.get(field)
        if arrays is None:
            return None
        terms = arrays["terms"]
        start = int(np.searchsorted(terms, prefix, side="left"))
        stop = int(np.searchsorted(terms, prefix + "\U0010ffff", side="left"))
        return range(start, max(start, stop))

    def term_text(self, field: str, index: int) -> str:
        return str(self.fields[field]["terms"][index])

    def docs_of_terms(self, field: str, indexes) -> np.ndarray:
        """The documents (sorted, unique) that hold any of the terms numbered ``indexes``."""
        arrays = self.fields[field]
        offsets, docs = arrays["offsets"], arrays["docs"]
        if isinstance(indexes, range) and indexes.step == 1:
            if not len(indexes):
                return np.zeros(0, dtype=np.int64)
            found = np.asarray(docs[int(offsets[indexes.start]):int(offsets[indexes.stop])], dtype=np.int64)
        else:
            found = np.concatenate([np.asarray(docs[int(offsets[i]):int(offsets[i + 1])], dtype=np.int64)
                                    for i in indexes] or [np.zeros(0, dtype=np.int64)])
        return np.unique(found)

    def phrase_docs(self, field: str, words: list[str], slop: int = 1) -> np.ndarray:
        """Documents where the words follow each other in order, each at most ``slop`` positions
        after the one before."""
        arrays = self.fields[field]
        keyed = []
        for word in words:
            index = self._find(arrays["terms"], word)
            if index is None:
                return np.zeros(0, dtype=np.int64)
            keyed.append(index)
        # Only documents holding every word can match.
        candidates = None
        for index in keyed:
            docs = np.asarray(arrays["docs"][int(arrays["offsets"][index]):int(arrays["offsets"][index + 1])],
                              dtype=np.int64)
            candidates = docs if candidates is None else np.intersect1d(candidates, docs, assume_unique=True)
            if not candidates.size:
                return candidates
        # (document, position) pairs as one number; then each next word must stand within
        # ``slop`` positions after a pair that survived so far.
        # The nearest surviving pair before each following one is found by a binary search,
        # so the cost does not grow with the slop.
        current = np.unique(self._position_keys(arrays, keyed[0], candidates))
        for index in keyed[1:]:
            following = np.unique(self._position_keys(arrays, index, candidates))
            before = np.searchsorted(current, following, side="left") - 1
            found = before >= 0
            nearest = current[np.maximum(before, 0)]
            found &= (nearest >> 32) == (following >> 32)
            found &= following - nearest <= max(1, slop)
            current = following[found]
            if not current.size:
                break
        return np.unique(current >> 32)

    @staticmethod
    def _position_keys(arrays: dict[str, np.ndarray], index: int, candidates: np.ndarray) -> np.ndarray:
        start, stop = int(arrays["offsets"][index]), int(arrays["offsets"][index + 1])
        docs = np.asarray(arrays["docs"][start:stop], dtype=np.int64)
        tfs = np.asarray(arrays["tfs"][start:stop], dtype=np.int64)
        first = int(arrays["termpos"][index])
        ends = first + np.cumsum(tfs)
        wanted = np.isin(docs, candidates, assume_unique=True)
        docs, tfs, ends = docs[wanted], tfs[wanted], ends[wanted]
        if not docs.size:
            return np.zeros(0, dtype=np.int64)
        # Positions of the wanted postings: each posting's run, gathered in one step (fancy
        # indexing reads only those entries of the memory map).
        counts = int(tfs.sum())
        run = np.arange(counts, dtype=np.int64) - np.repeat(np.cumsum(tfs) - tfs, tfs)
        positions = np.asarray(arrays["positions"][np.repeat(ends - tfs, tfs) + run], dtype=np.int64)
        return (np.repeat(docs, tfs) << 32) | positions


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


def retain(segments: set[tuple[Path, str]]) -> None:
    """Keep this process's maps of the arrays of ``segments`` (generation path, segment id)
    only: the others' files are closed once no engine uses them."""
    wanted = {Path(path) / FOLDER / ident for path, ident in segments}
    with _lock:
        for folder in [folder for folder in _open if folder not in wanted]:
            del _open[folder]
