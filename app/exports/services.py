"""Exports: the simplification plan (xlsx, csv) and the JSON archive of the review, written to
a file by the command line or, from the web, by a job into the shared storage (``STORAGE_DIR``).

Who may export: the plan is the working group's submission to the agencies, which the leads
put together, so leads and admins export it; the archive holds the whole audit trail of the
review (who proposed and decided what), which only admins read elsewhere, so only admins
export it. The command line is the operator's and may export everything.

Every file is written atomically (a temporary file in the same folder, then a rename), so a
reader never sees half a file and a failed export leaves nothing behind. Each export writes an
audit row. Web exports are kept as ``<STORAGE_DIR>/exports/<id>.<ext>``; what each one is
(owner, format, filters, state) is its job row, so every node lists and serves them; the newest
``KEEP`` are kept.
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import services as audit
from app.core import jobs, storage
from app.exports import archive, csvfile, plan, printview, xlsx
from app.extensions import db
from app.timeutil import utcnow

JOB_KIND = "export"
OBJECT_TYPE = "export"
KEEP = 20
PLAN_FORMATS = ("xlsx", "csv", "html")
FORMATS = ("xlsx", "csv", "html", "json")
STATUSES = tuple(plan.PLAN_STATUSES)
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8" to text types
    "html": "text/html",
    "json": "application/json",
}
FORMAT_LABELS = {
    "xlsx": _l("Simplification plan, Excel workbook (.xlsx)"),
    "csv": _l("Simplification plan, CSV (.csv)"),
    "html": _l("Simplification plan, page to print (.html)"),
    "json": _l("Archive of all review data, JSON (.json)"),
}
STATUS_LABELS = {
    "proposed": _l("Proposed, accepted and implemented marks"),
    "accepted": _l("Accepted and implemented marks only"),
}
_EXPORT_ID = re.compile(r"^[0-9a-f]{32}$")


class ExportError(ValueError):
    """An export that cannot be made; the message is for the user."""


class ExportForbidden(ExportError):
    pass


@dataclass
class ExportResult:
    format: str
    path: Path
    rows: int  # plan rows, or marks in the archive
    counts: dict[str, int] = field(default_factory=dict)
    saving: Any = None


# -- who may ------------------------------------------------------------------------------------

def can_export(actor, fmt: str) -> bool:
    """Leads and admins export the plan; admins the archive; the command line (None) both."""
    if actor is None:
        return True
    if not getattr(actor, "is_active", False):
        return False
    if fmt == "json":
        return actor.has_role("admin")
    return actor.has_role("lead", "admin")


def allowed_formats(actor) -> list[str]:
    return [fmt for fmt in FORMATS if can_export(actor, fmt)]


# -- writing a file -----------------------------------------------------------------------------

@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; rename it over ``path`` when the block succeeds,
    remove it when it fails. An unwritable folder fails at once, before any work is done."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(_("%(path)s is a folder; give a file name.", path=str(path)))
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ExportError(_("Cannot write to %(path)s: %(reason)s", path=str(path),
                            reason=exc.strerror or str(exc))) from exc
    os.close(fd)
    temp_path = Path(temp)
    try:
        yield temp_path
        os.chmod(temp_path, 0o644)
        os.replace(temp_path, path)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def check_options(fmt: str, status: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(_("Unknown format %(format)s: choose xlsx, csv, html or json.", format=fmt))
    if status not in STATUSES:
        raise ExportError(_("Unknown choice of marks %(status)s: choose proposed or accepted.", status=status))


def write_export(fmt: str, path: Path | str, *, status: str = "proposed", agency: str | None = None,
                 actor=None, progress: Callable[[str, int, int], None] | None = None,
                 exported_at: datetime | None = None) -> ExportResult:
    """Write the plan (xlsx, csv) or the archive (json) to ``path``, in the active locale.

    ``status`` and ``agency`` filter the plan (the archive holds everything).
    ``progress(phase, done, total)`` reports the phases "collect" and "write". Writes an audit
    row; the caller commits.
    """
    check_options(fmt, status)
    if not can_export(actor, fmt):
        raise ExportForbidden(_("Only admins export the review archive.") if fmt == "json"
                              else _("Only leads and admins export the simplification plan."))
    path = Path(path)
    exported_at = exported_at or utcnow()
    agency = (agency or "").strip() or None

    def report(phase: str):
        return (lambda done, total: progress(phase, done, total)) if progress else None

    with atomic_path(path) as temp:
        if fmt == "json":
            totals = archive.write_archive(temp, exported_at=exported_at, progress=report("write"))
            result = ExportResult(fmt, path, totals["marks"], counts=totals)
        else:
            the_plan = plan.build_plan(status, agency, progress=report("collect"))
            if fmt == "xlsx":
                xlsx.write_plan(the_plan, temp, exported_at=exported_at, progress=report("write"))
            elif fmt == "html":
                printview.write_plan(the_plan, temp, exported_at=exported_at)
            else:
                csvfile.write_plan(the_plan, temp, progress=report("write"))
            result = ExportResult(fmt, path, the_plan.row_count, saving=the_plan.saving,
                                  counts={"rows": the_plan.row_count, "agencies": len(the_plan.groups)})
    audit.record(actor, "export.created", OBJECT_TYPE, path.name,
                 new={"format": fmt, "status": None if fmt == "json" else status, "agency": agency,
                      **result.counts})
    return result


# -- web exports: jobs, files in the shared storage ----------------------------------------------

def export_dir() -> Path:
    return storage.folder(storage.EXPORTS)


def _record(job: jobs.Job) -> dict[str, Any]:
    """An export's record, read from its job (the database is the only place it is kept)."""
    params, result = job.params or {}, job.result or {}
    return {"id": job.id, "owner_id": job.owner_id, "format": params.get("format"), "status": params.get("status"),
            "agency": params.get("agency"), "locale": params.get("locale"), "created_at": job.created_at,
            "state": "running" if job.active else job.state, "rows": result.get("rows"),
            "counts": result.get("counts") or {}, "message": job.message}


def get_export(export_id: str) -> dict[str, Any] | None:
    """The record of a web export (None: no such export, or it was removed)."""
    if not _EXPORT_ID.match(export_id or ""):
        return None
    job = jobs.get(export_id, JOB_KIND)
    return _record(job) if job is not None else None


def export_file(meta: dict[str, Any]) -> Path:
    return export_dir() / f"{meta['id']}.{meta['format']}"


def may_see(actor, meta: dict[str, Any]) -> bool:
    """An export is its owner's; admins see every one."""
    return actor is not None and (actor.has_role("admin") or meta.get("owner_id") == actor.id)


def download_name(meta: dict[str, Any]) -> str:
    """``simplification-plan-2026-11-27.xlsx``, ``review-archive-2026-11-27.json`` (local date)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    day = meta["created_at"].replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date().isoformat()
    stem = "review-archive" if meta["format"] == "json" else "simplification-plan"
    return f"{stem}-{day}.{meta['format']}"


def recent_exports(actor, limit: int = KEEP) -> list[dict[str, Any]]:
    """The actor's exports, newest first (an admin sees everyone's)."""
    query = select(jobs.Job).where(jobs.Job.kind == JOB_KIND).order_by(jobs.Job.created_at.desc()).limit(limit)
    if not actor.has_role("admin"):
        query = query.where(jobs.Job.owner_id == actor.id)
    return [_record(job) for job in db.session.scalars(query)]


def prune(keep: int | None = None) -> int:
    """Keep the newest ``keep`` (default ``KEEP``) exports: remove the finished ones beyond them,
    files and records; returns how many were removed. The caller commits."""
    keep = KEEP if keep is None else keep
    older = db.session.scalars(select(jobs.Job).where(jobs.Job.kind == JOB_KIND)
                               .order_by(jobs.Job.created_at.desc(), jobs.Job.id).offset(keep)).all()
    finished = [job for job in older if not job.active]
    for job in finished:
        fmt = (job.params or {}).get("format")
        if fmt in FORMATS:
            (export_dir() / f"{job.id}.{fmt}").unlink(missing_ok=True)
        db.session.delete(job)
    return len(finished)


def start_export_job(fmt: str, *, status: str, agency: str | None, user, locale) -> jobs.Job:
    """Queue an export into the shared storage; the job page polls it.

    ``locale`` (the requester's) is the language of the plan's headers and labels.
    """
    check_options(fmt, status)
    if not can_export(user, fmt):
        raise ExportForbidden(_("Only admins export the review archive.") if fmt == "json"
                              else _("Only leads and admins export the simplification plan."))
    agency = (agency or "").strip() or None
    return jobs.enqueue(JOB_KIND, label=str(FORMAT_LABELS[fmt]), owner_id=user.id,
                        params={"format": fmt, "status": status, "agency": agency, "locale": str(locale)})


def remove_partial_files(job: jobs.Job) -> None:
    """An interrupted export leaves no temporary file behind (the file itself is renamed into
    place only when complete)."""
    for path in export_dir().glob(f".{job.id}.*.part"):
        path.unlink(missing_ok=True)


@jobs.handler(JOB_KIND, on_interrupt=remove_partial_files)
def run_export(job: jobs.Running) -> dict:
    from app.auth.models import User
    from app.i18n.locale import as_locale

    params = job.params
    fmt = params["format"]
    job.progress("collect", 0, 100)

    def progress(phase: str, done: int, total: int) -> None:
        # Plans: computing the costs is the first half, writing the second; the archive is all writing.
        share = done / total if total else 1
        start, span = (0, 50) if phase == "collect" else ((50, 50) if fmt != "json" else (0, 100))
        job.progress(phase, start + int(span * share))

    try:
        with force_locale(as_locale(params.get("locale") or "en")):
            actor = db.session.get(User, job.owner_id)
            result = write_export(fmt, export_dir() / f"{job.id}.{fmt}", status=params["status"],
                                  agency=params.get("agency"), actor=actor, progress=progress)
            db.session.commit()
    except ExportError as exc:
        db.session.rollback()
        raise jobs.JobFailed(str(exc)) from exc
    finally:
        prune()
        db.session.commit()
    return {"rows": result.rows, "counts": result.counts}


def job_of(export_id: str) -> jobs.Job | None:
    return jobs.get(export_id, JOB_KIND)
