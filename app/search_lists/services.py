"""Saving, listing and removing a user's searches, and writing a result list as CSV or XLSX.

A saved search keeps only what the search page reads (the text, the filters, the order), as
a query string rebuilt from those keys, so a saved link can never carry anything else. A
result list holds every procedure the search and its filters match, in code order, up to
``MAX_EXPORT_ROWS``; text cells are written so that no spreadsheet runs them as formulas.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from flask_babel import pgettext
from openpyxl import Workbook
from sqlalchemy import func, select

from app.catalog import labels
from app.catalog.models import Procedure, ProcedureVersion
from app.exports.cells import as_text_cell, csv_text
from app.extensions import db
from app.search.services import FILTERS
from app.search_lists.models import NAME_LENGTH, QUERY_LENGTH, SavedSearch

KEYS = ("q", "exact", *FILTERS, "sort")
MAX_SAVED = 100
MAX_EXPORT_ROWS = 10_000
CHUNK = 500


class SavedSearchError(ValueError):
    """A search that cannot be saved; the message is for the user."""


def canonical_query(args: Mapping | Iterable[tuple[str, str]]) -> str:
    """The search page's query string from ``args``: known keys only, empty values dropped,
    values in a stable order."""
    pairs = args.items(multi=True) if hasattr(args, "items") and hasattr(args, "getlist") else (
        args.items() if isinstance(args, Mapping) else args)
    kept = [(key, str(value).strip()) for key, value in pairs if key in KEYS and str(value).strip()]
    kept.sort(key=lambda pair: (KEYS.index(pair[0]), pair[1]))
    return urlencode(kept)


def _key_labels() -> dict[str, str]:
    return {"q": _("Words"), "exact": _("Exactly as typed"), "agency": _("Agency"), "sector": _("Sector"),
            "level": _("Level"), "kind": _("Kind"), "online_level": pgettext("online public service level", "Online"),
            "status": _("Status"), "review": _("Review"), "sort": _("Sort")}


def _value_labels() -> dict[str, Mapping]:
    return {"level": labels.LEVEL, "kind": labels.KIND, "online_level": labels.ONLINE_LEVEL,
            "status": labels.STATUS, "review": labels.REVIEW_STATE,
            "sort": {"relevance": _("Relevance"), "code": _("Code"), "newest": _("Newest")},
            "exact": {"1": _("yes")}}


def describe(query: str) -> list[tuple[str, str, bool]]:
    """What a saved search holds, as (name of the part, its value, is the typed text), in the
    interface language."""
    names, values = _key_labels(), _value_labels()
    return [(names[key], str(values.get(key, {}).get(value, value)), key == "q")
            for key, value in parse_qsl(query) if key in KEYS]


def query_pairs(args) -> list[tuple[str, str]]:
    """The (key, value) pairs of the canonical query string, for hidden form fields."""
    return parse_qsl(canonical_query(args))


def saved_of(user) -> list[SavedSearch]:
    return list(db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(func.lower(SavedSearch.name))))


def save(user, name: str, args) -> SavedSearch:
    """Save (or replace, under the same name) the search ``args`` describe; the caller commits."""
    name = " ".join((name or "").split())
    if not name:
        raise SavedSearchError(_("Give the search a name."))
    if len(name) > NAME_LENGTH or any(ord(ch) < 32 for ch in name):
        raise SavedSearchError(_("A name has at most %(max)s characters.", max=NAME_LENGTH))
    query = canonical_query(args)
    if not query:
        raise SavedSearchError(_("There is nothing to save: search for something or choose a filter first."))
    if len(query) > QUERY_LENGTH:
        raise SavedSearchError(_("This search is too long to save."))
    existing = db.session.scalar(select(SavedSearch).where(SavedSearch.user_id == user.id,
                                                           SavedSearch.name == name))
    if existing is not None:
        existing.query = query
        return existing
    count = db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)) or 0
    if count >= MAX_SAVED:
        raise SavedSearchError(_("You have %(max)s saved searches: remove one first.", max=MAX_SAVED))
    saved = SavedSearch(user_id=user.id, name=name, query=query)
    db.session.add(saved)
    return saved


def remove(user, saved_id: int) -> bool:
    """Remove one of the user's own saved searches; False when there is none with that id."""
    saved = db.session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        return False
    db.session.delete(saved)
    return True


# -- result lists --------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultRow:
    code: str
    title: str
    agency: str
    sector: str
    status: str


def headers() -> list[str]:
    return [_("Code"), _("Procedure"), _("Agency"), _("Sector"), _("Status")]


def rows(procedure_ids: list[int]) -> Iterable[ResultRow]:
    """The listed procedures' current versions, in the order of ``procedure_ids``."""
    for start in range(0, len(procedure_ids), CHUNK):
        chunk = procedure_ids[start:start + CHUNK]
        found = {pid: (code, title, agency, sector, status) for pid, code, title, agency, sector, status in
                 db.session.execute(
                     select(Procedure.id, Procedure.code, ProcedureVersion.title, ProcedureVersion.agency,
                            ProcedureVersion.sector, Procedure.status)
                     .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
                     .where(Procedure.id.in_(chunk)))}
        for pid in chunk:
            if pid in found:
                code, title, agency, sector, status = found[pid]
                yield ResultRow(code, title or "", agency or "", sector or "",
                                str(labels.STATUS.get(status, status)))


def write_csv(result_rows: Iterable[ResultRow]) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow([csv_text(text) for text in headers()])
    for row in result_rows:
        writer.writerow([csv_text(value) for value in (row.code, row.title, row.agency, row.sector, row.status)])
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def write_xlsx(result_rows: Iterable[ResultRow], query_text: str) -> bytes:
    book = Workbook(write_only=True)
    # TRANSLATORS: name of the spreadsheet tab holding a list of search results.
    sheet = book.create_sheet(pgettext("spreadsheet tab", "Results")[:31])
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 70
    sheet.column_dimensions["C"].width = 36
    sheet.column_dimensions["D"].width = 28
    sheet.column_dimensions["E"].width = 14
    if query_text:
        sheet.append([as_text_cell(sheet, _("Search: %(query)s", query=query_text))])
    sheet.append([as_text_cell(sheet, text) for text in headers()])
    for row in result_rows:
        sheet.append([as_text_cell(sheet, value) for value in (row.code, row.title, row.agency, row.sector,
                                                               row.status)])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()
