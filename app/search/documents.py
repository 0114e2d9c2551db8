"""From catalog rows to search documents, and the element texts used for snippets.

Search covers published and abolished procedures (drafts are not public). The text of each
element comes from the version's import record, so a rebuild reads one row per procedure.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.catalog.models import Procedure, ProcedureVersion
from app.extensions import db
from app.search.analysis import fold_vietnamese, tokenize

SEARCHABLE_STATUSES = ("published", "abolished")
# Parts whose adjacent syllables are indexed as pairs (the phrase bonus): what reviewers name
# when they search (documents, form fields, fees, requirements), not the long step texts.
PAIR_KINDS = ("title", "summary", "document", "field", "fee", "requirement", "result")


def element_texts(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every searchable piece of a record as (kind, element id, text), in page order."""
    out: list[tuple[str, str, str]] = [("title", "", record.get("title", ""))]
    if record.get("summary"):
        out.append(("summary", "", record["summary"]))
    for step in record.get("steps") or []:
        out.append(("step", step["id"], " ".join(filter(None, (step.get("text"), step.get("actor"))))))
    for channel in record.get("channels") or []:
        time = (channel.get("processing_time") or {}).get("text")
        out.append(("channel", channel["id"], " ".join(filter(None, (channel.get("description"), time,
                                                                      channel.get("fee_text"))))))
    for document in record.get("dossier") or []:
        out.append(("document", document["id"], " ".join(filter(None, (document.get("name"), document.get("form"),
                                                                        document.get("case"))))))
        for field in document.get("fields") or []:
            out.append(("field", field["id"], " ".join(filter(None, (field.get("label"), field.get("source_db"))))))
    for fee in record.get("fees") or []:
        out.append(("fee", fee["id"], " ".join(filter(None, (fee.get("name"), fee.get("text"))))))
    for requirement in record.get("requirements") or []:
        out.append(("requirement", requirement["id"], requirement.get("text", "")))
    if record.get("result"):
        out.append(("result", "", record["result"]))
    for legal in record.get("legal_basis") or []:
        out.append(("legal", legal["number"], " ".join(filter(None, (legal["number"], legal.get("summary"),
                                                                      legal.get("issuer"))))))
    extra = [record.get("agency"), record.get("sector"), record.get("implementing_agency"),
             record.get("competent_authority"), " ".join(record.get("subjects") or []),
             " ".join(record.get("keywords") or []), (record.get("decision") or {}).get("number"),
             record.get("type")]
    out.append(("other", "", " ".join(filter(None, extra))))
    for lang, item in sorted((record.get("translations") or {}).items()):
        out.append(("translation", lang, " ".join(filter(None, (item.get("title"), item.get("summary"))))))
    return [item for item in out if item[2]]


@dataclass
class TextParts:
    """The texts of one procedure's index document, before they are joined into fields."""

    titles: list[str]  # the title, then its translations
    body: list[str]  # every searchable text, translations included: body and folded
    pairs: list[str]  # the parts whose adjacent syllables are indexed as pairs
    english: list[str]  # English translations (and the whole body of an English record)


def build_parts(procedure_id: int, code: str, status: str, updated, record: dict[str, Any]
                ) -> tuple[dict[str, Any], TextParts]:
    """The non-text fields of one index document (ids, facets, dates) and its texts.

    Every translated title and summary goes through every analysis that fits its script: the
    exact and diacritic-free fields (Vietnamese, Thai and English words alike: a Thai-source
    procedure's Vietnamese translation answers Vietnamese queries, its English one exact
    English words), the title fields, the adjacent-word pairs, and, for English, the stemmed
    field. Thai and Vietnamese text is not put through the English stemmer: it would only
    add whole Thai runs and unchanged syllables that the other fields already hold.
    """
    texts = element_texts(record)
    translations = record.get("translations") or {}
    titles = [record["title"]] + [item["title"] for _lang, item in sorted(translations.items())]
    translated = [text for kind, _lang, text in texts if kind == "translation"]
    body = [code, *titles] + [text for kind, _eid, text in texts if kind != "translation"] + translated
    english = [f"{item['title']} {item.get('summary', '')}" for lang, item in translations.items() if lang == "en"]
    if record.get("lang") == "en":
        english.append(" \n".join(body))
    columns = {
        "id": str(procedure_id),
        "pid": procedure_id,
        "code": code,
        "agency": record["agency"],
        "sector": record["sector"],
        "kind": record["kind"],
        "online_level": record.get("online_level") or "unknown",
        "status": status,
        "level": ",".join(sorted(record["level"])),
        "levels": ",".join(sorted(record["level"])),
        "updated": int(updated.timestamp()) if updated else 0,
    }
    pairs = [*titles] + [text for kind, _eid, text in texts if kind in PAIR_KINDS] + translated
    return columns, TextParts(titles=titles, body=body, pairs=pairs, english=english)


def build_document(procedure_id: int, code: str, status: str, updated, record: dict[str, Any]) -> dict[str, Any]:
    """The fields of one index document, as Whoosh indexes them (see ``inversion`` for the
    same fields written straight to posting arrays)."""
    columns, parts = build_parts(procedure_id, code, status, updated, record)
    body = " \n".join(parts.body)
    return {
        **columns,
        "body": body,
        "title": " \n".join(parts.titles),
        "title_pairs": " ".join(title_pairs(title) for title in parts.titles),
        "pairs": folded_pairs(" \n".join(parts.pairs)),
        "folded": body,
        "en": " \n".join(parts.english),
    }


def title_pair_list(text: str) -> list[str]:
    """Adjacent word pairs of a title, each joined by "_"."""
    words = tokenize(text, subwords=False)
    return [f"{a}_{b}" for a, b in zip(words, words[1:])]


def folded_pair_list(text: str) -> list[str]:
    """Adjacent word pairs of a text without diacritics, each joined by "_"."""
    words = [fold_vietnamese(word) for word in tokenize(text, subwords=False)]
    return [f"{a}_{b}" for a, b in zip(words, words[1:])]


def title_pairs(text: str) -> str:
    """Adjacent word pairs of a title, joined by "_", space-separated (a keyword field)."""
    return " ".join(title_pair_list(text))


def folded_pairs(text: str) -> str:
    """Adjacent word pairs of a text without diacritics, space-separated (a keyword field)."""
    return " ".join(folded_pair_list(text))


def _rows(condition) -> Iterator[tuple[int, str, str, Any, dict[str, Any]]]:
    stmt = (select(Procedure.id, Procedure.code, Procedure.status, Procedure.status_changed_at,
                   ProcedureVersion.record)
            .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(condition).order_by(Procedure.id))
    yield from db.session.execute(stmt.execution_options(yield_per=1000))


def documents_for(procedure_ids: Iterable[int]) -> dict[int, dict[str, Any] | None]:
    """Current documents of these procedures; None for one that must leave the index."""
    ids = list(procedure_ids)
    found: dict[int, dict[str, Any] | None] = {pid: None for pid in ids}
    for start in range(0, len(ids), 1000):
        part = ids[start:start + 1000]
        for pid, code, status, updated, record in _rows(Procedure.id.in_(part)):
            if status in SEARCHABLE_STATUSES:
                found[pid] = build_document(pid, code, status, updated, record)
    return found


def all_documents() -> Iterator[dict[str, Any]]:
    """Every searchable procedure's whole document, in id order."""
    for pid, code, status, updated, record in _rows(Procedure.status.in_(SEARCHABLE_STATUSES)):
        yield build_document(pid, code, status, updated, record)


def all_parts() -> Iterator[tuple[dict[str, Any], TextParts]]:
    """Every searchable procedure's columns and texts (``build_parts``), in id order."""
    for pid, code, status, updated, record in _rows(Procedure.status.in_(SEARCHABLE_STATUSES)):
        yield build_parts(pid, code, status, updated, record)


def searchable_ids() -> set[int]:
    return set(db.session.scalars(select(Procedure.id).where(Procedure.status.in_(SEARCHABLE_STATUSES))))
