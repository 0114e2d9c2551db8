"""Storing, reading, importing and exporting the synonym lists; the admin page, the CLI and the
tests call these. Every change is all or nothing, raises the revision row in the same
transaction and writes an audit row per language changed. Callers commit."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select, update

from app.audit import services as audit
from app.extensions import db
from app.search import synonym_format as fmt
from app.search.models import SynonymEntry, SynonymRevision

DATA_DIR = Path(__file__).resolve().parent / "data"
STARTER_FILE = DATA_DIR / "synonyms.txt"
MAX_TEXT_CHARS = 4_000_000  # read no further; real lists are a few hundred kilobytes at most
EXPORT_HEADER = """Search synonyms, one entry per line ("#" starts a comment).
[vi], [th], [en] start the list of a language.
  a, b, c       both ways: each term also finds the others
  a, b => c     one way: a and b also find c, not the reverse
flask search synonyms import FILE replaces the lists of the languages the file names."""


class SynonymListError(ValueError):
    """A list that cannot be stored; ``problems`` name the lines."""

    def __init__(self, problems: list[fmt.Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


class SynonymConflict(RuntimeError):
    """The lists changed since the editor loaded them."""


@lru_cache(maxsize=1)
def starter_lists() -> dict[str, tuple[fmt.Entry, ...]]:
    """The starter set shipped with the app (``data/synonyms.txt``)."""
    parsed = fmt.parse(STARTER_FILE.read_text(encoding="utf-8"))
    if parsed.problems:  # a broken data file is a bug of the release, not a user error
        raise RuntimeError(f"{STARTER_FILE}: {parsed.problems[0]}")
    return {lang: tuple(entries) for lang, entries in parsed.entries.items()}


def revision() -> int | None:
    """The lists' revision as this transaction sees it; None while they were never stored."""
    return db.session.scalar(select(SynonymRevision.seq).where(SynonymRevision.id == 1))


def stored() -> bool:
    return revision() is not None


def current_lists() -> dict[str, tuple[fmt.Entry, ...]]:
    """Every language's entries in order: the stored lists, or the starter set before any."""
    if revision() is None:
        return starter_lists()
    return _stored_lists()


def _stored_lists() -> dict[str, tuple[fmt.Entry, ...]]:
    lists: dict[str, list[fmt.Entry]] = {lang: [] for lang in fmt.LANGUAGES}
    rows = db.session.execute(select(SynonymEntry.lang, SynonymEntry.line)
                              .order_by(SynonymEntry.lang, SynonymEntry.position))
    for lang, line in rows:
        parsed = fmt.parse(line, language=lang)  # stored lines were checked when saved
        lists.setdefault(lang, []).extend(parsed.entries.get(lang, []))
    return {lang: tuple(entries) for lang, entries in lists.items()}


@dataclass
class SaveResult:
    revision: int
    changed: dict[str, tuple[int, int]]  # language -> (lines added, lines removed)


def save_language(lang: str, text: str, actor, expected_revision: int | None = None) -> SaveResult:
    """Replace one language's list with ``text`` (entries only, no ``[lang]`` heading)."""
    if lang not in fmt.LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    if len(text) > MAX_TEXT_CHARS:
        raise SynonymListError([fmt.Problem(1, _l("the list is longer than %(max)s characters", max=MAX_TEXT_CHARS))])
    parsed = fmt.parse(text, language=lang)
    if parsed.problems:
        raise SynonymListError(parsed.problems)
    return _replace(parsed.entries, actor, expected_revision)


def import_text(text: str, actor) -> SaveResult:
    """Replace the lists of the languages that ``text`` (the file format) has sections for."""
    if len(text) > MAX_TEXT_CHARS:
        raise SynonymListError([fmt.Problem(1, _l("the list is longer than %(max)s characters", max=MAX_TEXT_CHARS))])
    parsed = fmt.parse(text)
    if parsed.problems:
        raise SynonymListError(parsed.problems)
    if not parsed.entries:
        raise SynonymListError([fmt.Problem(1, _l("the file names no language: no [vi], [th] or [en] line"))])
    return _replace(parsed.entries, actor, None, action="search.synonyms_imported")


def export_text() -> str:
    """The current lists (the starter set before any was stored) in the file format."""
    return fmt.format_lists(current_lists(), header=EXPORT_HEADER)


def store_starter_set(actor=None) -> bool:
    """Store the starter set when the lists were never stored (``flask bootstrap``)."""
    if stored():
        return False
    _replace({lang: list(entries) for lang, entries in starter_lists().items()}, actor, 0,
             action="search.synonyms_starter_loaded")
    return True


def _replace(lists: dict[str, list[fmt.Entry]], actor, expected_revision: int | None,
             action: str = "search.synonyms_saved") -> SaveResult:
    was_stored = revision() is not None
    seq = _raise_revision(expected_revision, was_stored)  # first: it serialises concurrent saves
    before = _stored_lists() if was_stored else starter_lists()
    changed = {}
    for lang in fmt.LANGUAGES:
        if lang in lists:
            new = [entry.text() for entry in lists[lang]]
        elif not was_stored:
            new = [entry.text() for entry in before.get(lang, ())]  # the first save keeps the starter set
        else:
            continue
        old = [entry.text() for entry in before.get(lang, ())]
        db.session.execute(delete(SynonymEntry).where(SynonymEntry.lang == lang))
        if new:
            db.session.execute(insert(SynonymEntry), [{"lang": lang, "position": number, "line": line}
                                                     for number, line in enumerate(new, start=1)])
        old_set, new_set = set(old), set(new)
        added = [line for line in new if line not in old_set]
        removed = [line for line in old if line not in new_set]
        if lang in lists:
            changed[lang] = (len(added), len(removed))
            audit.record(actor, action, "search_synonyms", lang, old={"removed": removed},
                         new={"added": added, "entries": len(new)})
    return SaveResult(seq, changed)


def _raise_revision(expected: int | None, was_stored: bool) -> int:
    """Raise the revision row (created with a random start the first time, so that a re-created
    row does not repeat numbers a process may have cached); SynonymConflict when it is not
    ``expected`` (None: any)."""
    if not was_stored:
        if expected not in (None, 0):
            raise SynonymConflict()
        start = secrets.randbelow(2**30) + 1
        if not db.session.execute(_insert_ignoring_conflict().values(id=1, seq=start)).rowcount:
            raise SynonymConflict()  # another save created it a moment ago
        return start
    stmt = update(SynonymRevision).where(SynonymRevision.id == 1)
    if expected is not None:
        stmt = stmt.where(SynonymRevision.seq == expected)
    if not db.session.execute(stmt.values(seq=SynonymRevision.seq + 1)).rowcount:
        raise SynonymConflict()
    return db.session.scalar(select(SynonymRevision.seq).where(SynonymRevision.id == 1))


def _insert_ignoring_conflict():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(SynonymRevision).on_conflict_do_nothing(index_elements=["id"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(SynonymRevision).on_conflict_do_nothing(index_elements=["id"])
    return insert(SynonymRevision)
