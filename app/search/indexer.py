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
from flask_babel import gettext as _
from whoosh.writing import LockError

from app.catalog.publication import events_after
from app.core import jobs
from app.extensions import db
from app.search import columns, documents, inversion, nodes, postings, rebuilds, store, writers
from app.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 2000


def _index_dir() -> str:
    return current_app.config["SEARCH_INDEX_DIR"]


def apply_pending(limit: int = BATCH) -> int:
    """Apply outbox events after the last one applied; return how many were applied (none
    while this node has no index: its rebuild starts from the outbox position it reads)."""
    generation = store.current(_index_dir())
    if generation is None:
        return 0
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
    """Build a fresh generation of this node's index from the database and switch to it.

    Whoosh receives each procedure's ids and columns; the text fields are inverted by
    ``inversion`` into the posting arrays of the same segment (one writer, so document numbers
    follow the order of addition). The outbox position is taken before reading, so events
    that arrive during the build are applied again afterwards (harmless, see module docstring).
    ``progress(done, total, phase)`` is called at the start, as procedures are read ("read")
    and once more when the index files are being written ("write").
    ``rebuilds.RebuildRunning`` when another rebuild of this node's index is under way.
    """
    folder = _index_dir()
    with rebuilds.exclusive(folder):
        total = len(documents.searchable_ids())

        def report(done: int, phase: str) -> None:
            if progress:
                progress(done, total, phase)

        report(0, "read")
        return _build(folder, report)


# Whoever wants to follow this process's rebuild jobs as they run (the command line's bar).
progress_listeners: list[Callable[[int, int, str], None]] = []


@jobs.handler(nodes.REBUILD_KIND, dedicated=True)
def run_rebuild_job(job: jobs.Running) -> dict:
    """A requested rebuild of this node's index, run by this node's search worker."""
    def report(done: int, total: int, phase: str) -> None:
        job.progress(phase, done, total)
        for listener in list(progress_listeners):
            listener(done, total, phase)

    try:
        return rebuild(progress=report)
    except rebuilds.RebuildRunning as exc:
        raise jobs.JobFailed(_("Another rebuild of this server's index is already running.")) from exc


def carry_out_requests() -> int:
    """Run this node's queued rebuild jobs, one at a time; returns how many ran."""
    app = current_app._get_current_object()
    jobs.reap()
    count = 0
    while (job_id := nodes.claim()) is not None:
        db.session.rollback()
        jobs.run_claimed(app, job_id)
        count += 1
    return count


def replica_state() -> dict:
    """This node's index as a search sees it: generation, documents, outbox position and the
    problem that keeps it from serving (None when it serves)."""
    folder = _index_dir()
    generation = store.current(folder)
    state = store.read_state(generation.path) if generation else {}
    try:
        with store.searchers.lease(folder) as (searcher, _key, _extras):
            documents_count = searcher.doc_count()
        problem = None
    except store.IndexUnavailable as exc:
        documents_count, problem = 0, str(exc)
    return {"generation": generation.name if generation else None, "documents": documents_count,
            "last_seq": state.get("last_seq", 0), "problem": problem}


REPORT_EVERY = 10.0  # seconds between reports of an unchanged replica (the admin page's "last report")
_reported: dict = {}


def look_after_replica() -> dict:
    """Report this node's replica, and queue its rebuild when it has no index or a broken one."""
    state = replica_state()
    last_state, last_at = _reported.get("state"), _reported.get("at", 0.0)
    if state != last_state or time.monotonic() - last_at >= REPORT_EVERY:
        nodes.report(**state)
        _reported.update(state=state, at=time.monotonic())
    if state["problem"] and nodes.may_repair():
        reason = "missing" if state["problem"] == "missing" else "broken"
        nodes.request_rebuild(nodes=[nodes.this_node()], reason=reason)
    return state


def work_round() -> int:
    """One round of a node's search worker: look after the replica, carry out its rebuilds,
    apply the outbox. Returns the events applied."""
    look_after_replica()
    carry_out_requests()
    total = 0
    while count := apply_pending():
        total += count
    return total


def _build(folder: str, report: Callable[[int, str], None]) -> dict:
    start_seq = _last_outbox_seq()
    generation, holder = store.new_generation(folder)
    try:
        state = _build_into(folder, generation, start_seq, report)
        # Opened here before the switch (the build's memory is freed by now): this process's
        # next search finds it open, and its files are in the page cache for the others.
        store.searchers.preload(generation)
        store.switch_to(folder, generation)
        return state
    finally:
        holder.close()
        store.remove_unused(folder)  # a failed build's folder; old generations no process holds


def _build_into(folder: str, generation: store.Generation, start_seq: int,
                report: Callable[[int, str], None]) -> dict:
    index = store.open_index(generation)
    writer = writers.open_writer(index, generation.path, limitmb=256)
    inverter = inversion.Inverter()
    column_writer = columns.ColumnWriter()
    count = 0
    started = time.perf_counter()
    try:
        for values, parts in documents.all_parts():
            writer.add_document(**values)
            column_writer.add(values)
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
                    inversion.write_segment(generation.path, ident, inverter, column_writer)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    finally:
        index.close()
    state = {"last_seq": start_seq, "built_at": utcnow().isoformat(timespec="seconds"), "documents": count,
             "build_seconds": round(time.perf_counter() - started, 1)}
    store.write_state(generation.path, state)
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
                    work_round()
                except Exception:  # keep the loop alive; the health page shows the lag
                    log.exception("search worker round failed")
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
    """``flask search worker``: this node's search worker as its own process."""
    while True:
        try:
            work_round()
        except Exception:  # keep the worker alive (a database restart, say); the admin page shows the lag
            log.exception("search worker round failed")
        finally:
            db.session.remove()
        time.sleep(interval)
