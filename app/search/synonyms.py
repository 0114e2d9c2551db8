"""Query-time alternatives for the words a user typed: admin-maintained synonyms and
abbreviations per language, and the bilingual glossary of core administrative terms.

The query side (``querying``) asks :func:`alternatives` for the typed words (as
``analysis.tokenize(text, subwords=False)`` gives them: lower case, NFC) and lets a span of
those words also be satisfied by each alternative's words, at the alternative's weight
(below 1.0: an exact match always ranks higher). Nothing here needs an index rebuild.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Alternative:
    """Words ``start``..``end`` (exclusive) of the query may also be read as ``words``."""

    start: int
    end: int
    words: tuple[str, ...]
    weight: float
    source: str  # "synonym" or "glossary"


def alternatives(words: Sequence[str]) -> list[Alternative]:
    """The alternatives that apply to a query's words; none until lists are configured."""
    return []
