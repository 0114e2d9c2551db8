"""The state of a search index rebuild, shared by every process through two files in the index
folder: ``rebuild.lock``, held (``flock``) by the process that rebuilds, so that one rebuild
runs at a time whichever web worker or command started it; and ``rebuild.json``, how far it
is, which the admin page of any worker reads. A status that says "running" while nobody holds
the lock belongs to a process that ended mid-way: it reads as interrupted.
"""
from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from app.core import jobs
from app.search import store
from app.timeutil import utcnow

LOCK = "rebuild.lock"
STATUS = "rebuild.json"
INTERRUPTED = "interrupted"


class RebuildRunning(RuntimeError):
    """Another rebuild holds the lock."""


@dataclass
class RebuildStatus:
    state: str = "none"  # none | running | done | failed
    phase: str = "read"  # read (procedures read so far) | write (index files being written)
    done: int = 0
    total: int = 0
    documents: int = 0
    build_seconds: float = 0.0
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None

    @property
    def percent(self) -> int:
        return jobs.percent(self.state, self.done, self.total)


@contextmanager
def exclusive(folder: str | Path) -> Iterator[None]:
    """Hold the rebuild lock of ``folder`` for the block; ``RebuildRunning`` if it is taken."""
    handle = open(store.root(folder) / LOCK, "a+")  # noqa: SIM115 - closed below
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise RebuildRunning("a rebuild is already running") from exc
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def is_running(folder: str | Path) -> bool:
    try:
        with exclusive(folder):
            return False
    except RebuildRunning:
        return True


def write(folder: str | Path, status: RebuildStatus) -> None:
    """Replace the status file atomically (only the lock holder writes it)."""
    base = store.root(folder)
    partial = base / f"{STATUS}.{os.getpid()}.tmp"
    partial.write_text(json.dumps(asdict(status)), encoding="utf-8")
    os.replace(partial, base / STATUS)


def read(folder: str | Path) -> RebuildStatus:
    """The last rebuild's status; "failed" with the message ``INTERRUPTED`` for a rebuild whose
    process ended before it finished."""
    try:
        data = json.loads((store.root(folder) / STATUS).read_text(encoding="utf-8"))
        status = RebuildStatus(**{key: value for key, value in data.items() if key in RebuildStatus.__annotations__})
    except (FileNotFoundError, ValueError, TypeError):
        return RebuildStatus()
    if status.state == "running" and not is_running(folder):
        status.state, status.message = "failed", INTERRUPTED
    return status


def started(total: int) -> RebuildStatus:
    return RebuildStatus(state="running", total=total, started_at=utcnow().isoformat(timespec="seconds"))
