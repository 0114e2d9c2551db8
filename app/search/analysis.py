"""Text analysis for the full-text search (Vietnamese, Thai and English).

One tokenizer serves the index, the query parser and our own highlighter:

* text is normalised to NFC first (Python's ``\\w`` does not match combining marks, so NFD
  Vietnamese would otherwise fall apart), then cut by ONE compiled regex into
  - Vietnamese/Latin words (lower-cased);
  - codes kept whole: procedure codes ``1.001193``, form codes ``CT01`` / ``TK1-TS``, legal
    document numbers ``123/2015/NĐ-CP`` (-> ``123/2015/nđ-cp``): letters/digits joined by
    ``.``, ``/`` or ``-`` form one token when they contain a digit (``nam-nữ`` stays two words);
  - Thai abbreviations and form codes (``ร.ง.4``, ``ท.ร.1/1``, ``พ.ร.บ.`` -> ``พ.ร.บ``);
  - numbers and units as people type them: ``4x6``, ``4cm`` and ``20m2`` become ``4 x 6``,
    ``4 cm`` and ``20 m2``; ``m²`` is ``m2``, ``×`` is ``x``, and leading zeros go (``04`` is
    ``4``), so ``ảnh 4x6`` finds ``02 ảnh 04 cm x 06 cm`` (see ``_number_parts``);
  - Thai runs (U+0E00-U+0E7F), segmented into words by PyThaiNLP ``newmm``; at index time the
    sub-words of a Thai compound are emitted too (see ``_thai_units``), so ``ทะเบียน`` finds
    ``จดทะเบียนสมรส``.
* ``fold_vietnamese`` strips Vietnamese diacritics for the accent-insensitive field.

Whoosh pickles the schema into the index, so the tokenizer and filter classes below live at
module level: every process that opens the index must be able to import this module.
PyThaiNLP is imported lazily, on the first Thai text.
"""
from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import Analyzer, Filter, StemmingAnalyzer, Token, Tokenizer
from whoosh.analysis.analyzers import CompositeAnalyzer

__all__ = [
    "ProcedureTokenizer",
    "VietnameseFoldingFilter",
    "english_analyzer",
    "exact_analyzer",
    "fold_token",
    "fold_vietnamese",
    "folded_analyzer",
    "protect_codes",
    "tokens_and_positions",
    "token_spans",
    "tokenize",
]

# --------------------------------------------------------------------------- folding

# Combining diacritics U+0300-U+036F are dropped; đ/Đ have no decomposition and are mapped
# by hand (so is the look-alike ð/Ð, U+00F0/U+00D0, which legacy encodings put in place of
# đ/Đ). Thai marks (U+0E31, U+0E34-U+0E3A, U+0E47-U+0E4E) are outside the range and kept.
_FOLD_TABLE: dict[int, str | None] = {cp: None for cp in range(0x0300, 0x0370)}
_FOLD_TABLE.update({ord("đ"): "d", ord("Đ"): "D", ord("ð"): "d", ord("Ð"): "D"})


def fold_vietnamese(text: str) -> str:
    """Remove Vietnamese diacritics: ``Đăng ký khai sinh`` -> ``Dang ky khai sinh``.

    NFC -> NFD, drop combining marks U+0300-U+036F, map đ/Đ to d/D, back to NFC. Text in
    other scripts (Thai included) is returned unchanged.
    """
    if text.isascii():
        return text
    nfd = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    return unicodedata.normalize("NFC", nfd.translate(_FOLD_TABLE))


fold_token = lru_cache(maxsize=1 << 17)(fold_vietnamese)  # Vietnamese has ~10k syllables


# --------------------------------------------------------------------------- the regex

# A non-Thai word: letters/digits (not "_"), plus any stray combining marks NFC left
# (written as an unrolled loop: a repeated group would make the regex 3x slower).
_WORD = r"[^\W_\u0E00-\u0E7F]+(?:[\u0300-\u036F]+[^\W_\u0E00-\u0E7F]*)*"
_SEP = r"[./\-\u2010\u2011]"  # U+2010/U+2011: hyphen, non-breaking hyphen (become "-")
_THAI_CONS = r"[\u0E01-\u0E2E]"  # consonants ก..ฮ

_TOKEN_RE = re.compile(
    # A word, possibly continued by separator+word parts (a code candidate).
    rf"(?P<word>{_WORD})(?P<code>(?:{_SEP}{_WORD})+)?"
    # Thai abbreviation / form code: 1-3 consonants and a dot, repeated, optional digits.
    rf"|(?P<thaiabbr>(?<![\u0E00-\u0E7F]){_THAI_CONS}{{1,3}}\.(?:{_THAI_CONS}{{1,3}}\.)*"
    rf"(?:\d+(?:{_SEP}\d+)*)?)"
    r"|(?P<thai>[\u0E00-\u0E7F]+)"
)
_WORD_RE = re.compile(_WORD)
_HAS_DIGIT = re.compile(r"\d").search
_DASHES = {0x2010: "-", 0x2011: "-"}
_HAS_THAI_LETTER = re.compile(r"[\u0E01-\u0E2E\u0E50-\u0E59]").search  # consonant or digit

# Codes and joined words in a query, for protect_codes.
_CODE_RE = re.compile(
    rf"(?<![\w\"'./\u2010\u2011])(?<![\w.]-)"  # not inside a word, a code or quotes
    rf"(?:{_WORD}(?:{_SEP}{_WORD})+|{_THAI_CONS}{{1,3}}\.(?:{_THAI_CONS}{{1,3}}\.)*"
    rf"(?:\d+(?:{_SEP}\d+)*)?)"
    rf"(?!{_SEP}?[\w*?~\"'])"  # not a prefix (1.00*), fuzzy term (x~) or quoted part
)

# --------------------------------------------------------------------------- numbers

# The units people join to numbers in dossier texts (sizes, areas, volumes, weights, times).
_UNIT = r"(?:mm|cm|dm|km|m|m2|m3|cm2|km2|ha|kg|g|ml|l)"
# One word made of numbers, units and an "x" between sizes: 4x6, 4cmx6cm, 20m2, 3x4cm.
_NUMBER_WORD_RE = re.compile(rf"(\d+)({_UNIT})?(?:(x)(\d+)({_UNIT})?)?")
_SUPERSCRIPTS = str.maketrans({"²": "2", "³": "3"})
# Length-preserving, so character offsets stay valid: × (U+00D7) between sizes is an "x".
_SIGNS = {0x00D7: "x"}


def _strip_zeros(number: str) -> str:
    return number.lstrip("0") or "0"


def _number_parts(word: str, start: int) -> list[tuple[str, int, int]] | None:
    """The parts of a word that joins numbers and units, normalised, with their offsets; None
    for any other word (codes such as ``ct01`` stay whole)."""
    if not _HAS_DIGIT(word):
        return None if "²" not in word and "³" not in word else [(word.translate(_SUPERSCRIPTS), start,
                                                                     start + len(word))]
    plain = word.translate(_SUPERSCRIPTS)
    if plain.isdigit():
        return [(_strip_zeros(plain), start, start + len(word))] if plain[0] == "0" and len(plain) > 1 else None
    match = _NUMBER_WORD_RE.fullmatch(plain)
    if match is None:
        return None
    parts = []
    for group in range(1, 6):
        text = match.group(group)
        if text:
            parts.append((_strip_zeros(text) if text.isdigit() else text,
                          start + match.start(group), start + match.end(group)))
    return parts


# --------------------------------------------------------------------------- Thai

# Thai sub-words. newmm keeps dictionary compounds whole (จดทะเบียนสมรส, ใบอนุญาต,
# สำนักงาน are one word each), so a query for ทะเบียน would not match. Method:
# * a word of at least 3 orthographic syllables (PyThaiNLP's syllable dictionary) is split
#   into the fewest dictionary words other than itself (maximal matching on Thai Character
#   Cluster boundaries; ties go to the most frequent words in the Thai National Corpus, so
#   สำนัก+งาน rather than สำ+นักงาน), and its parts are split again the same way;
# * a word of one or two syllables is an atom;
# * every run of adjacent atoms that is a dictionary word is emitted after the compound:
#   จดทะเบียนสมรส -> จด, ทะเบียน, สมรส, จดทะเบียน, ทะเบียนสมรส.
# Why: the dictionary also holds syllables such as ทะ, เบียน, สม, รส, ตา, ราง: 43,238 of its
# 62,106 words can be spelt with other dictionary words, and a second newmm pass with the
# remaining ones (measured) gives จด ทะ เบียน สม รส for จดทะเบียนสมรส and splits ทะเบียน,
# สมรส, ตาราง into meaningless syllables (false hits for ราง). TNC counts do not separate
# ทะ (1,494) from จด (1,641) either. The syllable threshold keeps two-syllable words
# whole and splits the compounds. Reviewed on the 432 distinct words of the demo Thai texts:
# 119 get sub-words, nearly all sensible (a known miss: อุตสาหกรรม -> อุตสาห + กรรม).
# Each distinct word is analysed once (lru_cache), so the cost is paid per vocabulary word.
_MIN_SPLIT_SYLLABLES = 3
_MIN_SPLIT_CHARS = 4

_thai_lock = threading.Lock()
_thai_state: dict[str, Any] = {}


def _thai() -> dict[str, Any]:
    """PyThaiNLP resources, loaded once on first use (~1-2 s: two tries, TNC counts)."""
    if not _thai_state:
        with _thai_lock:
            if not _thai_state:
                from pythainlp.corpus import thai_words, tnc
                from pythainlp.tokenize import newmm, syllable_tokenize, word_dict_trie
                from pythainlp.tokenize.tcc import tcc_pos

                trie = word_dict_trie()
                state = {
                    # newmm.segment is what word_tokenize(engine="newmm") runs; a Thai run
                    # has no spaces, digits or punctuation for its post-processors to fix.
                    # safe_mode only changes runs over a few hundred characters (chunks).
                    "segment": lambda text: newmm.segment(text, trie, safe_mode=True),
                    "trie": trie,
                    "words": thai_words(),
                    "syllables": lambda text: syllable_tokenize(text, engine="dict"),
                    "tcc_pos": tcc_pos,
                    # Thai National Corpus word counts, to choose between equally short splits.
                    "logfreq": {w: math.log1p(f) for w, f in tnc.word_freqs()},
                }
                _thai_state.update(state)
    return _thai_state


def _min_cover(word: str) -> list[str] | None:
    """The fewest dictionary words (other than ``word``) that spell ``word``, or None.

    Splits happen on Thai Character Cluster boundaries only; among equally short splits the
    most frequent words win (sum of log TNC counts): สำนัก+งาน, not สำ+นักงาน.
    """
    th = _thai()
    n = len(word)
    bounds = th["tcc_pos"](word)
    bounds.add(n)
    trie = th["trie"]
    logfreq = th["logfreq"]
    # best[i] = (parts, -sum of log counts) to spell word[:i]; smaller is better.
    best: dict[int, tuple[int, float]] = {0: (0, 0.0)}
    back: dict[int, int] = {}
    for i in [0, *sorted(bounds)]:
        if i not in best or i == n:
            continue
        parts, score = best[i]
        for w in trie.prefixes(word, i):
            j = i + len(w)
            if j not in bounds or len(w) == n:
                continue
            cand = (parts + 1, score - logfreq.get(w, 0.0))
            if j not in best or cand < best[j]:
                best[j] = cand
                back[j] = i
    if n not in best:
        return None
    cover = []
    j = n
    while j:
        i = back[j]
        cover.append(word[i:j])
        j = i
    cover.reverse()
    return cover


@lru_cache(maxsize=1 << 16)
def _thai_units(word: str) -> tuple[str, ...]:
    """The atoms of a Thai word: itself, or its recursive split if it is a compound."""
    if len(word) < _MIN_SPLIT_CHARS or len(_thai()["syllables"](word)) < _MIN_SPLIT_SYLLABLES:
        return (word,)
    cover = _min_cover(word)
    if cover is None:
        return (word,)
    units: list[str] = []
    for part in cover:
        units.extend(_thai_units(part))
    return tuple(units)


_SubWords = tuple[tuple[str, int, int], ...]  # (text, start, end) within the word


@lru_cache(maxsize=1 << 16)
def _thai_subwords(word: str) -> _SubWords:
    """Sub-words of a Thai word as ``(text, start, end)``, offsets within ``word``."""
    units = _thai_units(word)
    if len(units) < 2:
        return ()
    words = _thai()["words"]
    offsets = [0]
    for u in units:
        offsets.append(offsets[-1] + len(u))
    k = len(units)
    seen = {word}
    out = []
    for i in range(k):
        for j in range(i + 1, k + 1):
            sub = word[offsets[i] : offsets[j]]
            if sub in seen or (j - i > 1 and sub not in words):
                continue
            seen.add(sub)
            out.append((sub, offsets[i], offsets[j]))
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def _segment_thai_run(run: str) -> tuple[tuple[str, int, int, _SubWords], ...]:
    """newmm words of a Thai run as ``(word, start, end, subwords)``; cached, runs repeat."""
    out = []
    start = 0
    for w in _thai()["segment"](run):
        end = start + len(w)
        if _HAS_THAI_LETTER(w):  # drop ฯ, ๆ, ๏ ... standing alone
            out.append((w, start, end, _thai_subwords(w)))
        start = end
    return tuple(out)


# --------------------------------------------------------------------------- tokens


def _iter_spans(text: str, subwords: bool) -> Iterator[tuple[str, int, int, int]]:
    """``(token, position, start, end)`` over NFC ``text``; sub-words share a position."""
    low = text.lower().translate(_SIGNS)
    if len(low) != len(text):  # a rare letter (İ) lower-cases to two characters
        yield from ((t.lower(), p, a, b) for t, p, a, b in _iter_spans_lowered(text, subwords))
    else:
        yield from _iter_spans_lowered(low, subwords)


def _iter_spans_lowered(text: str, subwords: bool) -> Iterator[tuple[str, int, int, int]]:
    pos = 0
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            parts = _number_parts(m.group(), m.start())
            if parts is None:
                yield m.group(), pos, m.start(), m.end()
                pos += 1
            else:
                for part, a, b in parts:
                    yield part, pos, a, b
                    pos += 1
        elif kind == "code":
            tok = m.group()
            if _HAS_DIGIT(tok):
                yield tok.translate(_DASHES), pos, m.start(), m.end()
                pos += 1
            else:  # nam-nữ, NĐ-CP: no digit, so plain words
                for w in _WORD_RE.finditer(text, m.start(), m.end()):
                    yield w.group(), pos, w.start(), w.end()
                    pos += 1
        elif kind == "thai":
            base = m.start()
            for w, a, b, subs in _segment_thai_run(m.group()):
                yield w, pos, base + a, base + b
                if subwords:
                    for s, sa, sb in subs:
                        yield s, pos, base + a + sa, base + a + sb
                pos += 1
        else:  # thaiabbr: พ.ร.บ. and พ.ร.บ are the same token
            tok = m.group()
            end = m.end() - 1 if tok.endswith(".") else m.end()
            yield text[m.start() : end], pos, m.start(), end
            pos += 1


def _nfc_with_offsets(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """NFC ``text`` and, when normalising changed it, maps from NFC index to original index.

    Returns ``(nfc, starts, ends)``: ``starts[i]`` is where NFC character ``i``'s cluster
    begins in ``text``, ``ends[i]`` where it ends (None, None when ``text`` is NFC already).
    """
    if unicodedata.is_normalized("NFC", text):
        return text, None, None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    combining = unicodedata.combining
    while i < n:
        j = i + 1
        while j < n and combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        pieces.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    return "".join(pieces), starts, ends


def token_spans(text: str, *, subwords: bool = True) -> list[tuple[str, int, int, int]]:
    """Tokens with ``(token, position, startchar, endchar)``, offsets into ``text`` as given.

    For highlighters: offsets are valid for the caller's string even when it is not NFC.
    """
    nfc, starts, ends = _nfc_with_offsets(text)
    if starts is None or ends is None:
        return list(_iter_spans(nfc, subwords))
    return [(t, p, starts[a], ends[b - 1]) for t, p, a, b in _iter_spans(nfc, subwords)]


def tokenize(text: str, *, subwords: bool = True) -> list[str]:
    """The word tokens of ``text``: lower-cased, NFC, codes whole, Thai segmented.

    With ``subwords`` (the default, as at index time) the sub-words of Thai compounds follow
    the compound; query analysis passes ``subwords=False``.
    """
    return [t for t, _, _, _ in _iter_spans(unicodedata.normalize("NFC", text), subwords)]


def tokens_and_positions(text: str, *, subwords: bool = True) -> tuple[list[str], list[int]]:
    """The tokens of ``text`` as :func:`tokenize` gives them, and the position of each (Thai
    sub-words share their compound's); what the index stores for a text field."""
    spans = list(_iter_spans(unicodedata.normalize("NFC", text), subwords))
    return [span[0] for span in spans], [span[1] for span in spans]


def protect_codes(query_text: str) -> str:
    """Wrap codes and joined words (``123/2015/NĐ-CP``, ``TK1-TS``, ``nam-nữ``) in ``"``.

    Whoosh's default QueryParser splits a query on whitespace only and hands ``/``, ``.``
    and ``-`` inside a term to the analyzer, so codes already stay whole there; but with
    ``PlusMinusPlugin`` (``-word`` = NOT) ``123/2015/NĐ-CP`` parses as
    ``123/2015/nđ ANDNOT cp``. A quoted code is one token, i.e. the same Term query, and a
    quoted ``nam-nữ`` the phrase ``nam nữ``. Quoted or single-quoted text, prefixes
    (``1.00*``) and fuzzy terms (``x~``) are left alone.
    """
    out = []
    for k, part in enumerate(query_text.split('"')):
        if k % 2 == 0:  # outside double quotes
            part = _CODE_RE.sub(r'"\g<0>"', part)
        out.append(part)
    return '"'.join(out)


# --------------------------------------------------------------------------- Whoosh


class ProcedureTokenizer(Tokenizer):
    """Whoosh tokenizer around :func:`tokenize`: lower-cased tokens with positions and offsets.

    Thai sub-words share their compound's position (so phrases of whole words still match)
    and are left out when ``mode="query"`` (the query parser) so that a query word maps to
    the words the index holds for it.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        assert isinstance(value, str), f"{value!r} is not a str"
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.text = unicodedata.normalize("NFC", value).lower()
            t.boost = 1.0
            if keeporiginal:
                t.original = value
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        if chars:
            text, starts, ends = _nfc_with_offsets(value)
        else:
            text, starts, ends = unicodedata.normalize("NFC", value), None, None
        for tok, pos, a, b in _iter_spans(text, mode != "query"):
            t.text = tok
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text[a:b]
            if positions:
                t.pos = start_pos + pos
            if chars:
                if starts is not None and ends is not None:
                    a, b = starts[a], ends[b - 1]
                t.startchar = start_char + a
                t.endchar = start_char + b
            yield t


class VietnameseFoldingFilter(Filter):
    """Replaces each token's text with :func:`fold_vietnamese` of it."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold_token(t.text)
            yield t


def exact_analyzer() -> CompositeAnalyzer:
    """Tokens as :func:`tokenize` gives them (lower-cased, accents kept, no stop words)."""
    return CompositeAnalyzer(ProcedureTokenizer())


def folded_analyzer() -> CompositeAnalyzer:
    """The exact tokens without Vietnamese diacritics: ``đăng ký`` and ``dang ky`` match."""
    return CompositeAnalyzer(ProcedureTokenizer(), VietnameseFoldingFilter())


# English: Whoosh's default word pattern plus codes kept whole, like the other analyzers
# (``Decree 123/2015/ND-CP``); the lookahead requires a digit in a code.
_ENGLISH_PATTERN = (
    r"(?=(?:[^\W\d_]|[./\-])*\d)\w+(?:[./\-]\w+)+"  # a code: joined parts with a digit
    r"|[\w\*]+(?:\.?[\w\*]+)*"  # Whoosh's default_pattern
)


def english_analyzer() -> Analyzer:
    """Whoosh's StemmingAnalyzer (Porter stemming, no stop words), codes kept whole."""
    # No stop list: with all words required, a dropped "for" in the English field would still
    # be required in the others, and "work permit for foreign workers" would find nothing.
    return StemmingAnalyzer(expression=_ENGLISH_PATTERN, stoplist=None)
