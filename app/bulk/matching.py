"""Case- and diacritic-insensitive text matching with the places of the match in the original.

"so ho khau" matches "Sổ hộ khẩu": both sides are folded character by character (NFC, then
NFD with the combining marks U+0300-U+036F dropped, ``đ``/``Đ`` -> ``d``, lower case) and runs
of white space count as one space. The search package folds the same way for its index; this
module keeps its own small copy because it also needs, for highlighting, where each folded
character came from, and because only ``app.search`` may load the search engine.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SPACES = re.compile(" {2,}")


class _FoldTable(dict):
    """``str.translate`` table filled on first use: code point -> folded text of that character."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        if char.isspace():
            folded = " "
        elif char in "đĐðÐ":  # no decomposition; ð/Ð stand in for đ/Đ in legacy encodings
            folded = "d"
        else:
            decomposed = unicodedata.normalize("NFD", char)
            folded = "".join(part for part in decomposed if not 0x0300 <= ord(part) <= 0x036F).lower()
        self[codepoint] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Folded text for comparing: ``"  Sổ hộ  KHẨU"`` -> ``" so ho khau"``."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_TABLE))


def fold_pattern(pattern: str) -> str:
    """A pattern as it is compared: folded, without white space at its ends."""
    return fold(pattern).strip()


@dataclass(frozen=True)
class Match:
    """A text (NFC) and the spans ``[(start, end)]`` of it that matched, for highlighting."""

    text: str
    spans: tuple[tuple[int, int], ...]

    def pieces(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, matched) pairs; templates escape each piece."""
        pieces: list[tuple[str, bool]] = []
        position = 0
        for start, end in self.spans:
            if start > position:
                pieces.append((self.text[position:start], False))
            pieces.append((self.text[start:end], True))
            position = end
        if position < len(self.text):
            pieces.append((self.text[position:], False))
        return pieces


def find(folded_pattern: str, text: str | None) -> Match | None:
    """Where a folded pattern occurs in ``text`` (every occurrence), or None; an empty pattern
    matches any text, with nothing highlighted."""
    if text is None:
        return None
    if not folded_pattern:
        return Match(unicodedata.normalize("NFC", text), ())
    if folded_pattern not in fold(text):  # the quick test; most texts do not match
        return None
    original = unicodedata.normalize("NFC", text)
    folded_chars: list[str] = []
    origin: list[int] = []  # index in ``original`` of each folded character
    for index, char in enumerate(original):
        for part in _TABLE[ord(char)]:
            if part == " " and folded_chars and folded_chars[-1] == " ":
                continue
            folded_chars.append(part)
            origin.append(index)
    folded = "".join(folded_chars)
    spans: list[tuple[int, int]] = []
    start = folded.find(folded_pattern)
    while start >= 0:
        end = start + len(folded_pattern)
        spans.append((origin[start], origin[end - 1] + 1))
        start = folded.find(folded_pattern, end)
    return Match(original, tuple(spans)) if spans else None
