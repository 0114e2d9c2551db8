"""Per-document columns as arrays beside a segment's posting arrays: procedure ids, update
times, codes and facet values, written when the segment is written and opened by the engine
in a few milliseconds (reading the same from Whoosh's column store decodes every document in
Python: 1.6-3 s for a worker's first search at 100,000 procedures).

Files in the segment's arrays folder (covered by its manifest): ``col.pid.npy``,
``col.updated.npy``, ``col.code.npy``, ``col.<facet>.npy`` (value number per document) with
``col.<facet>.values.npy`` (the names, by number), ``col.level_bits.npy``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from app.search import facets as facet_arrays

PREFIX = "col."


def _save(folder: Path, name: str, array: np.ndarray) -> None:
    np.save(folder / f"{PREFIX}{name}.npy", array, allow_pickle=False)


def _strings(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=str) if values else np.zeros(0, dtype="U1")


class ColumnWriter:
    """Collects the columns of the documents of one segment, in document order."""

    def __init__(self) -> None:
        self.pid: list[int] = []
        self.updated: list[int] = []
        self.codes: list[str] = []
        self.facets: dict[str, dict[str, int]] = {facet: {} for facet in facet_arrays.SINGLE}
        self.facet_codes: dict[str, list[int]] = {facet: [] for facet in facet_arrays.SINGLE}
        self.level_bits: list[int] = []

    def add(self, columns: dict[str, Any]) -> None:
        self.pid.append(int(columns["pid"]))
        self.updated.append(int(columns.get("updated") or 0))
        self.codes.append(columns["code"])
        for facet in facet_arrays.SINGLE:
            numbers = self.facets[facet]
            self.facet_codes[facet].append(numbers.setdefault(columns.get(facet) or "", len(numbers)))
        self.level_bits.append(facet_arrays.level_bits(columns.get("levels") or ""))

    def write(self, folder: Path) -> None:
        _save(folder, "pid", np.asarray(self.pid, dtype=np.int64))
        _save(folder, "updated", np.asarray(self.updated, dtype=np.int64))
        _save(folder, "code", _strings(self.codes))
        for facet in facet_arrays.SINGLE:
            _save(folder, facet, np.asarray(self.facet_codes[facet], dtype=np.int32))
            _save(folder, f"{facet}.values", _strings(list(self.facets[facet])))
        _save(folder, "level_bits", np.asarray(self.level_bits, dtype=np.uint8))


def write_from_whoosh(folder: Path, leaf) -> None:
    """The same files for a segment the indexer committed, read from Whoosh's columns."""
    size = leaf.doc_count_all()
    arrays = facet_arrays.load(leaf)
    _save(folder, "pid", _numeric(leaf, "pid", size))
    _save(folder, "updated", _numeric(leaf, "updated", size))
    _save(folder, "code", _strings([_text(value) for value in leaf.column_reader("code")][:size]))
    for facet in facet_arrays.SINGLE:
        _save(folder, facet, arrays.codes[facet].astype(np.int32))
        _save(folder, f"{facet}.values", _strings(arrays.values[facet]))
    _save(folder, "level_bits", arrays.level_bits.astype(np.uint8))


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return "" if value is None else str(value)


def _numeric(leaf, name: str, size: int) -> np.ndarray:
    values = np.zeros(size, dtype=np.int64)
    for docnum, value in enumerate(leaf.column_reader(name)):
        if docnum >= size:
            break
        values[docnum] = value or 0
    return values


def has_columns(folder: Path) -> bool:
    return (folder / f"{PREFIX}pid.npy").exists()


def load(folder: Path) -> dict[str, Any]:
    """The columns of a segment: pid, updated, codes (an array of str), and its facet arrays."""
    def read(name: str) -> np.ndarray:
        return np.load(folder / f"{PREFIX}{name}.npy", allow_pickle=False)

    facets = facet_arrays.FacetArrays(
        values={facet: read(f"{facet}.values").tolist() for facet in facet_arrays.SINGLE},
        codes={facet: read(facet) for facet in facet_arrays.SINGLE},
        level_bits=read("level_bits"),
    )
    return {"pid": read("pid"), "updated": read("updated"), "codes": read("code"), "facets": facets}
