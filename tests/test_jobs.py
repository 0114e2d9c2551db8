"""The job table: safe claiming, progress any process reads, interrupted jobs, re-runs, cleanup,
and the production settings that refuse to start."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import threading
import time

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.catalog.models import Procedure
from app.config import UnsafeConfiguration, check_production
from app.core import jobs, storage
from app.extensions import db
from helpers import record, wait_for_job, write_jsonl


def _dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _upload(client, content: bytes) -> str:
    response = client.post("/admin/imports", data={"file": (io.BytesIO(content), "f.jsonl"), "publish": "y"},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return response.headers["Location"].rsplit("/", 1)[1]


def test_each_queued_job_is_claimed_once_by_concurrent_workers(app):
    ids = [jobs.enqueue(jobs.CLEANUP_KIND, label=f"c{n}").id for n in range(12)]
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        with app.app_context():
            while (job_id := jobs.claim(f"{name}:1:w", kinds=[jobs.CLEANUP_KIND])) is not None:
                with lock:
                    claimed.append(job_id)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"host{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(ids)  # every job once, none twice
    db.session.expire_all()
    assert {job.state for job in db.session.scalars(select(jobs.Job))} == {"running"}


def test_a_job_for_one_node_is_claimed_only_there(app):
    job = jobs.enqueue(jobs.CLEANUP_KIND, node="node-b")
    assert jobs.claim("a:1:w", kinds=[jobs.CLEANUP_KIND], node="node-a") is None
    assert jobs.claim("b:1:w", kinds=[jobs.CLEANUP_KIND], node="node-b") == job.id


def test_progress_is_written_to_the_row_for_any_process(app):
    job = jobs.enqueue("import", params={"upload": "x.jsonl"})
    assert jobs.claim("elsewhere:1:w", kinds=["import"]) == job.id
    assert jobs.progress(job.id, "load", 30, 40)
    db.session.expire_all()
    row = db.session.get(jobs.Job, job.id)
    assert (row.state, row.phase, row.done, row.total, row.percent) == ("running", "load", 30, 40, 75)


def test_a_job_whose_worker_died_reads_interrupted_and_runs_again(app, client, make_user, login, tmp_path):
    login(make_user("ada", "admin"))
    content = write_jsonl(tmp_path / "f.jsonl", [record(f"1.{n:06d}") for n in range(1, 6)]).read_bytes()
    job_id = _upload(client, content)
    # A worker on this machine claimed it and was killed mid-way: its process is gone.
    assert jobs.claim(f"{socket.gethostname()}:{_dead_pid()}:MainThread", kinds=["import"]) == job_id
    page = client.get(f"/admin/imports/jobs/{job_id}").get_data(as_text=True)
    assert "The import was interrupted" in page and "Nothing was imported" in page
    assert "hx-trigger" not in page and "Run the import again" in page
    assert db.session.scalar(select(func.count(Procedure.id))) == 0
    response = client.post(f"/admin/imports/jobs/{job_id}/rerun")
    assert response.status_code == 303
    again = wait_for_job(response.headers["Location"].rsplit("/", 1)[1])
    assert again.state == "done" and again.rerun_of == job_id and again.result["new_procedures"] == 5
    assert db.session.scalar(select(func.count(Procedure.id))) == 5
    assert not list(storage.folder(storage.UPLOADS).iterdir())  # the upload is removed once imported


def test_a_silent_worker_on_another_machine_is_interrupted_after_the_heartbeat_timeout(app):
    job = jobs.enqueue("export", params={"format": "csv", "status": "proposed"})
    assert jobs.claim("other-machine:4242:MainThread", kinds=["export"]) == job.id
    part = storage.folder(storage.EXPORTS) / f".{job.id}.csv.abc123.part"
    part.write_text("half a file")
    assert jobs.get(job.id).state == "running"  # it beat a moment ago
    stale = jobs.Job.__table__.update().where(jobs.Job.id == job.id).values(
        heartbeat_at=jobs.utcnow() - jobs.HEARTBEAT_TIMEOUT * 2)
    db.session.execute(stale)
    db.session.commit()
    assert jobs.get(job.id).state == "interrupted"
    assert not part.exists()  # its temporary file is removed


def test_cleanup_job_removes_old_files_only(app):
    old = time.time() - 30 * 24 * 3600
    kept_upload = storage.folder(storage.UPLOADS) / "new.jsonl"
    old_upload = storage.folder(storage.UPLOADS) / "old.jsonl"
    old_plan = storage.folder(storage.BULK_PLANS) / "old.json"
    old_part = storage.folder(storage.EXPORTS) / ".x.csv.1.part"
    for path in (kept_upload, old_upload, old_plan, old_part):
        path.write_text("{}")
    for path in (old_upload, old_plan, old_part):
        os.utime(path, (old, old))
    job = jobs.enqueue(jobs.CLEANUP_KIND)
    done = wait_for_job(job.id)
    assert done.state == "done" and done.result == {"part": 1, "uploads": 1, "bulk_plans": 1, "exports": 0}
    assert kept_upload.exists() and not old_upload.exists() and not old_plan.exists() and not old_part.exists()


def test_worker_loop_schedules_cleanup_once_an_hour(app):
    assert jobs.schedule_cleanup() is not None
    assert jobs.schedule_cleanup() is None


def test_the_embedded_runner_thread_runs_a_queued_job(app, tmp_path):
    stop = threading.Event()
    runner = threading.Thread(target=jobs.work, args=(app,), kwargs={"stop": stop, "interval": 0.05})
    job = jobs.enqueue(jobs.CLEANUP_KIND)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.get(jobs.Job, job.id).state == "done":
                break
            time.sleep(0.05)
    finally:
        stop.set()
        runner.join(10)
    assert db.session.get(jobs.Job, job.id).state == "done"


@pytest.mark.parametrize(("settings", "problem"), [
    ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, "DATABASE_URL points to SQLite"),
    ({"STORAGE_DIR": ""}, "STORAGE_DIR is not set or does not exist"),
    ({"STORAGE_DIR": "/nonexistent/shared"}, "STORAGE_DIR is not set or does not exist"),
])
def test_production_refuses_unsafe_settings(tmp_path, settings, problem):
    good = {"APP_ENV": "production", "SECRET_KEY": "k" * 32, "STORAGE_DIR": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db"}
    check_production(good)
    with pytest.raises(UnsafeConfiguration, match=problem):
        check_production({**good, **settings})


def test_production_app_does_not_start_without_its_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("STORAGE_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app({"INSTANCE_DIR": str(tmp_path)})
    message = str(refused.value)
    assert "SECRET_KEY" in message and "SQLite" in message and "STORAGE_DIR" in message
    assert not (tmp_path / "secret_key").exists()  # no per-machine key is generated


def test_connections_are_checked_before_use(app):
    assert db.engine.pool._pre_ping


def test_a_connection_the_server_closed_does_not_fail_the_next_request(app, client, make_user, login):
    """PostgreSQL: terminate every other server connection of this database (as a restart or
    an idle timeout would); the pooled connections are replaced and the next request works."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the server-side connections to terminate are PostgreSQL's")
    import psycopg

    login(make_user("ada", "admin"))
    assert client.get("/admin/imports").status_code == 200
    db.session.remove()
    assert db.engine.pool.checkedin() >= 1  # an idle pooled connection, about to be killed
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as killer:
        killed = killer.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert killed >= 1
    for _ in range(3):
        assert client.get("/admin/imports").status_code == 200
