"""Background jobs of this process (file imports), with progress for a self-polling page.

Jobs run in a thread of the web process that received them and their progress lives in this
process's memory; the outcome itself (batch, audit rows) is in the database. The embedded
server is one process; behind several workers, route the poll to the same worker (or use the
CLI for large files).
"""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from app.timeutil import utcnow

MAX_KEPT = 100


@dataclass
class Job:
    id: str
    kind: str
    owner_id: int | None
    label: str
    state: str = "running"  # running | done | failed
    phase: str = "queued"
    done: int = 0
    total: int = 0
    result: Any = None
    errors: list[Any] = field(default_factory=list)
    error_count: int = 0
    message: str = ""
    started_at: Any = field(default_factory=utcnow)
    finished_at: Any = None

    @property
    def percent(self) -> int:
        return percent(self.state, self.done, self.total)


def percent(state: str, done: int, total: int) -> int:
    """A progress bar's value: 100 once finished, at most 99 while running."""
    if state != "running":
        return 100
    if not total:
        return 0
    return min(99, int(100 * done / total))


_jobs: OrderedDict[str, Job] = OrderedDict()
_lock = threading.Lock()


def get(job_id: str) -> Job | None:
    with _lock:
        return _jobs.get(job_id)


def start(app: Flask, kind: str, label: str, owner_id: int | None,
          work: Callable[[Job], Any]) -> Job:
    """Run ``work(job)`` in a thread inside an app context; its return value is the result."""
    job = Job(id=uuid.uuid4().hex, kind=kind, owner_id=owner_id, label=label)
    with _lock:
        _jobs[job.id] = job
        while len(_jobs) > MAX_KEPT:
            _jobs.popitem(last=False)

    def run() -> None:
        with app.app_context():
            try:
                job.result = work(job)
                job.state = "done"
            except Exception as exc:  # the job page shows the failure; the thread must not die silently
                app.logger.exception("job %s failed", job.id)
                job.state = "failed"
                job.message = job.message or str(exc)
            finally:
                job.finished_at = utcnow()

    thread = threading.Thread(target=run, name=f"job-{kind}-{job.id[:8]}", daemon=True)
    job.thread = thread
    thread.start()
    return job


def latest(kind: str) -> Job | None:
    """The newest job of a kind in this process."""
    with _lock:
        for job in reversed(_jobs.values()):
            if job.kind == kind:
                return job
    return None
