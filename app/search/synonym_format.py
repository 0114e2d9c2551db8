"""The plain-text format of the synonym lists: reading it, checking it, writing it.

One entry per line; ``#`` starts a comment; ``[vi]``, ``[th]`` or ``[en]`` starts the list of a
language (a file may hold several; the admin page edits one language and needs none)::

    [vi]
    bằng lái, giấy phép lái xe, gplx        # both ways: each term also finds the others
    tncn => thu nhập cá nhân               # one way: tncn also finds "thu nhập cá nhân"
    sổ đỏ, sổ hồng => giấy chứng nhận quyền sử dụng đất

A term is a word or a phrase. Terms are kept lower-cased, NFC, with single spaces. A list is
refused as a whole, each problem named with its line: an empty term, a term of more than
``MAX_TERM_WORDS`` words, a line over ``MAX_LINE_CHARS`` characters, more than
``MAX_TERMS`` terms in an entry, more than ``MAX_ENTRIES`` entries in a language, and one-way
entries that lead back to where they started (``a => b`` with ``b => a``, or with ``a, b``).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

LANGUAGES = ("vi", "th", "en")
MAX_LINE_CHARS = 500
MAX_TERM_WORDS = 8
MAX_TERMS = 20
MAX_ENTRIES = 5000
MAX_ERRORS = 50
ARROW = "=>"

_SECTION_RE = re.compile(r"^\[\s*([A-Za-z]+)\s*\]$")
_SPACES_RE = re.compile(r"\s+")
_LETTER_RE = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Entry:
    """One line of a list: ``terms`` find each other (both ways), or, when ``targets`` is not
    None, each of ``terms`` also finds each of ``targets`` (one way)."""

    lang: str
    terms: tuple[str, ...]
    targets: tuple[str, ...] | None = None
    line: int = field(default=0, compare=False)  # where it was read; not part of its meaning

    @property
    def one_way(self) -> bool:
        return self.targets is not None

    def text(self) -> str:
        """The entry as a line of the format."""
        left = ", ".join(self.terms)
        return f"{left} {ARROW} {', '.join(self.targets)}" if self.targets is not None else left


@dataclass(frozen=True)
class Problem:
    line: int
    message: str  # translated when shown (a lazy string)

    def __str__(self) -> str:
        return str(_l("Line %(line)s: %(problem)s", line=self.line, problem=self.message))


@dataclass
class ParsedLists:
    entries: dict[str, list[Entry]] = field(default_factory=dict)  # language -> entries, in order
    problems: list[Problem] = field(default_factory=list)


def normalise_term(text: str) -> str:
    return _SPACES_RE.sub(" ", unicodedata.normalize("NFC", text)).strip().lower()


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0].strip()


def parse(text: str, language: str | None = None) -> ParsedLists:
    """Read ``text``. With ``language`` the whole text is that language's list (section
    headers are refused); without, every entry must follow a ``[vi]``/``[th]``/``[en]`` line."""
    result = ParsedLists(entries={language: []} if language else {})
    current = language
    problems = result.problems
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > MAX_LINE_CHARS:
            problems.append(Problem(number, _l("the line is longer than %(max)s characters", max=MAX_LINE_CHARS)))
            continue
        line = _strip_comment(raw)
        if not line:
            continue
        section = _SECTION_RE.match(line)
        if section:
            name = section.group(1).lower()
            if language:
                problems.append(Problem(number, _l("a language heading is not needed here: this list is one language")))
            elif name not in LANGUAGES:
                problems.append(Problem(number, _l("unknown language %(name)s (use vi, th or en)", name=name)))
            else:
                current = name
                result.entries.setdefault(name, [])
            continue
        if current is None:
            problems.append(Problem(number, _l("no language yet: start the list with a line [vi], [th] or [en]")))
            continue
        entry = _parse_entry(current, number, line, problems)
        if entry is not None:
            result.entries[current].append(entry)
    for lang, entries in result.entries.items():
        if len(entries) > MAX_ENTRIES:
            problems.append(Problem(entries[MAX_ENTRIES].line,
                                    _l("too many entries: at most %(max)s per language", max=MAX_ENTRIES)))
        else:
            problems.extend(_loops(entries))
    problems.sort(key=lambda problem: problem.line)
    del problems[MAX_ERRORS:]
    return result


def _parse_entry(lang: str, number: int, line: str, problems: list[Problem]) -> Entry | None:
    sides = line.split(ARROW)
    if len(sides) > 2:
        problems.append(Problem(number, _l("more than one => in an entry")))
        return None
    parsed: list[tuple[str, ...]] = []
    for side in sides:
        terms = tuple(normalise_term(term) for term in side.split(","))
        if any(not term for term in terms):
            problems.append(Problem(number, _l("an empty term (two commas in a row, or nothing before or after =>)")))
            return None
        for term in terms:
            # Words as typed (space-separated): checking needs no Thai segmentation, which
            # loads a dictionary; the search side tokenizes each term when it compiles the lists.
            if not _LETTER_RE.search(term):
                problems.append(Problem(number, _l("the term %(term)s has no letters or digits", term=term)))
                return None
            if len(term.split()) > MAX_TERM_WORDS:
                problems.append(Problem(number, _l("a term of more than %(max)s words", max=MAX_TERM_WORDS)))
                return None
        parsed.append(tuple(dict.fromkeys(terms)))
    if sum(len(terms) for terms in parsed) > MAX_TERMS:
        problems.append(Problem(number, _l("more than %(max)s terms in one entry", max=MAX_TERMS)))
        return None
    if len(parsed) == 1:
        if len(parsed[0]) < 2:
            problems.append(Problem(number, _l("an entry needs two terms or more (a, b) or a one-way rule (a => b)")))
            return None
        return Entry(lang, parsed[0], None, number)
    return Entry(lang, parsed[0], parsed[1], number)


def _loops(entries: list[Entry]) -> list[Problem]:
    """One-way rules that lead back to where they started. Terms joined by a both-ways entry
    count as one: ``a, b`` with ``a => b`` is a loop too."""
    parent: dict[str, str] = {}

    def find(term: str) -> str:
        parent.setdefault(term, term)
        while parent[term] != term:
            parent[term] = parent[parent[term]]
            term = parent[term]
        return term

    for entry in entries:
        if not entry.one_way:
            for term in entry.terms[1:]:
                parent[find(term)] = find(entry.terms[0])
    problems = []
    edges: dict[str, set[str]] = {}
    for entry in entries:
        if not entry.one_way:
            continue
        assert entry.targets is not None
        sources = {find(term) for term in entry.terms}
        targets = {find(term) for term in entry.targets}
        closing = next((t for t in targets if t in sources or any(_reaches(edges, t, s) for s in sources)), None)
        if closing is not None:
            problems.append(Problem(entry.line, _l("a loop: %(term)s leads back to itself through this entry",
                                                   term=entry.terms[0])))
            continue
        for source in sources:
            edges.setdefault(source, set()).update(targets)
    return problems


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in edges.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def format_lists(lists: dict[str, Iterable[Entry]], header: str = "") -> str:
    """The lists as a file of the format, one ``[language]`` section each."""
    out = [f"# {line}" if line else "#" for line in header.splitlines()]
    for lang in LANGUAGES:
        if lang not in lists:
            continue
        if out:
            out.append("")
        out.append(f"[{lang}]")
        out.extend(entry.text() for entry in lists[lang])
    return "\n".join(out) + "\n"


def format_entries(entries: Iterable[Entry]) -> str:
    """One language's entries, one a line (what the admin page edits)."""
    return "".join(entry.text() + "\n" for entry in entries)
