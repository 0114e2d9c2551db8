"""Long work as rows of the ``job`` table, run by whichever worker claims them.

The table is the truth for imports, bulk marking, exports, file cleanup and any later long
work: pages poll the row, so any web worker on any node answers. Workers are
``flask jobs worker`` processes (any number, on any node) or, in the embedded default
(``JOB_RUNNER=thread``), a thread of the web process running the same loop. Web workers in
production (``JOB_RUNNER=external``) only enqueue and read.

A kind of work registers a handler; the handler gets a :class:`Running` (the parameters and a
``progress`` method) and returns a JSON-able result, or raises :class:`JobFailed` with a
message for the user (and optional error rows). Anything else it raises fails the job with a
generic message; the traceback goes to the log.

    @jobs.handler("export", on_interrupt=remove_part_files)
    def run_export(job: jobs.Running) -> dict: ...

    job = jobs.enqueue("export", label=..., owner_id=..., params={...})   # commits
    jobs.get(job_id)                          # the row; "interrupted" once its worker is gone

The same steps are public for a dedicated loop (the search worker's per-node rebuilds):
``claim(worker, kinds=..., node=...)`` takes one queued job (``SELECT ... FOR UPDATE SKIP
LOCKED`` on PostgreSQL, a conditional UPDATE on SQLite), ``heartbeat(id)``,
``progress(id, phase, done, total)``, ``finish(id, result)`` / ``fail(id, message)``. A job
enqueued with ``node=...`` is claimed only by a worker that names that node.

Liveness: each claim records the worker (``host:pid:thread``) and a running job writes a
heartbeat every few seconds. A running job whose process is gone (same host) or whose heartbeat
is older than ``HEARTBEAT_TIMEOUT`` (another host) reads as "interrupted": ``reap``, called by
every worker loop and by every read of a job, marks it so and runs the kind's ``on_interrupt``
hook (removing its temporary files). Job writes go through their own short connections, so a
job's own long transaction never holds them back; on SQLite, where a long write transaction
blocks every other writer, a progress write that would wait is skipped and this process's own
figures are shown instead (SQLite is one machine, and liveness there is the process check).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

log = logging.getLogger(__name__)

STATES = ("queued", "running", "done", "failed", "interrupted")
ACTIVE = ("queued", "running")
HEARTBEAT_SECONDS = 2.0
HEARTBEAT_TIMEOUT = timedelta(seconds=30)
PROGRESS_SECONDS = 0.2
CLEANUP_KIND = "cleanup"
CLEANUP_EVERY = timedelta(hours=1)


class Job(db.Model):
    """One piece of long work and how far it is."""

    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    label: Mapped[str] = mapped_column(String(300), default="")
    node: Mapped[str | None] = mapped_column(String(100))  # only a worker of this node claims it
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    phase: Mapped[str] = mapped_column(String(40), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[Any | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    errors: Mapped[list | None] = mapped_column(JSON)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    rerun_of: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def active(self) -> bool:
        """Queued or running: the page keeps polling."""
        return self.state in ACTIVE

    @property
    def message(self) -> str:
        return self.error or ""

    @property
    def percent(self) -> int:
        phase, done, total = _live.get(self.id, (self.phase, self.done, self.total))
        return percent(self.state, done, total)

    @property
    def live_phase(self) -> str:
        return _live.get(self.id, (self.phase,))[0]


def percent(state: str, done: int, total: int) -> int:
    """A progress bar's value: 100 once finished, at most 99 while queued or running."""
    if state not in ACTIVE:
        return 100
    if not total:
        return 0
    return min(99, int(100 * done / total))


class JobFailed(Exception):
    """A handler's failure with a message for the user (and optional error rows)."""

    def __init__(self, message: str, errors: list | None = None, error_count: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.error_count = len(self.errors) if error_count is None else error_count


@dataclass
class Running:
    """What a handler gets: the job's identity and parameters, and a way to report progress."""

    id: str
    kind: str
    owner_id: int | None
    params: dict
    phase: str = "queued"
    done: int = 0
    total: int = 0
    _written: float = field(default=0.0, repr=False)

    def progress(self, phase: str | None = None, done: int | None = None, total: int | None = None) -> None:
        """Report progress; written to the row at most every ``PROGRESS_SECONDS``."""
        if phase is not None:
            self.phase = phase
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        _live[self.id] = (self.phase, self.done, self.total)
        now = time.monotonic()
        if phase is not None or now - self._written >= PROGRESS_SECONDS:
            self._written = now
            progress(self.id, self.phase, self.done, self.total)


@dataclass
class Handler:
    run: Callable[[Running], Any]
    on_interrupt: Callable[[Job], None] | None = None
    dedicated: bool = False  # claimed only by a loop that names the kind (the search worker)


_handlers: dict[str, Handler] = {}
# Progress of the jobs this process runs, for its own pages when SQLite held a write back.
_live: dict[str, tuple[str, int, int]] = {}
_running_here: set[str] = set()


def handler(kind: str, *, on_interrupt: Callable[[Job], None] | None = None, dedicated: bool = False):
    """Register the function that runs jobs of ``kind``; a ``dedicated`` kind is left to a loop
    that claims it by name (``claim(..., kinds=[kind])``), never to the general workers."""
    def register(function: Callable[[Running], Any]):
        _handlers[kind] = Handler(function, on_interrupt, dedicated)
        return function
    return register


def registered_kinds() -> tuple[str, ...]:
    """The kinds the general workers claim."""
    return tuple(sorted(kind for kind, entry in _handlers.items() if not entry.dedicated))


# -- writing ------------------------------------------------------------------------------------

def enqueue(kind: str, *, label: str = "", owner_id: int | None = None, params: dict | None = None,
            node: str | None = None, rerun_of: str | None = None) -> Job:
    """Add a queued job and commit; a runner thread of this process starts on it at once."""
    job = Job(id=uuid.uuid4().hex, kind=kind, label=str(label)[:300], owner_id=owner_id, params=params or {},
              node=node, state="queued", phase="queued", done=0, total=0, error_count=0, rerun_of=rerun_of,
              created_at=utcnow())
    db.session.add(job)
    db.session.commit()
    runner.wake.set()
    return job


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _write(job_id: str, *conditions, patient: bool = True, **values) -> bool:
    """Update the row in its own transaction; True when a row changed. Impatient writes (progress,
    heartbeats) give up at once on SQLite when another transaction holds the write lock."""
    table = Job.__table__
    statement = update(table).where(table.c.id == job_id, *conditions).values(**values)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite and not patient:
            connection.exec_driver_sql("PRAGMA busy_timeout=50")
        try:
            changed = connection.execute(statement).rowcount
            connection.commit()
            return changed > 0
        except OperationalError:
            if patient:
                raise
            connection.rollback()
            return False
        finally:
            if sqlite and not patient:
                connection.exec_driver_sql("PRAGMA busy_timeout=30000")


def progress(job_id: str, phase: str | None = None, done: int | None = None, total: int | None = None) -> bool:
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if phase is not None:
        values["phase"] = phase
    if done is not None:
        values["done"] = done
    if total is not None:
        values["total"] = total
    return _write(job_id, Job.__table__.c.state == "running", patient=False, **values)


def heartbeat(job_id: str) -> bool:
    return _write(job_id, Job.__table__.c.state == "running", patient=False, heartbeat_at=utcnow())


def finish(job_id: str, result: Any = None) -> bool:
    phase, done, total = _live.pop(job_id, (None, None, None))
    values = {"state": "done", "result": result, "finished_at": utcnow(), "heartbeat_at": utcnow()}
    if phase is not None:
        values.update(phase=phase, done=done, total=total)
    return _write(job_id, Job.__table__.c.state == "running", **values)


def fail(job_id: str, message: str = "", errors: list | None = None, error_count: int = 0) -> bool:
    _live.pop(job_id, None)
    return _write(job_id, Job.__table__.c.state == "running", state="failed", error=message or None,
                  errors=errors or None, error_count=error_count, finished_at=utcnow())


def claim(worker: str, kinds: Iterable[str] | None = None, node: str | None = None) -> str | None:
    """Take the oldest queued job (of ``kinds``; for ``node`` or for any node); its id, or None."""
    table = Job.__table__
    kinds = tuple(kinds) if kinds is not None else registered_kinds()
    if not kinds:
        return None
    conditions = [table.c.state == "queued", table.c.kind.in_(kinds)]
    conditions.append(table.c.node.is_(None) if node is None else (table.c.node.is_(None) | (table.c.node == node)))
    candidates = select(table.c.id).where(*conditions).order_by(table.c.created_at, table.c.id)
    now = utcnow()
    claimed = {"state": "running", "worker": worker, "started_at": now, "heartbeat_at": now, "phase": "start"}
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            job_id = connection.execute(candidates.limit(1).with_for_update(skip_locked=True)).scalar()
            if job_id is not None:
                connection.execute(update(table).where(table.c.id == job_id).values(**claimed))
            connection.commit()
            return job_id
        for job_id in connection.execute(candidates.limit(5)).scalars().all():
            won = connection.execute(update(table).where(table.c.id == job_id, table.c.state == "queued")
                                     .values(**claimed)).rowcount
            connection.commit()
            if won:
                return job_id
        connection.rollback()
    return None


# -- reading, and the truth about dead workers ----------------------------------------------------

def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child not yet reaped by its parent is a zombie: gone all the same
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def worker_lost(job: Job, now: datetime | None = None) -> bool:
    """Whether a running job's worker is gone (see the module docstring)."""
    if job.state != "running":
        return False
    host, _, rest = (job.worker or "").partition(":")
    pid_text = rest.split(":", 1)[0]
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            return job.id not in _running_here
        return _process_gone(pid)
    beat = job.heartbeat_at or job.started_at or job.created_at
    return beat < (now or utcnow()) - HEARTBEAT_TIMEOUT


def interrupt(job: Job) -> bool:
    """Mark a running job whose worker is gone as interrupted and remove its temporary files."""
    table = Job.__table__
    changed = _write(job.id, table.c.state == "running", table.c.worker == job.worker, state="interrupted",
                     finished_at=utcnow())
    if changed:
        log.warning("job %s (%s) interrupted: worker %s is gone", job.id, job.kind, job.worker)
        hook = _handlers.get(job.kind)
        if hook and hook.on_interrupt:
            try:
                hook.on_interrupt(job)
            except OSError:
                log.exception("cleaning up after job %s", job.id)
    return changed


def _settle(lost: list[Job]) -> int:
    """Interrupt jobs found lost, after ending this session's transaction: its read locks must
    not wait behind a lock request that itself waits for them (a TRUNCATE, a migration)."""
    for job in lost:
        db.session.expunge(job)
    db.session.rollback()
    return sum(1 for job in lost if interrupt(job))


def reap() -> int:
    """Mark every running job with a lost worker as interrupted; how many were."""
    running = db.session.scalars(select(Job).where(Job.state == "running")).all()
    lost = [job for job in running if worker_lost(job)]
    return _settle(lost) if lost else 0


def get(job_id: str, kind: str | None = None) -> Job | None:
    """The job (of ``kind``), with its state made true first; None when there is none."""
    if not job_id or len(job_id) > 32:
        return None
    job = db.session.get(Job, job_id)
    if job is None or (kind is not None and job.kind != kind):
        return None
    if worker_lost(job):
        _settle([job])
        job = db.session.get(Job, job_id)
    return job


def latest(kind: str) -> Job | None:
    return db.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.created_at.desc()).limit(1)).first()


def rerun(job: Job) -> Job:
    """A new queued job with the same kind, owner and parameters (of an interrupted or failed one)."""
    return enqueue(job.kind, label=job.label, owner_id=job.owner_id, params=dict(job.params or {}),
                   node=job.node, rerun_of=job.id)


# -- running ------------------------------------------------------------------------------------

def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def run_claimed(app: Flask, job_id: str) -> None:
    """Run a claimed job's handler inside an app context, with heartbeats, then record the outcome."""
    with app.app_context():
        job = db.session.get(Job, job_id)
        entry = _handlers.get(job.kind) if job else None
        if job is None:
            return
        running = Running(job.id, job.kind, job.owner_id, dict(job.params or {}))
        db.session.remove()
        if entry is None:
            fail(job_id, f"no handler for {running.kind}")
            return
        _running_here.add(job_id)
        stop = threading.Event()
        beats = threading.Thread(target=_beat, args=(app, job_id, stop), name=f"heartbeat-{job_id[:8]}",
                                 daemon=True)
        beats.start()
        try:
            result = entry.run(running)
        except JobFailed as exc:
            db.session.rollback()
            fail(job_id, exc.message, exc.errors, exc.error_count)
        except Exception:  # the job page says it failed; the log says why
            db.session.rollback()
            app.logger.exception("job %s (%s) failed", job_id, running.kind)
            fail(job_id)
        else:
            finish(job_id, result)
        finally:
            stop.set()
            beats.join(timeout=5)
            _running_here.discard(job_id)
            _live.pop(job_id, None)
            db.session.remove()


def _beat(app: Flask, job_id: str, stop: threading.Event) -> None:
    with app.app_context():
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                heartbeat(job_id)
            except Exception:  # a missed beat is retried; the job itself goes on
                log.exception("heartbeat of job %s", job_id)


def schedule_cleanup() -> Job | None:
    """Enqueue the cleanup of old files when none was queued within ``CLEANUP_EVERY``."""
    if CLEANUP_KIND not in _handlers:
        return None
    last = latest(CLEANUP_KIND)
    if last is not None and last.created_at > utcnow() - CLEANUP_EVERY:
        return None
    return enqueue(CLEANUP_KIND, label="cleanup")


def work(app: Flask, *, stop: threading.Event | None = None, interval: float = 0.5, once: bool = False,
         kinds: Iterable[str] | None = None, node: str | None = None, wake: threading.Event | None = None) -> int:
    """The worker loop: reap lost jobs, schedule cleanup, claim and run jobs; with ``once``,
    return when the queue is empty. Returns how many jobs it ran."""
    stop = stop or threading.Event()
    worker = worker_name()
    node = node if node is not None else app.config.get("NODE_NAME")
    ran = 0
    while not stop.is_set():
        with app.app_context():
            try:
                reap()
                if not once:
                    schedule_cleanup()
                db.session.remove()  # no transaction of this session stays open during the claim
                job_id = claim(worker, kinds, node)
            except OperationalError:  # the database is away for a moment: try again later
                app.logger.exception("job worker could not reach the database")
                job_id = None
            finally:
                db.session.remove()
        if job_id is not None:
            run_claimed(app, job_id)
            ran += 1
            continue
        if once:
            break
        if wake is not None:
            wake.wait(interval)
            wake.clear()
        else:
            stop.wait(interval)
    return ran


class _ThreadRunner:
    """The embedded default: one thread of the web process runs the worker loop."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.wake = threading.Event()
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def start(self, app: Flask, interval: float) -> bool:
        with self._lock:
            if self.thread is not None and self.thread.is_alive():
                return False
            self.stop.clear()
            self.thread = threading.Thread(target=work, args=(app,),
                                           kwargs={"stop": self.stop, "interval": interval, "wake": self.wake},
                                           name="job-runner", daemon=True)
            self.thread.start()
            return True

    def shutdown(self, timeout: float = 10) -> None:
        self.stop.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)


runner = _ThreadRunner()


def drain(app: Flask | None = None) -> int:
    """Run every queued job now, in a worker thread of this process, and wait (tests, CLI)."""
    app = app or current_app._get_current_object()
    counted: list[int] = []
    thread = threading.Thread(target=lambda: counted.append(work(app, once=True)), name="job-drain")
    thread.start()
    thread.join()
    return counted[0] if counted else 0
