"""Admin operations that the pages run as background jobs."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from app.admin import jobs
from app.catalog.importer import import_file
from app.catalog.validation import ImportRejected
from app.extensions import db


def count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            count += chunk.count(b"\n")
    return count + 1


def save_upload(storage) -> Path:
    """Store an uploaded file under the upload folder with a random name."""
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.jsonl"
    storage.save(path)
    return path


def start_import_job(path: Path, *, filename: str, publish: bool, user, locale) -> jobs.Job:
    """Import an uploaded file in the background; the job page polls its progress.

    ``locale`` (the requesting user's, a ``babel.Locale`` or a code) is the language of the
    job's messages; a Locale object also carries the pseudo-locale, which has no CLDR code.
    """
    app = current_app._get_current_object()
    user_id = user.id

    def work(job: jobs.Job):
        from app.auth.models import User

        job.total = count_lines(path) * 2  # validation pass, then loading pass

        def progress(phase: str, done: int) -> None:
            job.phase = phase
            job.done = done if phase == "validate" else job.total // 2 + done

        try:
            with force_locale(locale):
                actor = db.session.get(User, user_id)
                try:
                    result = import_file(path, publish=publish, actor=actor, filename=filename,
                                         source="upload", progress=progress)
                except ImportRejected as exc:
                    # Codes with parameters: the job page words them in its reader's language.
                    job.errors = [e.as_json() for e in exc.report.errors]
                    job.error_count = exc.report.error_count
                    job.message = str(exc)
                    raise
                return result
        finally:
            db.session.remove()
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass

    return jobs.start(app, "import", filename, user_id, work)
