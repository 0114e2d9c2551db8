"""Index generations on disk and the shared searcher.

``SEARCH_INDEX_DIR`` holds one folder per generation (``gen-<stamp>``) and a file ``CURRENT``
naming the one in use. A rebuild writes a new generation beside the old one and replaces
``CURRENT`` atomically (``os.replace``); until then, and if the rebuild crashes, the old one keeps
serving. Each generation keeps ``state.json``: the last outbox sequence applied to it.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


class IndexUnavailable(RuntimeError):
    """No index to search: ``reason`` is "missing" (none built yet on this node) or "broken"
    (the current generation cannot be opened or its arrays are damaged)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def current(folder: str | Path) -> Generation | None:
    """The generation in use, or None before the first build (or when ``CURRENT`` is damaged:
    ``problem`` tells the two apart)."""
    base = root(folder)
    try:
        name = (base / CURRENT).read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    path = base / name
    # A table of contents file, rather than ``whoosh.index.exists_in``, which reads and
    # unpickles it: this runs on every search.
    if not name.startswith("gen-") or "/" in name or not any(path.glob("_MAIN_*.toc")):
        return None
    return Generation(name, path)


def problem(folder: str | Path) -> str | None:
    """Why there is no usable generation although one was built: a damaged ``CURRENT``."""
    base = root(folder)
    if not (base / CURRENT).exists() or current(folder) is not None:
        return None
    return "CURRENT names no index generation"


def new_generation(folder: str | Path) -> tuple[Generation, Any]:
    """A new, empty generation and the hold on it (``hold``) that keeps other processes from
    removing it while it is written; close the hold when done."""
    base = root(folder)
    # Sortable by creation time (nanoseconds); the random part keeps two processes apart.
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}-{uuid.uuid4().hex[:6]}"
    path = base / name
    path.mkdir()
    generation = Generation(name, path)
    holder = hold(generation)
    try:
        whoosh_index.create_in(path, build_schema())
        write_state(path, {"last_seq": 0})
    except BaseException:
        holder.close()
        raise
    return generation, holder


HOLDERS = "readers.lock"
BROKEN = "BROKEN"


def mark_broken(generation: Generation, reason: str) -> None:
    """Take a damaged generation out of service in every process (until a rebuild replaces it)."""
    (generation.path / BROKEN).write_text(reason, encoding="utf-8")


def broken_reason(generation: Generation) -> str | None:
    try:
        return (generation.path / BROKEN).read_text(encoding="utf-8") or "damaged"
    except FileNotFoundError:
        return None



def hold(generation: Generation):
    """A shared lock on a generation for as long as the returned file stays open: a generation
    is removed only when no process holds it (``remove_unused`` takes the lock exclusively)."""
    handle = open(generation.path / HOLDERS, "a+")  # noqa: SIM115 - the caller closes it
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def _unheld(path: Path) -> bool:
    try:
        handle = open(path / HOLDERS, "a+")  # noqa: SIM115 - closed below
    except OSError:
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        handle.close()
    return True


def switch_to(folder: str | Path, generation: Generation) -> None:
    """Make ``generation`` current atomically, then remove the generations no longer used."""
    base = root(folder)
    tmp = base / f"{CURRENT}.{os.getpid()}.tmp"
    tmp.write_text(generation.name, encoding="ascii")
    os.replace(tmp, base / CURRENT)
    remove_unused(folder)


def remove_unused(folder: str | Path, keep: set[str] | None = None) -> list[str]:
    """Delete the generation folders other than the current one that no process holds (a
    searcher of any process, or a rebuild writing one); those held are removed later by
    whoever lets go of them last."""
    base = root(folder)
    active = current(folder)
    keep = set(keep or ()) | ({active.name} if active else set())
    removed = []
    for path in sorted(base.glob("gen-*")):
        if path.name in keep or not path.is_dir() or not _unheld(path):
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


@dataclass
class _Opened:
    """One open searcher of a generation, and how many requests use it now."""

    generation: Generation
    index: Any
    searcher: Any
    key: tuple[str, int]
    extras: dict[str, Any]
    segments: frozenset[str] = frozenset()
    users: int = 0


class SearcherCache:
    """One open searcher per process, reopened when the index changes.

    A new searcher is opened instead of ``refresh()``: after a segment merge whoosh3 was seen to
    return duplicate hits from a refreshed searcher. Requests borrow it (``lease``); a searcher
    replaced by a newer one is closed when its last request ends, and with it this process's
    maps of its files. Each generation in use is held (``hold``) so that no process removes
    it; the last one to let go of an old generation removes it.

    ``prepare(searcher, extras)`` runs when a searcher is opened (the engine loads its arrays
    there): whatever fails in opening makes the index "broken" for this process, retried after
    ``RETRY_SECONDS``.
    """

    RETRY_SECONDS = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: _Opened | None = None
        self._retired: list[_Opened] = []
        self._holds: dict[str, Any] = {}
        self._failure: tuple[tuple, float, IndexUnavailable] | None = None
        self.prepare: Callable[[Any, dict], Any] | None = None
        self._preloaded: _Opened | None = None

    def preload(self, generation: Generation) -> None:
        """Open a generation that is about to become current (a rebuild in this process), so
        that the first search after the switch finds it open. Failures are left to that search."""
        with self._lock:
            if self._preloaded is not None:
                self._retired.append(self._preloaded)
                self._preloaded = None
            try:
                self._preloaded = self._open(generation, None)
            except IndexUnavailable:
                return
            self._close_idle()

    @contextmanager
    def lease(self, folder: str | Path) -> Iterator[tuple[Any, tuple[str, int], dict[str, Any]]]:
        """(searcher, key, extras) of the current index for the block; ``IndexUnavailable``
        when there is none or it cannot be opened."""
        opened = self._acquire(folder)
        try:
            yield opened.searcher, opened.key, opened.extras
        finally:
            self._release(folder, opened)

    def _acquire(self, folder: str | Path) -> _Opened:
        generation = current(folder)
        if generation is None:
            damaged = problem(folder)
            raise IndexUnavailable("broken", damaged) if damaged else IndexUnavailable("missing")
        damaged = broken_reason(generation)
        if damaged:
            raise IndexUnavailable("broken", damaged)
        with self._lock:
            opened = self._current
            if self._preloaded is not None and self._preloaded.generation.name == generation.name:
                opened, self._preloaded = self._preloaded, None
            if opened is None or opened.generation.name != generation.name:
                opened = self._open(generation, None)
            elif opened.index.latest_generation() != opened.key[1]:
                if opened is not self._current:
                    self._retired.append(opened)
                opened = self._open(generation, opened.index)
            if opened is not self._current:
                if self._current is not None:
                    self._retired.append(self._current)
                self._current = opened
            opened.users += 1
            return opened

    def _open(self, generation: Generation, index) -> _Opened:
        """Open a searcher (on ``index`` when the generation is already open); called locked."""
        if self._failure is not None and self._failure[0] == generation.name and \
                time.monotonic() - self._failure[1] < self.RETRY_SECONDS:
            raise self._failure[2]
        try:
            if generation.name not in self._holds:
                self._holds[generation.name] = hold(generation)
            index = index or open_index(generation)
            searcher = index.searcher()
            try:
                opened = _Opened(generation, index, searcher, (generation.name, index.latest_generation()),
                                 {"path": generation.path}, _segment_ids(searcher))
                if self.prepare is not None:
                    self.prepare(searcher, opened.extras)
            except BaseException:
                searcher.close()
                raise
        except Exception as exc:  # any damage (missing segment, bad arrays) makes it unavailable
            failure = IndexUnavailable("broken", f"{type(exc).__name__}: {exc}")
            self._failure = (generation.name, time.monotonic(), failure)
            if self._current is None or self._current.generation.name != generation.name:
                self._let_go(generation.name)
            raise failure from exc
        self._failure = None
        return opened

    def _release(self, folder: str | Path, opened: _Opened) -> None:
        with self._lock:
            opened.users -= 1
            freed = self._close_idle()
        if freed:
            remove_unused(folder)

    def _close_idle(self) -> bool:
        """Close retired searchers no request uses; let go of generations no longer open.
        Called locked; True when a generation was let go of."""
        keep = []
        for opened in self._retired:
            if opened.users > 0:
                keep.append(opened)
                continue
            opened.searcher.close()
            opened.extras.clear()
        self._retired = keep
        in_use = [opened for opened in [*self._retired, self._current, self._preloaded] if opened is not None]
        freed = False
        for name in [name for name in self._holds if name not in {opened.generation.name for opened in in_use}]:
            self._let_go(name)
            freed = True
        # Maps of arrays and columns of segments no open searcher has (merged away, or of a
        # generation let go of) are dropped: their files close when the last array goes.
        from app.search import engine, postings  # not at the top: both import more of the package

        segments = {(opened.generation.path, ident) for opened in in_use for ident in opened.segments}
        postings.retain(segments)
        engine.retain_columns({ident for _path, ident in segments})
        return freed

    def _let_go(self, name: str) -> None:
        handle = self._holds.pop(name, None)
        if handle is not None:
            handle.close()

    def clear(self) -> None:
        """Close every searcher (tests, shutdown)."""
        with self._lock:
            for opened in [*self._retired, self._current, self._preloaded]:
                if opened is not None:
                    opened.searcher.close()
                    opened.extras.clear()
            self._current = self._preloaded = None
            self._retired = []
            self._failure = None
            self._close_idle()

    def open_count(self) -> int:
        """Searchers open in this process (the current one and retired ones still in use)."""
        with self._lock:
            return len(self._retired) + (self._current is not None)


def _segment_ids(searcher) -> frozenset[str]:
    found = set()
    for leaf, _offset in searcher.reader().leaf_readers():
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if segment is not None:
            found.add(segment.segment_id())
    return frozenset(found)


searchers = SearcherCache()
