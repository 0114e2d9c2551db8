"""Admin operations that run as jobs: importing an uploaded file."""
from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _

from app.catalog.importer import import_file
from app.catalog.validation import ImportRejected
from app.core import jobs, storage
from app.extensions import db
from app.i18n.locale import as_locale

JOB_KIND = "import"


def count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            count += chunk.count(b"\n")
    return count + 1


def save_upload(storage_file) -> str:
    """Store an uploaded file in the shared upload folder under a random name; the name."""
    name = f"{uuid.uuid4().hex}.jsonl"
    folder = storage.folder(storage.UPLOADS)
    partial = folder / f"{name}.part"
    storage_file.save(partial)
    partial.rename(folder / name)
    return name


def upload_path(name: str) -> Path:
    return storage.folder(storage.UPLOADS) / Path(name).name


def start_import_job(upload: str, *, filename: str, publish: bool, user, locale) -> jobs.Job:
    """Queue the import of an uploaded file; the job page polls its progress.

    ``locale`` (the requesting user's) is the language of the job's messages.
    """
    return jobs.enqueue(JOB_KIND, label=filename, owner_id=user.id,
                        params={"upload": upload, "filename": filename, "publish": bool(publish),
                                "locale": str(locale)})


def can_rerun(job: jobs.Job) -> bool:
    """An interrupted import runs again from its upload, while the upload is kept."""
    return job.state == "interrupted" and upload_path(job.params.get("upload", "")).exists()


@jobs.handler(JOB_KIND)
def run_import(job: jobs.Running) -> dict:
    """Validate, then load in one transaction: an interrupted import has written nothing."""
    from app.auth.models import User

    params = job.params
    path = upload_path(params["upload"])
    with force_locale(as_locale(params.get("locale") or "en")):
        if not path.exists():
            raise jobs.JobFailed(_("The uploaded file is no longer kept. Upload it again."))
        job.progress("validate", 0, count_lines(path) * 2)  # validation pass, then loading pass
        half = job.total // 2

        def progress(phase: str, done: int) -> None:
            job.progress(phase, done if phase == "validate" else half + done)

        try:
            actor = db.session.get(User, job.owner_id) if job.owner_id else None
            result = import_file(path, publish=params.get("publish", False), actor=actor,
                                 filename=params.get("filename"), source="upload", progress=progress)
        except ImportRejected as exc:
            path.unlink(missing_ok=True)
            # Codes with parameters ([line, path, code, params]): the job page words them in its
            # reader's language.
            raise jobs.JobFailed(str(exc), [e.as_json() for e in exc.report.errors],
                                 exc.report.error_count) from exc
    path.unlink(missing_ok=True)
    return asdict(result)
