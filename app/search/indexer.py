"""The single indexer: applies the publication outbox to the index, in order.

Applying an event means re-reading the procedure from the database and updating or removing
its document, so applying an event twice does no harm; after a crash the indexer simply
resumes after the last sequence number recorded in the generation's ``state.json``.
Only one process writes: Whoosh's writer lock is taken without waiting, and a second writer
gives up until the next round.
"""
from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app
from whoosh.writing import LockError

from app.catalog.publication import events_after
from app.extensions import db
from app.search import documents, inversion, postings, rebuilds, store, writers
from app.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 2000


def _index_dir() -> str:
    return current_app.config["SEARCH_INDEX_DIR"]


def ensure_index() -> store.Generation:
    """The current generation; builds the first one from the database when there is none."""
    generation = store.current(_index_dir())
    if generation is None:
        try:
            rebuild()
        except rebuilds.RebuildRunning:
            # The first build is under way in another thread or process: wait for it.
            while rebuilds.is_running(_index_dir()):
                time.sleep(0.2)
        generation = store.current(_index_dir())
    return generation


def apply_pending(limit: int = BATCH) -> int:
    """Apply outbox events after the last one applied; return how many were applied."""
    generation = ensure_index()
    state = store.read_state(generation.path)
    events = events_after(state.get("last_seq", 0), limit)
    if not events:
        return 0
    procedure_ids = sorted({event.procedure_id for event in events})
    docs = documents.documents_for(procedure_ids)
    db.session.rollback()  # end the read transaction before the slow write
    index = store.open_index(generation)
    try:
        writer = writers.open_writer(index, generation.path, timeout=0.0)
    except LockError:
        log.info("another process is writing the index; will retry")
        return 0
    try:
        for pid in procedure_ids:
            doc = docs[pid]
            if doc is None:
                writer.delete_by_term("id", str(pid))
            else:
                writer.update_document(**doc)
        writer.commit()  # the safe merge policy, always
        # Arrays for the new segment (and one a merge made); merged ones lose theirs.
        with index.reader() as reader:
            postings.write(generation.path, reader, postings.TEXT_FIELDS)
            postings.remove_orphans(generation.path, reader)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    finally:
        index.close()
    state.update(last_seq=events[-1].seq, last_applied_at=utcnow().isoformat(timespec="seconds"))
    store.write_state(generation.path, state)
    return len(events)


def rebuild(progress: Callable[..., None] | None = None) -> dict:
    """Build a fresh generation from the database and switch to it atomically.

    Whoosh receives each procedure's ids and columns; the text fields are inverted by
    ``inversion`` into the posting arrays of the same segment (one writer, so document numbers
    follow the order of addition). The outbox position is taken before reading, so events
    that arrive during the build are applied again afterwards (harmless, see module docstring).
    ``progress(done, total, phase)`` is called as procedures are read ("read") and once more
    when the index files are being written ("write"); ``rebuilds`` shares the same with every
    process. ``rebuilds.RebuildRunning`` when another rebuild is under way.
    """
    folder = _index_dir()
    with rebuilds.exclusive(folder):
        status = rebuilds.started(len(documents.searchable_ids()))
        rebuilds.write(folder, status)

        def report(done: int, phase: str) -> None:
            status.done, status.phase = done, phase
            rebuilds.write(folder, status)
            if progress:
                progress(done, status.total, phase)

        try:
            state = _build(folder, report)
        except BaseException as exc:
            status.state, status.message = "failed", str(exc) or type(exc).__name__
            status.finished_at = utcnow().isoformat(timespec="seconds")
            rebuilds.write(folder, status)
            raise
        status.state, status.documents, status.build_seconds = "done", state["documents"], state["build_seconds"]
        status.finished_at = utcnow().isoformat(timespec="seconds")
        rebuilds.write(folder, status)
        return state


def _build(folder: str, report: Callable[[int, str], None]) -> dict:
    start_seq = _last_outbox_seq()
    generation = store.new_generation(folder)
    index = store.open_index(generation)
    writer = writers.open_writer(index, generation.path, limitmb=256)
    inverter = inversion.Inverter()
    count = 0
    started = time.perf_counter()
    try:
        for columns, parts in documents.all_parts():
            writer.add_document(**columns)
            inverter.add(parts)
            count += 1
            if count % 500 == 0:
                report(count, "read")
        db.session.rollback()  # end the read transaction before the slow part
        report(count, "write")
        writer.commit(merge=False)
        # The posting arrays belong to the generation: written before it goes live.
        with index.reader() as reader:
            for leaf, _offset in reader.leaf_readers():
                ident = postings.segment_id(leaf)
                if ident is not None:
                    inversion.write_segment(generation.path, ident, inverter)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    finally:
        index.close()
    state = {"last_seq": start_seq, "built_at": utcnow().isoformat(timespec="seconds"), "documents": count,
             "build_seconds": round(time.perf_counter() - started, 1)}
    store.write_state(generation.path, state)
    store.switch_to(folder, generation)
    return state


def _last_outbox_seq() -> int:
    from sqlalchemy import func, select

    from app.catalog.models import PublicationEvent

    return db.session.scalar(select(func.max(PublicationEvent.seq))) or 0


class _Runner:
    """Background loop in the web process (embedded default). A file lock makes sure only one
    process of a multi-worker server runs it."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.wake = threading.Event()
        self.stop = threading.Event()
        self._lock_file = None

    def start(self, app: Flask, interval: float) -> bool:
        if self.thread is not None and self.thread.is_alive():
            return True
        folder = store.root(app.config["SEARCH_INDEX_DIR"])
        handle = open(Path(folder) / "indexer.lock", "a+")  # noqa: SIM115 - held for the process lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        self.stop.clear()
        self.thread = threading.Thread(target=self._loop, args=(app, interval), name="search-indexer", daemon=True)
        self.thread.start()
        return True

    def _loop(self, app: Flask, interval: float) -> None:
        while not self.stop.is_set():
            with app.app_context():
                try:
                    while apply_pending():
                        pass
                except Exception:  # keep the loop alive; the health page shows the lag
                    log.exception("indexer round failed")
                finally:
                    db.session.remove()
            self.wake.wait(interval)
            self.wake.clear()

    def shutdown(self) -> None:
        self.stop.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.thread = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


runner = _Runner()


def nudge() -> None:
    """Ask the in-process indexer to run now (after a publication)."""
    runner.wake.set()


def run_forever(interval: float = 0.5) -> None:
    """``flask search worker``: the indexer as its own process."""
    while True:
        while apply_pending():
            pass
        db.session.remove()
        time.sleep(interval)
