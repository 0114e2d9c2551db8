"""One rebuild at a time per node: ``rebuild.lock`` in the index folder is held (``flock``) by
the process that rebuilds, whichever worker or command started it. Progress and outcome are
jobs, one per node (``nodes``)."""
from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.search import store

LOCK = "rebuild.lock"


class RebuildRunning(RuntimeError):
    """Another rebuild holds the lock."""


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
