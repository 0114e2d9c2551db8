"""The text fields of a rebuild, inverted straight into posting arrays.

Whoosh's writer does per-posting work in Python for every field (pooling, sorting, pickling
position lists, merging runs): at 100,000 procedures that was most of a rebuild. A rebuild
therefore gives Whoosh only each procedure's ids and columns, and the texts come here:

* each field's tokens are numbered through a dictionary as they arrive (C-level lookups), and
  kept as flat integer arrays with their document numbers and positions;
* at the end, one sort per field groups the tokens by (term, document): the postings, their
  frequencies and their positions fall out of it, already in the order the arrays want;
* the diacritic-free field reuses the exact field's tokens: each distinct word is folded once.

The analysis is the one Whoosh runs on the same fields (``documents.build_document`` and the
schema's analyzers); a test checks that both give identical arrays.
"""
from __future__ import annotations

from array import array
from collections import defaultdict
from pathlib import Path

import numpy as np

from app.search import postings
from app.search.analysis import fold_token, english_analyzer, tokens_and_positions
from app.search.documents import TextParts, folded_pair_list, title_pair_list


class _Field:
    """The tokens of one field, in document order, numbered by first appearance."""

    def __init__(self, positions: bool = False) -> None:
        self.numbers: defaultdict[str, int] = defaultdict()
        self.numbers.default_factory = self.numbers.__len__  # a new word gets the next number
        self.tokens = array("i")
        self.counts = array("i")  # tokens per document
        self.positions = array("i") if positions else None

    def add(self, tokens: list[str], positions: list[int] | None = None) -> None:
        self.tokens.extend(map(self.numbers.__getitem__, tokens))
        self.counts.append(len(tokens))
        if self.positions is not None and positions is not None:
            self.positions.extend(positions)


class Inverter:
    """Collects the documents of one segment (numbered 0, 1, ... in the order added) and writes
    their posting arrays."""

    def __init__(self) -> None:
        self.size = 0
        self.body = _Field(positions=True)  # its positions serve the folded field
        self.title = _Field()
        self.title_pairs = _Field()
        self.pairs = _Field()
        self.english = _Field(positions=True)
        self._english = english_analyzer()

    def add(self, parts: TextParts) -> None:
        self.size += 1
        tokens, positions = tokens_and_positions(" \n".join(parts.body))
        self.body.add(tokens, positions)
        self.title.add(tokens_and_positions(" \n".join(parts.titles))[0])
        # A keyword field: each distinct pair once.
        self.title_pairs.add(list(dict.fromkeys(pair for title in parts.titles for pair in title_pair_list(title))))
        self.pairs.add(folded_pair_list(" \n".join(parts.pairs)))
        english = [(token.text, token.pos) for token in self._english(" \n".join(parts.english), positions=True)]
        self.english.add([text for text, _ in english], [pos for _, pos in english])

    def write(self, folder: Path) -> int:
        """Write every field's arrays and lengths into ``folder``; returns the postings written."""
        body_words = list(self.body.numbers)
        folded = _Field(positions=True)
        fold_map = np.fromiter((folded.numbers[fold_token(word)] for word in body_words), dtype=np.int32,
                               count=len(body_words))
        written = 0
        for name, field, words, tokens in (
                ("body", self.body, body_words, None),
                ("folded", self.body, list(folded.numbers), fold_map),
                ("title", self.title, list(self.title.numbers), None),
                ("title_pairs", self.title_pairs, list(self.title_pairs.numbers), None),
                ("pairs", self.pairs, list(self.pairs.numbers), None),
                ("en", self.english, list(self.english.numbers), None)):
            numbers = np.frombuffer(field.tokens, dtype=np.int32)  # a view: no copy
            if tokens is not None:
                numbers = tokens[numbers]
            positions = None
            if name in ("folded", "en"):
                positions = np.frombuffer(field.positions, dtype=np.int32)
            counts = np.frombuffer(field.counts, dtype=np.int32)
            written += self._write_field(folder, name, words, numbers, counts, positions)
            if name != "title_pairs":
                postings.save_lengths(folder, name, postings.quantized_lengths(counts))
            del numbers
        return written

    def _write_field(self, folder: Path, name: str, words: list[str], numbers: np.ndarray, counts: np.ndarray,
                     positions: np.ndarray | None) -> int:
        size = max(self.size, 1)
        # Renumber the words in sorted order, the order of the terms array.
        order = sorted(range(len(words)), key=words.__getitem__)
        rank = np.empty(len(words), dtype=np.int32)
        rank[order] = np.arange(len(words), dtype=np.int32)
        ranks = rank[numbers]
        docnums = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        out_positions = np.empty(len(ranks), dtype=np.int32) if positions is not None else None
        filled = 0
        term_parts, doc_parts, tf_parts = [], [], []
        # A chunked merge: the tokens of one range of terms at a time are sorted by (term,
        # document), and the ranges follow each other in term order. At 100,000 procedures a
        # field has some 50 million tokens; one sort of all of them held several copies at once.
        for low, high in _term_ranges(ranks, len(words), CHUNK_TOKENS):
            selected = np.flatnonzero((ranks >= low) & (ranks < high))
            keys = ranks[selected].astype(np.int64)
            keys *= size
            keys += docnums[selected]
            if positions is None:
                keys.sort()
            else:
                # Stable: within one (term, document) the positions stay in ascending order.
                sorting = np.argsort(keys, kind="stable")
                keys = keys[sorting]
                out_positions[filled:filled + len(keys)] = positions[selected[sorting]]
                filled += len(keys)
                del sorting
            del selected
            if not keys.size:
                continue
            starts = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1])
            unique = keys[starts]
            tf_parts.append(np.diff(np.concatenate([starts, [keys.size]])))
            del keys
            terms_of = unique // size
            term_parts.append(terms_of)
            doc_parts.append((unique - terms_of * size).astype(np.int32))
        del ranks, docnums
        terms_of = np.concatenate(term_parts) if term_parts else np.zeros(0, dtype=np.int64)
        offsets = np.searchsorted(terms_of, np.arange(len(words) + 1), side="left")
        docs = np.concatenate(doc_parts) if doc_parts else np.zeros(0, dtype=np.int32)
        tfs = np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.int64)
        return postings.save_field(folder, name, [words[i] for i in order], offsets, docs, tfs, out_positions)


CHUNK_TOKENS = 4_000_000


def _term_ranges(ranks: np.ndarray, terms: int, chunk: int) -> list[tuple[int, int]]:
    """Consecutive ranges of term numbers, each holding about ``chunk`` tokens (a range is at
    least one term, however common)."""
    if not len(ranks):
        return []
    cumulative = np.cumsum(np.bincount(ranks, minlength=terms))
    ranges, low = [], 0
    while low < terms:
        done_before = cumulative[low - 1] if low else 0
        high = int(np.searchsorted(cumulative, done_before + chunk, side="right"))
        high = min(terms, max(high, low + 1))
        ranges.append((low, high))
        low = high
    return ranges


def write_segment(generation_path: Path, ident: str, inverter: Inverter, column_writer=None) -> int:
    """Write a rebuilt segment's arrays (and its columns, ``columns.ColumnWriter``), marked as
    the only copy of its text fields."""
    partial = postings.partial_folder(generation_path, ident)
    written = inverter.write(partial)
    if column_writer is not None:
        column_writer.write(partial)
    (partial / postings.ONLY_COPY).write_text("Whoosh holds the ids and columns of this segment only.\n",
                                              encoding="utf-8")
    postings.publish(partial)
    return written
