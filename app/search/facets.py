"""Facet counts and filters over whole result sets, from per-document arrays.

For each index generation the facet values of every document are read once from Whoosh's
column store into numpy arrays (value numbers per document; levels as a bit mask, since a
procedure may have several). A query then needs only its set of matching document numbers:
counts are ``bincount`` over that set, and filters are array masks. Within one facet the
chosen values are OR-ed; across facets they are AND-ed, and each facet's counts ignore its own
selection (so the other values of a facet stay choosable).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SINGLE = ("agency", "sector", "kind", "online_level", "status")
LEVELS = ("central", "province", "district", "commune")


@dataclass
class FacetArrays:
    values: dict[str, list[str]]  # facet -> value names, by number
    codes: dict[str, np.ndarray]  # facet -> value number per document number
    level_bits: np.ndarray  # bit mask of levels per document number


def load(reader) -> FacetArrays:
    """The facet arrays of a reader (an index or one segment of it), read from its columns."""
    size = reader.doc_count_all()
    values: dict[str, list[str]] = {}
    codes: dict[str, np.ndarray] = {}
    for facet in SINGLE:
        column = reader.column_reader(facet)
        numbers: dict[str, int] = {}
        array = np.zeros(size, dtype=np.int32)
        for docnum, raw in enumerate(column):
            if docnum >= size:
                break
            name = raw.decode("utf-8") if isinstance(raw, bytes) else (raw or "")
            array[docnum] = numbers.setdefault(name, len(numbers))
        values[facet] = list(numbers)
        codes[facet] = array
    bits = np.zeros(size, dtype=np.uint8)
    column = reader.column_reader("levels")
    cache: dict[object, int] = {}
    for docnum, raw in enumerate(column):
        if docnum >= size:
            break
        if raw not in cache:
            cache[raw] = level_bits(raw.decode("utf-8") if isinstance(raw, bytes) else (raw or ""))
        bits[docnum] = cache[raw]
    return FacetArrays(values, codes, bits)


def level_bits(levels: str) -> int:
    """The bit mask of a comma-separated list of levels."""
    return sum(1 << LEVELS.index(part) for part in levels.split(",") if part in LEVELS)


def concatenate(parts: list[FacetArrays]) -> FacetArrays:
    """The arrays of several segments, one after the other, with one numbering of the values."""
    values: dict[str, list[str]] = {}
    codes: dict[str, np.ndarray] = {}
    for facet in SINGLE:
        numbers: dict[str, int] = {}
        pieces = []
        for part in parts:
            remap = np.array([numbers.setdefault(name, len(numbers)) for name in part.values[facet]] or [0],
                             dtype=np.int32)
            pieces.append(remap[part.codes[facet]])
        values[facet] = list(numbers)
        codes[facet] = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    bits = np.concatenate([part.level_bits for part in parts]) if parts else np.zeros(0, dtype=np.uint8)
    return FacetArrays(values, codes, bits)


def with_facet(arrays: FacetArrays, facet: str, values: list[str], codes: np.ndarray) -> FacetArrays:
    """A copy with one more single-valued facet (the shared arrays are not changed)."""
    return FacetArrays({**arrays.values, facet: values}, {**arrays.codes, facet: codes}, arrays.level_bits)


def _mask(arrays: FacetArrays, docs: np.ndarray, facet: str, chosen: list[str]) -> np.ndarray:
    if facet not in arrays.codes and facet != "level":
        return np.zeros(len(docs), dtype=bool)
    if facet == "level":
        wanted = sum(1 << LEVELS.index(level) for level in chosen if level in LEVELS)
        return (arrays.level_bits[docs] & wanted) != 0
    names = arrays.values[facet]
    numbers = [names.index(value) for value in chosen if value in names]
    return np.isin(arrays.codes[facet][docs], numbers)


def apply(arrays: FacetArrays, docs: np.ndarray, filters: dict[str, list[str]]
          ) -> tuple[np.ndarray, dict[str, list[tuple[str, int]]]]:
    """Return (document numbers passing every filter, counts per facet value)."""
    masks = {facet: _mask(arrays, docs, facet, chosen) for facet, chosen in filters.items() if chosen}
    everything = np.ones(len(docs), dtype=bool)
    passing = everything.copy()
    for mask in masks.values():
        passing &= mask
    counts: dict[str, list[tuple[str, int]]] = {}
    for facet in (*arrays.codes, "level"):
        others = everything.copy()
        for name, mask in masks.items():
            if name != facet:
                others &= mask
        subset = docs[others]
        if facet == "level":
            bits = arrays.level_bits[subset]
            pairs = [(level, int(np.count_nonzero(bits & (1 << i)))) for i, level in enumerate(LEVELS)]
        else:
            tally = np.bincount(arrays.codes[facet][subset], minlength=len(arrays.values[facet]))
            pairs = [(arrays.values[facet][i], int(n)) for i, n in enumerate(tally)]
        chosen = set(filters.get(facet) or ())
        counts[facet] = sorted(((v, n) for v, n in pairs if n or v in chosen), key=lambda p: (-p[1], p[0]))
    return docs[passing], counts
