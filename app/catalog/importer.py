"""Loading validated ``.jsonl`` files into the catalog, all or nothing.

The file is validated completely first (nothing written); then it is read again and written
in one transaction. Unchanged lines (same content hash as the latest version) are counted
and skipped; changed ones add a version that records what changed.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.audit import services as audit
from app.catalog import entries, publication
from app.catalog.models import (Channel, Document, Fee, FormField, ImportBatch, LegalBasis, Procedure,
                                ProcedureVersion, Requirement, Step, Translation, VersionLevel)
from app.catalog.records import content_hash, diff_records
from app.catalog.import_errors import LineError
from app.catalog.validation import ImportRejected, ValidationReport, iter_parsed, validate_file
from app.extensions import db
from app.timeutil import utcnow

CHUNK_SIZE = 500
Progress = Callable[[str, int], None]
log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    batch_id: int
    lines: int
    new_procedures: int
    new_versions: int
    unchanged: int
    published: int
    # Changes made while importing (a legal document listed twice merged), as stored errors.
    warnings: list[list[Any]] = field(default_factory=list)
    warning_count: int = 0


def import_file(path: str | Path, *, publish: bool = False, actor=None, filename: str | None = None,
                source: str = "cli", progress: Progress | None = None) -> ImportResult:
    """Validate then load a file; raise ``ImportRejected`` (nothing written but the audit row of
    the rejection) on any error. A database error while loading is reported without its SQL."""
    path = Path(path)
    filename = filename or path.name
    report = validate_file(path, progress=(lambda n: progress("validate", n)) if progress else None)
    if not report.ok:
        _audit_rejection(actor, filename, source, report)
        raise ImportRejected(report)
    try:
        result = _load(path, publish=publish, actor=actor, filename=filename, source=source, progress=progress)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        # Validation should have refused whatever the database refuses: log it for the developers,
        # show the admin a plain message (never the statement and its parameters).
        log.exception("import of %s failed in the database", filename)
        failed = ValidationReport(lines=report.lines)
        failed.add(LineError(0, "", "load_failed"))
        _audit_rejection(actor, filename, source, failed)
        raise ImportRejected(failed) from None
    except BaseException:
        db.session.rollback()
        raise
    result.warnings = [warning.as_json() for warning in report.warnings]
    result.warning_count = report.warning_count
    return result


def _audit_rejection(actor, filename: str, source: str, report: ValidationReport) -> None:
    """A rejected import leaves one audit row: who, which file, how many lines and errors (the
    errors themselves are on the job page, and printed by the CLI)."""
    audit.record(actor, "batch.rejected", "import_batch", filename[:80],
                 new={"file": filename, "lines": report.lines, "errors": report.error_count},
                 message=source)
    db.session.commit()


def _load(path: Path, *, publish: bool, actor, filename: str, source: str,
          progress: Progress | None) -> ImportResult:
    batch = ImportBatch(filename=filename[:255], source=source, created_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    db.session.flush()
    totals = {"lines": 0, "new_procedures": 0, "new_versions": 0, "unchanged": 0}
    chunk: list[dict[str, Any]] = []
    with path.open("rb") as stream:
        for number, record in iter_parsed(stream):
            totals["lines"] = number
            chunk.append(record)
            if len(chunk) >= CHUNK_SIZE:
                _load_chunk(chunk, batch, totals)
                chunk = []
                if progress:
                    progress("load", totals["new_versions"] + totals["unchanged"])
        if chunk:
            _load_chunk(chunk, batch, totals)
    batch.line_count = totals["lines"]
    batch.new_procedures = totals["new_procedures"]
    batch.new_versions = totals["new_versions"]
    batch.unchanged = totals["unchanged"]
    published = 0
    if publish:
        if progress:
            progress("publish", 0)
        published = publication.publish_batch(batch, actor)
    audit.record(actor, "batch.imported", "import_batch", batch.id,
                 new={"file": batch.filename, **totals, "published": published})
    return ImportResult(batch_id=batch.id, published=published, **totals)


def _load_chunk(records: list[dict[str, Any]], batch: ImportBatch, totals: dict[str, int]) -> None:
    """Write one chunk with set-based statements (a few round trips per 500 lines)."""
    P, V = Procedure.__table__, ProcedureVersion.__table__
    codes = [record["code"] for record in records]
    existing = {row.code: row for row in db.session.execute(
        select(P.c.id, P.c.code, P.c.status, P.c.current_version_id, P.c.pending_version_id)
        .where(P.c.code.in_(codes)))}
    latest_ids = [row.pending_version_id or row.current_version_id for row in existing.values()]
    latest = {row.procedure_id: row for row in db.session.execute(
        select(V.c.id, V.c.procedure_id, V.c.number, V.c.content_hash, V.c.record)
        .where(V.c.id.in_([i for i in latest_ids if i is not None])))}

    planned: list[tuple[dict[str, Any], Any, Any, str]] = []
    for record in records:
        digest = content_hash(record)
        procedure = existing.get(record["code"])
        last = latest.get(procedure.id) if procedure is not None else None
        if last is not None and last.content_hash == digest:
            totals["unchanged"] += 1
            continue
        planned.append((record, procedure, last, digest))
    if not planned:
        return

    new_codes = [record["code"] for record, procedure, _last, _digest in planned if procedure is None]
    procedure_ids = {row.code: row.id for row in existing.values()}
    if new_codes:
        now = utcnow()
        inserted = db.session.execute(
            P.insert().returning(P.c.id, P.c.code, sort_by_parameter_order=True),
            [{"code": code, "status": "draft", "created_at": now} for code in new_codes])
        procedure_ids.update({row.code: row.id for row in inserted})
        totals["new_procedures"] += len(new_codes)

    now = utcnow()
    version_rows = [{
        "procedure_id": procedure_ids[record["code"]],
        "number": (last.number + 1) if last is not None else 1,
        "batch_id": batch.id,
        "created_at": now,
        "content_hash": digest,
        "intended_status": record.get("status", "published"),
        "record": record,
        "changes": diff_records(last.record if last is not None else None, record),
        **version_columns(record),
    } for record, _procedure, last, digest in planned]
    version_ids = list(db.session.scalars(
        V.insert().returning(V.c.id, sort_by_parameter_order=True), version_rows))
    totals["new_versions"] += len(version_ids)

    # A procedure never published shows its newest draft; a public one keeps its public
    # version until the new one is published.
    shown, waiting = [], []
    for (record, procedure, _last, _digest), version_id in zip(planned, version_ids):
        params = {"pid": procedure_ids[record["code"]], "vid": version_id}
        (shown if procedure is None or procedure.status == "draft" else waiting).append(params)
    if shown:
        db.session.execute(update(P).where(P.c.id == bindparam("pid"))
                           .values(current_version_id=bindparam("vid"), pending_version_id=None), shown)
    if waiting:
        db.session.execute(update(P).where(P.c.id == bindparam("pid"))
                           .values(pending_version_id=bindparam("vid")), waiting)
    entries.refresh(params["pid"] for params in shown + waiting)

    rows: dict[type, list[dict[str, Any]]] = {}
    for (record, *_rest), version_id in zip(planned, version_ids):
        for model, model_rows in element_rows(version_id, record).items():
            rows.setdefault(model, []).extend(model_rows)
    for model, model_rows in rows.items():
        if model_rows:
            # Core insert of the table: one multi-row statement per 1,000 rows.
            db.session.execute(model.__table__.insert(), model_rows)


def version_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The scalar columns of a version, taken from its record."""
    time = record.get("processing_time") or {}
    cost = record.get("cost") or {}
    decision = record.get("decision") or {}
    return {
        "title": record["title"],
        "lang": record["lang"],
        "kind": record["kind"],
        "type": record.get("type"),
        "sector": record["sector"],
        "agency": record["agency"],
        "online_level": record.get("online_level"),
        "levels": list(record["level"]),
        "summary": record.get("summary"),
        "result": record.get("result"),
        "subjects": record.get("subjects"),
        "keywords": record.get("keywords"),
        "implementing_agency": record.get("implementing_agency"),
        "competent_authority": record.get("competent_authority"),
        "coordinating_agency": record.get("coordinating_agency"),
        "decision_number": decision.get("number"),
        "decision_date": decision.get("date"),
        "source_published_at": record.get("published_at"),
        "source_url": record.get("source_url"),
        "time_value": time.get("value"),
        "time_unit": time.get("unit"),
        "time_text": time.get("text"),
        "hours_per_case": cost.get("hours_per_case"),
        "other_costs_vnd": cost.get("other_costs_vnd"),
        "cases_per_year": cost.get("cases_per_year"),
    }


def element_rows(version_id: int, record: dict[str, Any]) -> dict[type, list[dict[str, Any]]]:
    """Rows for every element table, ready for a bulk insert."""
    def base(item: dict[str, Any], position: int) -> dict[str, Any]:
        return {"version_id": version_id, "eid": item["id"], "position": position}

    fields: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    for position, doc in enumerate(record.get("dossier") or []):
        documents.append({**base(doc, position), "name": doc["name"], "case": doc.get("case"),
                          "form": doc.get("form"), "originals": doc.get("originals"),
                          "copies": doc.get("copies"), "required": doc.get("required", True)})
        for fpos, field in enumerate(doc.get("fields") or []):
            fields.append({**base(field, len(fields)), "document_eid": doc["id"], "label": field["label"],
                           "required": field.get("required", True), "source_db": field.get("source_db")})
    channels = []
    for position, item in enumerate(record.get("channels") or []):
        time = item.get("processing_time") or {}
        channels.append({**base(item, position), "channel": item["channel"], "time_value": time.get("value"),
                         "time_unit": time.get("unit"), "time_text": time.get("text"),
                         "fee_text": item.get("fee_text"), "description": item.get("description")})
    return {
        VersionLevel: [{"version_id": version_id, "level": level} for level in record["level"]],
        Step: [{**base(item, position), "text": item["text"], "actor": item.get("actor")}
               for position, item in enumerate(record.get("steps") or [])],
        Channel: channels,
        Document: documents,
        FormField: fields,
        Fee: [{**base(item, position), "name": item.get("name"), "amount_vnd": item.get("amount_vnd"),
               "text": item["text"]} for position, item in enumerate(record.get("fees") or [])],
        Requirement: [{**base(item, position), "text": item["text"]}
                      for position, item in enumerate(record.get("requirements") or [])],
        LegalBasis: [{"version_id": version_id, "position": position, "number": item["number"],
                      "summary": item.get("summary"), "date": item.get("date"), "issuer": item.get("issuer")}
                     for position, item in enumerate(record.get("legal_basis") or [])],
        Translation: [{"version_id": version_id, "lang": lang, "title": item["title"],
                       "summary": item.get("summary")}
                      for lang, item in (record.get("translations") or {}).items()],
    }


__all__ = ["ImportRejected", "ImportResult", "import_file", "element_rows", "version_columns"]
