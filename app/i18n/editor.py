"""The in-app catalog editor (in the spirit of django-rosetta): statistics, filtered pages of
entries, and saving one entry safely.

A save runs the :func:`app.i18n.catalogs.check_entry` rules, refuses a stale edit (each form
carries the hash of the msgstr the translator started from), and stores the catalog, with its
header stamped, as the next revision in the database (:mod:`app.i18n.stored`); a concurrent
save of the same locale takes another number, and this one is read again and retried. Every
process loads the new revision within ``CATALOG_CHECK_SECONDS`` (the saving one at once).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext

from app.i18n import catalogs, stored

PAGE_SIZE = 50
# "todo": untranslated or fuzzy, what needs work; the editor opens on it when there is any.
FILTERS = ("todo", "untranslated", "fuzzy", "all")
# Where an entry is used: at most this many source references are shown.
SHOWN_LOCATIONS = 5
# The translation shown beside the English source while translating a locale.
REFERENCE_LOCALES = {"th": "vi", "vi": "th", "en": "vi"}


def editor_dir() -> Path:
    """The folder of the source catalogs the stored ones are merged onto (never written)."""
    return stored.source_dir()


def editable_locales() -> tuple[str, ...]:
    return tuple(current_app.config["SUPPORTED_LOCALES"])


def allowed_locales(user) -> tuple[str, ...]:
    """The locales a user may edit: admins every one; a translator those set on the account
    (none set means all)."""
    locales = editable_locales()
    if user.has_role("admin"):
        return locales
    chosen = [code.strip() for code in (user.translator_locales or "").split(",") if code.strip()]
    return tuple(code for code in locales if not chosen or code in chosen)


def _forms(message) -> list[str]:
    return [message.string or ""] if isinstance(message.string, str) or message.string is None \
        else [form or "" for form in message.string]


def entry_key(message) -> str:
    """A stable identifier of an entry: its context and msgid."""
    raw = json.dumps([message.context, message.id], ensure_ascii=False)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def msgstr_hash(forms: list[str]) -> str:
    return hashlib.sha256(json.dumps(forms, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


@dataclass
class Entry:
    key: str
    msgid: str
    msgid_plural: str | None
    context: str | None
    forms: list[str]
    fuzzy: bool
    comments: list[str]
    previous: str | None
    base: str = ""
    errors: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)  # "templates/x.html:12", the first few
    more_locations: int = 0
    reference: list[str] = field(default_factory=list)  # the reference locale's translation

    @property
    def plural(self) -> bool:
        return self.msgid_plural is not None

    @property
    def status(self) -> str:
        if self.fuzzy:
            return "fuzzy"
        return "translated" if all(self.forms) and self.forms else "untranslated"


def _entry(message, plural_count: int) -> Entry:
    plural = isinstance(message.id, (tuple, list))
    forms = _forms(message)
    if plural and len(forms) < plural_count:
        forms = forms + [""] * (plural_count - len(forms))
    previous = message.previous_id[0] if message.previous_id else None
    places = [f"{path}:{line}" if line else str(path) for path, line in message.locations]
    return Entry(key=entry_key(message), msgid=message.id[0] if plural else message.id,
                 msgid_plural=message.id[1] if plural else None, context=message.context, forms=forms,
                 fuzzy=message.fuzzy, comments=list(message.auto_comments), previous=previous,
                 base=msgstr_hash(_forms(message)), locations=places[:SHOWN_LOCATIONS],
                 more_locations=max(0, len(places) - SHOWN_LOCATIONS))


def needs_work(entry: Entry) -> bool:
    return entry.status != "translated"


def default_reference(locale: str) -> str | None:
    reference = REFERENCE_LOCALES.get(locale)
    return reference if reference and reference != locale and has_catalog(reference) else None


def _with_reference(found: list[Entry], reference_catalog) -> None:
    for entry in found:
        message = reference_catalog.get(entry.msgid if entry.msgid_plural is None
                                        else (entry.msgid, entry.msgid_plural), context=entry.context)
        if message is not None and "fuzzy" not in message.flags:
            entry.reference = [form for form in _forms(message) if form]


def load(locale: str):
    return stored.load(locale)[0]


def has_catalog(locale: str) -> bool:
    return stored.exists(locale)


def locale_stats() -> list[catalogs.Stats]:
    return [catalogs.stats(load(locale), locale) for locale in editable_locales() if has_catalog(locale)]


def po_text(locale: str) -> str:
    """The catalog as the app shows it, as a .po file (for download)."""
    return stored.render(load(locale))


@dataclass
class EntryPage:
    entries: list[Entry]
    total: int
    page: int
    pages: int
    stats: catalogs.Stats


def opening_filter(locale: str) -> str:
    """What the editor shows when no filter is chosen: the entries that need work, if any."""
    catalog = load(locale)
    return "todo" if any(needs_work(_entry(message, catalog.num_plurals)) for message in catalog if message.id) \
        else "all"


def entries(locale: str, status: str = "untranslated", query: str = "", page: int = 1,
            reference: str | None = None) -> EntryPage:
    catalog = load(locale)
    needle = query.strip().casefold()
    found = []
    for message in catalog:
        if not message.id:
            continue
        entry = _entry(message, catalog.num_plurals)
        if status == "todo" and not needs_work(entry):
            continue
        if status == "untranslated" and entry.status != "untranslated":
            continue
        if status == "fuzzy" and not entry.fuzzy:
            continue
        if needle:
            haystack = " ".join([entry.msgid, entry.msgid_plural or "", entry.context or "", *entry.forms])
            if needle not in haystack.casefold():
                continue
        found.append(entry)
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    if reference and reference != locale and has_catalog(reference):
        _with_reference(shown, load(reference))
    return EntryPage(shown, len(found), page, pages, catalogs.stats(catalog, locale))


def next_to_do(locale: str, after_key: str | None = None) -> tuple[Entry, int] | None:
    """The next entry that needs work after ``after_key`` in catalog order (from the start
    without one, wrapping around), with its page in the "todo" list; None when none is left."""
    catalog = load(locale)
    everything = [_entry(message, catalog.num_plurals) for message in catalog if message.id]
    todo = [entry for entry in everything if needs_work(entry) and entry.key != after_key]
    if not todo:
        return None
    keys = [entry.key for entry in everything]
    position = keys.index(after_key) if after_key in keys else -1
    order = {entry.key: index for index, entry in enumerate(everything)}
    later = [entry for entry in todo if order[entry.key] > position]
    entry = later[0] if later else todo[0]
    rank = [candidate.key for candidate in everything if needs_work(candidate)].index(entry.key)
    return entry, rank // PAGE_SIZE + 1


class EntryNotFound(LookupError):
    pass


class EntryRefused(ValueError):
    def __init__(self, entry: Entry, problems: list[str]):
        super().__init__("; ".join(problems))
        self.entry = entry
        self.problems = problems


class EditConflict(Exception):
    """The stored translation changed since the translator loaded it."""

    def __init__(self, stored: Entry, attempted: Entry):
        super().__init__("conflict")
        self.stored = stored
        self.attempted = attempted


@dataclass
class SaveResult:
    entry: Entry
    changed: bool
    old: dict | None = None
    new: dict | None = None


def find_entry(locale: str, key: str) -> Entry:
    catalog = load(locale)
    for message in catalog:
        if message.id and entry_key(message) == key:
            return _entry(message, catalog.num_plurals)
    raise EntryNotFound(key)


def save_entry(locale: str, key: str, forms: list[str], fuzzy: bool, base: str, *, translator: str) -> SaveResult:
    """Check and store one entry as a new revision of the catalog (the caller commits); raise
    EntryNotFound, EntryRefused or EditConflict."""
    for _attempt in range(5):
        try:
            return _save_once(locale, key, forms, fuzzy, base, translator=translator)
        except stored.RevisionTaken:
            continue  # another entry of this locale was saved a moment earlier: apply ours on top
    raise EditConflict(find_entry(locale, key), find_entry(locale, key))


def _save_once(locale: str, key: str, forms: list[str], fuzzy: bool, base: str, *, translator: str) -> SaveResult:
    catalog, revision = stored.load(locale)
    message = next((m for m in catalog if m.id and entry_key(m) == key), None)
    if message is None:
        raise EntryNotFound(key)
    stored_entry = _entry(message, catalog.num_plurals)
    attempted = _entry(message, catalog.num_plurals)
    attempted.forms, attempted.fuzzy, attempted.base = list(forms), fuzzy, base
    if base != stored_entry.base:
        attempted.base = stored_entry.base  # taking either side submits against the stored one
        raise EditConflict(stored_entry, attempted)
    plural = isinstance(message.id, (tuple, list))
    msgstr = tuple(forms) if plural else (forms[0] if len(forms) == 1 else forms)
    # Why a translation is refused, in the translator's interface language.
    problems = catalogs.check_entry(message.id, msgstr, plural_count=catalog.num_plurals, _=gettext)
    if problems:
        raise EntryRefused(attempted, problems)
    if list(forms) == _forms(message) and fuzzy == message.fuzzy:
        return SaveResult(stored_entry, changed=False)
    old = {"msgstr": _forms(message), "fuzzy": message.fuzzy}
    message.string = msgstr
    if fuzzy:
        message.flags.add("fuzzy")
    else:
        message.flags.discard("fuzzy")
        message.previous_id = []
    catalog.revision_date = datetime.now(UTC)
    catalog.last_translator = translator
    stored.add_revision(locale, catalog, revision + 1, translator)
    return SaveResult(_entry(message, catalog.num_plurals), changed=True, old=old,
                      new={"msgstr": list(forms), "fuzzy": fuzzy})
