"""The in-app catalog editor (in the spirit of django-rosetta): statistics, filtered pages of
entries, and saving one entry safely.

A save runs the :func:`app.i18n.catalogs.check_entry` rules, refuses a stale edit (each form
carries the hash of the msgstr the translator started from), and writes under an exclusive file
lock: a backup copy (``messages.po.bak``), the .po through a temporary file and ``os.replace``,
the stamped header, then the compiled .mo. Every process notices a changed .mo on its next
request (:func:`refresh_if_changed`) and drops Flask-Babel's cached translations
(python-babel/flask-babel issue #180).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from app.i18n import catalogs

PAGE_SIZE = 50
FILTERS = ("untranslated", "fuzzy", "all")


def editor_dir() -> Path:
    """The folder the editor reads and writes: the first folder the app loads catalogs from."""
    configured = current_app.config.get("TRANSLATION_EDITOR_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])


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
    return Entry(key=entry_key(message), msgid=message.id[0] if plural else message.id,
                 msgid_plural=message.id[1] if plural else None, context=message.context, forms=forms,
                 fuzzy=message.fuzzy, comments=list(message.auto_comments), previous=previous,
                 base=msgstr_hash(_forms(message)))


def load(locale: str):
    return catalogs.read_catalog(catalogs.po_path(locale, editor_dir()), locale)


def locale_stats() -> list[catalogs.Stats]:
    result = []
    for locale in editable_locales():
        path = catalogs.po_path(locale, editor_dir())
        if path.exists():
            result.append(catalogs.stats(catalogs.read_catalog(path, locale), locale))
    return result


@dataclass
class EntryPage:
    entries: list[Entry]
    total: int
    page: int
    pages: int
    stats: catalogs.Stats


def entries(locale: str, status: str = "untranslated", query: str = "", page: int = 1) -> EntryPage:
    catalog = load(locale)
    needle = query.strip().casefold()
    found = []
    for message in catalog:
        if not message.id:
            continue
        entry = _entry(message, catalog.num_plurals)
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
    return EntryPage(found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], len(found), page, pages,
                     catalogs.stats(catalog, locale))


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


@contextmanager
def locked(path: Path):
    """An exclusive lock beside the catalog: two saves (threads or processes) never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def find_entry(locale: str, key: str) -> Entry:
    catalog = load(locale)
    for message in catalog:
        if message.id and entry_key(message) == key:
            return _entry(message, catalog.num_plurals)
    raise EntryNotFound(key)


def save_entry(locale: str, key: str, forms: list[str], fuzzy: bool, base: str, *, translator: str) -> SaveResult:
    """Check and write one entry; raise EntryNotFound, EntryRefused or EditConflict."""
    path = catalogs.po_path(locale, editor_dir())
    with locked(path):
        catalog = catalogs.read_catalog(path, locale)
        message = next((m for m in catalog if m.id and entry_key(m) == key), None)
        if message is None:
            raise EntryNotFound(key)
        stored = _entry(message, catalog.num_plurals)
        attempted = _entry(message, catalog.num_plurals)
        attempted.forms, attempted.fuzzy, attempted.base = list(forms), fuzzy, base
        if base != stored.base:
            attempted.base = stored.base  # taking either side submits against the stored one
            raise EditConflict(stored, attempted)
        plural = isinstance(message.id, (tuple, list))
        msgstr = tuple(forms) if plural else (forms[0] if len(forms) == 1 else forms)
        problems = catalogs.check_entry(message.id, msgstr, plural_count=catalog.num_plurals)
        if problems:
            raise EntryRefused(attempted, problems)
        if list(forms) == _forms(message) and fuzzy == message.fuzzy:
            return SaveResult(stored, changed=False)
        old = {"msgstr": _forms(message), "fuzzy": message.fuzzy}
        message.string = msgstr
        if fuzzy:
            message.flags.add("fuzzy")
        else:
            message.flags.discard("fuzzy")
            message.previous_id = []
        catalog.revision_date = datetime.now(UTC)
        catalog.last_translator = translator
        if path.exists():
            shutil.copy2(path, path.with_name(path.name + ".bak"))
        catalogs.write_catalog(path, catalog)
        catalogs.compile_catalogs(editor_dir(), locales=[locale])
        return SaveResult(_entry(message, catalog.num_plurals), changed=True, old=old,
                          new={"msgstr": list(forms), "fuzzy": fuzzy})


# --- every process picks up a changed catalog -----------------------------------------------

def _signature(app) -> tuple:
    parts = []
    for folder in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        for locale_dir in sorted(Path(folder).glob("*/LC_MESSAGES")):
            mo = locale_dir / f"{catalogs.DOMAIN}.mo"
            try:
                st = os.stat(mo)
            except OSError:
                continue
            parts.append((str(mo), st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(parts)


def refresh_if_changed() -> None:
    """``before_request``: drop Flask-Babel's cached translations when a .mo file changed
    (in this process or another), so a saved translation shows at once everywhere."""
    app = current_app._get_current_object()
    signature = _signature(app)
    state = app.extensions.setdefault("catalog_editor", {})
    if state.get("signature") != signature:
        if "signature" in state:
            app.extensions["babel"].instance.domain_instance.cache.clear()
        state["signature"] = signature
