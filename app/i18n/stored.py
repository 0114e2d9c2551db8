"""Catalogs saved by the in-app editor live in the database, one row per revision (locale,
revision, the whole .po text, author, time), so every process on every node sees them and a
redeploy keeps them. The ``.po`` files in ``translations/`` stay the source developers extract
into; ``flask translate export`` writes the database's catalogs back there. Nothing writes the
code tree at run time.

What a process shows: the compiled catalogs of the source folder, overlaid by the newest
stored revision of each locale, compiled into a folder of this process's own (added last to
Flask-Babel's folders, so its entries win). ``refresh_if_changed`` (before every request)
compares the stored revisions at most every ``CATALOG_CHECK_SECONDS`` (one small query) and,
when one moved, compiles it and drops Flask-Babel's cached translations
(python-babel/flask-babel issue #180).

A stored catalog is read merged onto the source file: the source's entries (so strings added
by a deploy appear), each with the stored translation where it has one.
"""
from __future__ import annotations

import atexit
import io
import shutil
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask, current_app
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.i18n import catalogs
from app.timeutil import utcnow


KEEP_REVISIONS = 20  # per locale; the audit log keeps every change


class StoredCatalog(db.Model):
    """One saved revision of a locale's catalog."""

    __tablename__ = "translation_catalog"
    __table_args__ = (UniqueConstraint("locale", "revision", name="uq_translation_catalog_locale_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locale: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200), default="")
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def source_dir() -> Path:
    """The folder of the source catalogs: the first folder the app loads catalogs from."""
    configured = current_app.config.get("TRANSLATION_EDITOR_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")[0])


def newest(locale: str) -> StoredCatalog | None:
    return db.session.scalars(select(StoredCatalog).where(StoredCatalog.locale == locale)
                              .order_by(StoredCatalog.revision.desc()).limit(1)).first()


def revisions() -> dict[str, int]:
    """The newest stored revision of every locale that has one."""
    rows = db.session.execute(select(StoredCatalog.locale, func.max(StoredCatalog.revision))
                              .group_by(StoredCatalog.locale))
    return {locale: revision for locale, revision in rows}


def _signature() -> dict[str, tuple]:
    """What tells a process that a catalog changed: its newest revision and save time (the time
    too, so that a restored or emptied table starting again at revision 1 is noticed)."""
    rows = db.session.execute(select(StoredCatalog.locale, func.max(StoredCatalog.revision),
                                     func.max(StoredCatalog.saved_at)).group_by(StoredCatalog.locale))
    return {locale: (revision, str(saved)) for locale, revision, saved in rows}


def parse(content: str, locale: str) -> Catalog:
    return read_po(io.BytesIO(content.encode("utf-8")), locale=None if locale == catalogs.PSEUDO_LOCALE else locale,
                   domain=catalogs.DOMAIN)


def render(catalog: Catalog) -> str:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=catalogs.PO_WIDTH)
    return buffer.getvalue().decode("utf-8")


def exists(locale: str) -> bool:
    return catalogs.po_path(locale, source_dir()).exists() or newest(locale) is not None


def load(locale: str) -> tuple[Catalog, int]:
    """(the catalog as the editor shows it, its stored revision: 0 when none is stored)."""
    path = catalogs.po_path(locale, source_dir())
    stored = newest(locale)
    if stored is None:
        return catalogs.read_catalog(path, locale), 0
    saved = parse(stored.content, locale)
    if not path.exists():
        return saved, stored.revision
    merged = catalogs.read_catalog(path, locale)
    for message in merged:
        if not message.id:
            continue
        kept = saved.get(message.id, context=message.context)
        if kept is not None:
            message.string = kept.string
            message.flags = set(kept.flags)
            message.previous_id = list(kept.previous_id)
    merged.revision_date = saved.revision_date
    merged.last_translator = saved.last_translator
    return merged, stored.revision


class RevisionTaken(Exception):
    """Another save stored the next revision first; read again and retry."""


def add_revision(locale: str, catalog: Catalog, revision: int, author: str) -> StoredCatalog:
    """Store ``catalog`` as ``revision`` of ``locale`` (the caller commits); ``RevisionTaken``
    when a concurrent save took that number."""
    from sqlalchemy.exc import IntegrityError

    row = StoredCatalog(locale=locale, revision=revision, content=render(catalog), author=author[:200],
                        saved_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()  # nothing else is pending in a save: the request only reads before it
        raise RevisionTaken(locale) from exc
    old = select(StoredCatalog.id).where(StoredCatalog.locale == locale,
                                         StoredCatalog.revision <= revision - KEEP_REVISIONS)
    db.session.execute(StoredCatalog.__table__.delete().where(StoredCatalog.id.in_(old)))
    return row


def export(directory: Path, locales=None) -> list[Path]:
    """Write the stored catalogs (merged onto the sources) as ``.po`` files under ``directory``."""
    written = []
    for locale, _revision in sorted(revisions().items()):
        if locales and locale not in locales:
            continue
        catalog, _ = load(locale)
        path = catalogs.po_path(locale, directory)
        catalogs.write_catalog(path, catalog)
        written.append(path)
    return written


# --- every process shows the newest stored catalogs -----------------------------------------

_runtime_lock = threading.Lock()


def _runtime_dir(app: Flask) -> Path:
    state = app.extensions.setdefault("stored_catalogs", {})
    if "folder" not in state:
        folder = Path(tempfile.mkdtemp(prefix="prw-catalogs-"))
        atexit.register(shutil.rmtree, folder, True)
        # Last in the list: Flask-Babel merges the folders in order, so these entries win.
        app.extensions["babel"].translation_directories.append(str(folder))
        state["folder"] = folder
    return state["folder"]


def _install(app: Flask, locale: str) -> None:
    catalog, _ = load(locale)
    target = catalogs.po_path(locale, _runtime_dir(app)).with_suffix(".mo")
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(buffer.getvalue())
    partial.replace(target)


def refresh_if_changed(force: bool = False) -> None:
    """``before_request``: load the stored catalogs that changed since this process last looked
    (looking at most every ``CATALOG_CHECK_SECONDS``)."""
    app = current_app._get_current_object()
    state = app.extensions.setdefault("stored_catalogs", {})
    now = time.monotonic()
    if not force and now - state.get("checked", -1e9) < app.config.get("CATALOG_CHECK_SECONDS", 1.0):
        return
    with _runtime_lock:
        state["checked"] = now
        current = _signature()
        if current == state.get("revisions", {}):
            return
        for locale, revision in current.items():
            if state.get("revisions", {}).get(locale) != revision:
                _install(app, locale)
        state["revisions"] = current
        app.extensions["babel"].instance.domain_instance.cache.clear()
