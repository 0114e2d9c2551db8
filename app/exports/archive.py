"""The JSON archive of the review: every mark in every state with its comment thread, the
review settings, and the audit rows of review objects (``object_type`` starting with
``review``: marks, settings and the other review records).

The file is one JSON object: ``format`` and ``version`` (of this layout), ``exported_at`` (UTC),
``counts``, then ``marks``, ``settings`` and ``audit``. It is streamed, one item at a time,
so an archive of a national review needs little memory. Times are UTC in ISO 8601 with a
``Z``; codes are stored as the database keeps them (no translated labels), so the archive
reads the same whatever the language of the person who made it.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEntry
from app.auth.models import User
from app.catalog.models import Procedure, ProcedureVersion
from app.extensions import db
from app.review.models import Mark, MarkComment, ReviewSetting

FORMAT = "procedure-review-archive"
VERSION = 1
CHUNK = 500
USER_COLUMNS = ("created_by_id", "decided_by_id", "implemented_by_id", "updated_by_id", "author_id")


def review_audit_condition():
    return AuditEntry.object_type.like("review%")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"  # stored as naive UTC
    return value


def _row(obj, usernames: dict[int, str]) -> dict[str, Any]:
    data = {column.key: _plain(getattr(obj, column.key)) for column in obj.__table__.columns}
    for name in USER_COLUMNS:
        if name in data:
            data[name.removesuffix("_id")] = usernames.get(data[name])
    return data


def counts() -> dict[str, int]:
    def count(model, *conditions) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
    return {"marks": count(Mark), "comments": count(MarkComment), "settings": count(ReviewSetting),
            "audit": count(AuditEntry, review_audit_condition())}


def _marks(usernames, codes, numbers) -> Iterable[dict[str, Any]]:
    query = (select(Mark).options(selectinload(Mark.comments)).order_by(Mark.id)
             .execution_options(yield_per=CHUNK))
    for mark in db.session.scalars(query):
        item = _row(mark, usernames)
        item["procedure_code"] = codes.get(mark.procedure_id)
        item["version_number"] = numbers.get(mark.version_id)
        item["comments"] = [_row(comment, usernames) for comment in mark.comments]
        yield item


def write_archive(path: Path, *, exported_at: datetime,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write the archive to ``path``; returns the counts it holds."""
    totals = counts()
    usernames = dict(db.session.execute(select(User.id, User.username)).all())
    codes = dict(db.session.execute(select(Procedure.id, Procedure.code)
                                    .where(Procedure.id.in_(select(Mark.procedure_id)))).all())
    numbers = dict(db.session.execute(select(ProcedureVersion.id, ProcedureVersion.number)
                                      .where(ProcedureVersion.id.in_(select(Mark.version_id)))).all())
    steps = max(1, totals["marks"] + totals["audit"])
    done = 0
    with open(path, "w", encoding="utf-8") as stream:
        head = {"format": FORMAT, "version": VERSION, "exported_at": _plain(exported_at), "counts": totals}
        stream.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2])  # leave the object open

        def section(name: str, items: Iterable[dict[str, Any]], counted: bool) -> None:
            nonlocal done
            stream.write(f',\n "{name}": [')
            for index, item in enumerate(items):
                stream.write(("," if index else "") + "\n  " + json.dumps(item, ensure_ascii=False, sort_keys=True))
                if counted:
                    done += 1
                    if progress and done % CHUNK == 0:
                        progress(done, steps)
            stream.write("\n ]")

        section("marks", _marks(usernames, codes, numbers), True)
        settings = db.session.scalars(select(ReviewSetting).order_by(ReviewSetting.key, ReviewSetting.year))
        section("settings", (_row(setting, usernames) for setting in settings), False)
        audit = db.session.scalars(select(AuditEntry).where(review_audit_condition()).order_by(AuditEntry.id)
                                   .execution_options(yield_per=CHUNK))
        section("audit", (_row(entry, usernames) for entry in audit), True)
        stream.write("\n}\n")
    if progress:
        progress(steps, steps)
    return totals
