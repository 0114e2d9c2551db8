"""Index generations on disk and the shared searcher.

``SEARCH_INDEX_DIR`` holds one folder per generation (``gen-<stamp>``) and a file ``CURRENT``
naming the one in use. A rebuild writes a new generation beside the old one and replaces
``CURRENT`` atomically (``os.replace``); until then, and if the rebuild crashes, the old one keeps
serving. Each generation keeps ``state.json``: the last outbox sequence applied to it.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from app.search.schema import build_schema

CURRENT = "CURRENT"
STATE = "state.json"


@dataclass
class Generation:
    name: str
    path: Path


def root(folder: str | Path) -> Path:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def current(folder: str | Path) -> Generation | None:
    """The generation in use, or None before the first build."""
    base = root(folder)
    try:
        name = (base / CURRENT).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    path = base / name
    if not name or not whoosh_index.exists_in(path):
        return None
    return Generation(name, path)


def new_generation(folder: str | Path) -> Generation:
    base = root(folder)
    # Sortable by creation time (nanoseconds); the random part keeps two processes apart.
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}-{uuid.uuid4().hex[:6]}"
    path = base / name
    path.mkdir()
    whoosh_index.create_in(path, build_schema())
    write_state(path, {"last_seq": 0})
    return Generation(name, path)


def switch_to(folder: str | Path, generation: Generation) -> None:
    """Make ``generation`` current atomically, then remove the generations no longer used."""
    base = root(folder)
    tmp = base / f"{CURRENT}.{os.getpid()}.tmp"
    tmp.write_text(generation.name, encoding="ascii")
    os.replace(tmp, base / CURRENT)
    remove_unused(folder)


def remove_unused(folder: str | Path, keep: set[str] | None = None) -> list[str]:
    """Delete generation folders other than the current one (left by a switch or a crash).

    A folder younger than a minute is kept: it may be a rebuild still running elsewhere.
    """
    base = root(folder)
    active = current(folder)
    keep = set(keep or ()) | ({active.name} if active else set())
    removed = []
    for path in base.glob("gen-*"):
        if path.name in keep or not path.is_dir():
            continue
        if time.time() - path.stat().st_mtime < 60 and active and path.name > active.name:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def read_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / STATE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"last_seq": 0}


def write_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path / f"{STATE}.tmp"
    tmp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(tmp, path / STATE)


def open_index(generation: Generation):
    return whoosh_index.open_dir(generation.path)


def folder_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


class SearcherCache:
    """One open searcher per process, reopened when the index changes.

    A new searcher is opened instead of ``refresh()``: after a segment merge whoosh3 was seen to
    return duplicate hits from a refreshed searcher.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int] | None = None
        self._index = None
        self._searcher = None
        self._extras: dict[str, Any] = {}
        self._retired: list[tuple[float, Any]] = []

    def get(self, folder: str | Path):
        """Return (searcher, key, extras) for the current index, or (None, None, {})."""
        generation = current(folder)
        if generation is None:
            return None, None, {}
        with self._lock:
            if self._index is None or self._key is None or self._key[0] != generation.name:
                self._index = open_index(generation)
                self._key = None
            key = (generation.name, self._index.latest_generation())
            if key != self._key:
                old = self._searcher
                self._searcher = self._index.searcher()
                self._key = key
                self._extras = {"path": generation.path}
                if old is not None:
                    # Requests that started before the swap may still read the old searcher:
                    # close it a while later rather than now.
                    self._retired.append((time.monotonic(), old))
                self._close_retired(older_than=30.0)
            return self._searcher, self._key, self._extras

    def _close_retired(self, older_than: float) -> None:
        now = time.monotonic()
        keep = []
        for retired_at, searcher in self._retired:
            if now - retired_at >= older_than:
                searcher.close()
            else:
                keep.append((retired_at, searcher))
        self._retired = keep

    def clear(self) -> None:
        """Close every searcher (tests, shutdown, after a rebuild in this process)."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._close_retired(older_than=0.0)
            self._key = None
            self._index = None
            self._searcher = None
            self._extras = {}


searchers = SearcherCache()
