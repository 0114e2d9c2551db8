"""Files every node sees: uploads, export files and bulk previews under ``STORAGE_DIR`` (a shared
volume in production; the instance folder by default). What a file is (owner, format, state)
lives in the database, in the job that made or uses it; the folders hold bytes only.

Old files are removed by the ``cleanup`` job, which every worker loop enqueues once an hour.
"""
from __future__ import annotations

import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.core import jobs
from app.extensions import db

UPLOADS = "uploads"
EXPORTS = "exports"
BULK_PLANS = "bulk-plans"
PART_MAX_AGE = 6 * 3600  # a .part file this old belongs to no running job
UPLOAD_MAX_AGE = 7 * 24 * 3600  # kept this long so an interrupted import can be run again
BULK_PLAN_MAX_AGE = 24 * 3600


def root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def folder(name: str) -> Path:
    """A folder of the storage (created when missing)."""
    path = Path(current_app.config["UPLOAD_DIR"]) if name == UPLOADS else root() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def _older_than(path: Path, seconds: float, now: float) -> bool:
    try:
        return path.stat().st_mtime < now - seconds
    except FileNotFoundError:
        return False


def cleanup(now: float | None = None) -> dict[str, int]:
    """Remove old temporary files, uploads no active job needs, old bulk previews and the export
    files beyond the kept number; returns how many of each."""
    from app.exports import services as exports

    now = time.time() if now is None else now
    removed = {"part": 0, "uploads": 0, "bulk_plans": 0, "exports": 0}
    for name in (UPLOADS, EXPORTS, BULK_PLANS):
        for path in folder(name).glob("*.part"):
            if _older_than(path, PART_MAX_AGE, now):
                path.unlink(missing_ok=True)
                removed["part"] += 1
    needed = set()
    for params in db.session.scalars(select(jobs.Job.params).where(jobs.Job.kind == "import",
                                                                   jobs.Job.state.in_(jobs.ACTIVE))):
        needed.add((params or {}).get("upload"))
    for path in folder(UPLOADS).glob("*.jsonl"):
        if path.name not in needed and _older_than(path, UPLOAD_MAX_AGE, now):
            path.unlink(missing_ok=True)
            removed["uploads"] += 1
    for path in folder(BULK_PLANS).glob("*.json"):
        if _older_than(path, BULK_PLAN_MAX_AGE, now):
            path.unlink(missing_ok=True)
            removed["bulk_plans"] += 1
    removed["exports"] = exports.prune()
    db.session.commit()
    return removed


@jobs.handler(jobs.CLEANUP_KIND)
def run_cleanup(job: jobs.Running) -> dict[str, int]:
    return cleanup()
