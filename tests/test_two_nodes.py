"""Two nodes on one PostgreSQL, as production runs them: each node is a gunicorn with two web
workers, its own job worker and its own search worker, with its own instance and index folders;
one STORAGE_DIR is shared. Work started on node A is followed and fetched on node B; a job
worker killed with SIGKILL mid-import leaves the job "interrupted" with nothing written, and a
re-run succeeds; a publication becomes searchable on B through B's own search worker and index;
a rebuild requested on A rebuilds B's index too.

PostgreSQL only (skipped on SQLite, which is one machine's file). The nodes run the code and the
compiled catalogs of this tree (``make test`` compiles them).
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from app.catalog import synthetic
from app.catalog.models import Procedure
from app.extensions import db
from app.i18n import editor

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
WEB_WORKERS = 2
pytestmark = pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                                reason="two nodes share a PostgreSQL database")


def _die_with_parent() -> None:
    """Linux: the node's processes are killed when the test process ends, however it ends."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Node:
    """One node: gunicorn (web workers) and a job worker, with this node's folders."""

    def __init__(self, name: str, base: Path, shared: Path, database_url: str):
        self.name, self.port = name, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder = base / name
        folder.mkdir()
        self.env = {**os.environ, "FLASK_APP": "wsgi", "APP_ENV": "production", "DATABASE_URL": database_url,
                    "SECRET_KEY": "two-nodes-test-secret", "STORAGE_DIR": str(shared),
                    "INSTANCE_DIR": str(folder / "instance"), "SEARCH_INDEX_DIR": str(folder / "index"),
                    "NODE_NAME": name, "JOB_RUNNER": "external", "SEARCH_INDEXER": "external",
                    "LOAD_DEMO_DATA": "0", "JOB_RUNNER_INTERVAL": "0.2", "CATALOG_CHECK_SECONDS": "1",
                    "DEFAULT_LOCALE": "en"}
        self.log = open(folder / "log.txt", "wb")  # noqa: SIM115 - closed in stop()
        self.web = self._spawn([str(Path(sys.executable).parent / "gunicorn"), "--workers", str(WEB_WORKERS),
                                "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"])
        self.jobs = self.start_job_worker()
        self.search = self._spawn([str(Path(sys.executable).parent / "flask"), "search", "worker",
                                   "--interval", "0.2"])

    def _spawn(self, command: list[str]) -> subprocess.Popen:
        # A process group of its own: stopping the node stops gunicorn's workers too.
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log,
                                preexec_fn=_die_with_parent, start_new_session=True)

    def start_job_worker(self) -> subprocess.Popen:
        return self._spawn([str(Path(sys.executable).parent / "flask"), "jobs", "worker"])

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"node {self.name} did not start: {self.log.name}")

    def stop(self) -> None:
        for process, stop in ((self.web, signal.SIGINT), (self.jobs, signal.SIGTERM),  # gunicorn: quick stop
                              (self.search, signal.SIGTERM)):
            if process.poll() is None:
                os.killpg(process.pid, stop)
        for process in (self.web, self.jobs, self.search):
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # whatever of the group is left
            except ProcessLookupError:
                pass
            process.wait()
        self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A user with one cookie jar, talking to either node (the session works on both: one key)."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        self.token = ""

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                status, head, body = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, head, body = error.code, dict(error.headers), error.read()
        text = body.decode("utf-8", "replace") if "text" in head.get("Content-Type", "") else ""
        found = re.search(r'name="csrf_token" value="([^"]+)"', text) or re.search(
            r'"X-CSRFToken": ?"([^"]+)"', text)
        if found:
            self.token = found.group(1)
        return status, head, text if text else body

    def get(self, url: str, **headers) -> tuple[int, dict, str]:
        return self.request(url, headers=headers)

    def post(self, url: str, fields: dict, file: tuple[str, bytes] | None = None) -> tuple[int, dict, str]:
        fields = {**fields, "csrf_token": self.token}
        if file is None:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            return self.request(url, body, {"Content-Type": "application/x-www-form-urlencoded"})
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file[0]}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + file[1] + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, node: Node, username: str) -> Browser:
        self.get(f"{node.url}/login")
        status, head, _ = self.post(f"{node.url}/login", {"username": username, "password": PASSWORD})
        assert status == 302, f"login of {username} on {node.name}: {status}"
        self.get(f"{node.url}/procedures")  # a page with the token of the signed-in session
        return self


@pytest.fixture(scope="module")
def nodes(database_url, tmp_path_factory):
    if not (ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.mo").exists():
        pytest.fail("compile the catalogs first (make translations): a missing set-up fails, it is not skipped")
    base = tmp_path_factory.mktemp("two-nodes")
    shared = base / "shared"
    shared.mkdir()
    started = [Node(name, base, shared, database_url) for name in ("a", "b")]
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine boots gunicorn slowly
        for node in started:
            node.wait_ready(deadline)
        yield started
    finally:
        for node in started:
            node.stop()
        # What the nodes' workers did after the last test's tables were emptied (a scheduled
        # cleanup job) must not reach the next test module.
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM job"))
        engine.dispose()


def _jsonl(count: int, start: int) -> bytes:
    return b"".join(json.dumps(record, ensure_ascii=False).encode() + b"\n"
                    for record in synthetic.generate_records(count, seed=7, start=start))


def _job_state(html: str) -> str:
    if "hx-trigger" in html:
        return "active"
    if "was interrupted" in html:
        return "interrupted"
    if "flash-success" in html:
        return "done"
    return "failed"


def _poll(browser: Browser, urls: list[str], *, until: str, minimum: int = 0, timeout: float = 45):
    """Poll the job page on the given nodes in turn until it says ``until`` (and at least
    ``minimum`` polls were made); every poll must answer 200 with the job. Returns the count."""
    polls, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, html = browser.get(urls[polls % len(urls)], **{"HX-Request": "true"})
        polls += 1
        assert status == 200, f"poll {polls} answered {status}"
        state = _job_state(html)
        assert state in ("active", until), f"poll {polls}: {state}"
        if state == until and polls >= minimum:
            return polls
        time.sleep(0.02)
    raise AssertionError(f"the job did not reach {until} in {timeout} s")


def _codes_imported(codes: list[str]) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Procedure.id)).where(Procedure.code.in_(codes)))


def test_an_import_on_a_is_followed_on_b_from_every_worker(nodes, app, make_user):
    a, b = nodes
    make_user("ada", "admin", password=PASSWORD)
    admin = Browser().login(a, "ada")
    status, head, _ = admin.post(f"{a.url}/admin/imports", {"publish": "y"}, ("first.jsonl", _jsonl(300, 0)))
    assert status == 302
    job_path = urllib.parse.urlsplit(head["Location"]).path
    polls = _poll(admin, [f"{b.url}{job_path}", f"{a.url}{job_path}"], until="done", minimum=100)
    assert polls >= 100  # across the four web workers of both nodes: every one answered 200
    status, _, html = admin.get(f"{b.url}{job_path}")
    assert "300 new procedures" in html
    assert _codes_imported([r["code"] for r in synthetic.generate_records(300, seed=7)]) == 300


def test_an_export_started_on_a_downloads_from_b(nodes, app, make_user):
    a, b = nodes
    make_user("lena", "lead", password=PASSWORD)
    lead = Browser().login(a, "lena")
    status, head, _ = lead.post(f"{a.url}/exports", {"format": "csv", "status": "proposed", "agency": ""})
    assert status == 302
    job_path = urllib.parse.urlsplit(head["Location"]).path
    _poll(lead, [f"{b.url}{job_path}"], until="done")
    status, head, body = lead.get(f"{b.url}{job_path}/download")
    assert status == 200 and head["Content-Type"].startswith("text/csv") and body.startswith("\ufeff")
    status, _, listing = lead.get(f"{b.url}/exports")
    assert f"{job_path}/download" in listing


def test_a_translation_saved_on_a_shows_on_b_within_two_seconds(nodes, app, make_user):
    a, b = nodes
    make_user("tom", "translator", password=PASSWORD)
    make_user("rita", "reviewer", password=PASSWORD)
    translator = Browser().login(a, "tom")
    reader = Browser().login(b, "rita")
    reader.post(f"{b.url}/locale", {"locale": "th", "next": "/procedures"})
    status, _, page = reader.get(f"{b.url}/procedures")
    assert status == 200 and ">ค้นหา</a>" in page
    status, _, _ = translator.get(f"{a.url}/translations/th")
    assert status == 200
    message = editor.load("th").get("Search")  # the form's key and base, as the editor page carries them
    key, base = editor.entry_key(message), editor.msgstr_hash(editor._forms(message))
    status, _, _ = translator.post(f"{a.url}/translations/th/entry", {"key": key, "base": base,
                                                                       "msgstr_0": "ค้นหาทั้งสองโหนด"})
    assert status == 302
    saved = time.monotonic()
    while ">ค้นหาทั้งสองโหนด</a>" not in reader.get(f"{b.url}/procedures")[2]:
        assert time.monotonic() - saved < 2.0, "node B did not show the saved translation within 2 s"
        time.sleep(0.05)


def test_a_killed_job_worker_leaves_the_import_interrupted_and_a_rerun_succeeds(nodes, app, make_user):
    a, b = nodes
    make_user("ada", "admin", password=PASSWORD)
    admin = Browser().login(a, "ada")
    count, start = 600, 10_000
    codes = [record["code"] for record in synthetic.generate_records(count, seed=7, start=start)]
    b.jobs.send_signal(signal.SIGSTOP)  # node A's worker takes this import
    try:
        status, head, _ = admin.post(f"{a.url}/admin/imports", {"publish": "y"}, ("big.jsonl", _jsonl(count, start)))
        assert status == 302
        job_path = urllib.parse.urlsplit(head["Location"]).path
        deadline = time.monotonic() + 40
        while "Writing procedures" not in admin.get(f"{b.url}{job_path}", **{"HX-Request": "true"})[2]:
            assert time.monotonic() < deadline, "the import never reached its writing phase"
            time.sleep(0.05)
        a.jobs.send_signal(signal.SIGKILL)
        a.jobs.wait()
    finally:
        b.jobs.send_signal(signal.SIGCONT)
    status, _, html = admin.get(f"{b.url}{job_path}")
    assert status == 200 and _job_state(html) == "interrupted" and "Nothing was imported" in html
    assert _codes_imported(codes) == 0  # nothing half-written
    status, head, _ = admin.post(f"{b.url}{job_path}/rerun", {})
    assert status == 303
    rerun_path = urllib.parse.urlsplit(head["Location"]).path
    a.jobs = a.start_job_worker()
    _poll(admin, [f"{a.url}{rerun_path}", f"{b.url}{rerun_path}"], until="done", timeout=60)
    assert _codes_imported(codes) == count


def _search(browser: Browser, node: Node, text: str) -> str:
    status, _, html = browser.get(f"{node.url}/search?{urllib.parse.urlencode({'q': text})}")
    assert status == 200
    return html


def _replicas() -> dict[str, str | None]:
    from app.search.models import SearchNode

    db.session.rollback()
    return {node.name: node.generation for node in db.session.scalars(select(SearchNode))}


def _until(condition, timeout: float, message: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, message
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_publication_is_searchable_on_b_through_its_own_index(nodes, app, make_user, tmp_path):
    from app.catalog.importer import import_file

    a, b = nodes
    make_user("rita", "reviewer", password=PASSWORD)
    reviewer = Browser().login(b, "rita")
    # Each node's search worker built its own index when it found none.
    _until(lambda: all(_replicas().get(name) for name in ("a", "b")), 60, "the nodes built no index")
    # The suite empties every table between tests, the outbox too, so an index built during an
    # earlier test may remember outbox positions that no longer exist (production never empties
    # it): each node rebuilds from the present database first.
    from app.search import services as search_services

    before = _replicas()
    search_services.request_rebuild(nudge=False)
    db.session.commit()
    _until(lambda: all(_replicas().get(name) != before[name] for name in ("a", "b")), 60,
           "the nodes did not rebuild")
    record = next(synthetic.generate_records(1, seed=11, start=90_000))
    word = "ongmatduynhat"
    record["title"] = f"{record['title']} {word}"
    (tmp_path / "one.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(tmp_path / "one.jsonl", publish=True)  # published as node A's job worker would
    db.session.commit()
    # Through B's own search worker and index. The time is printed, not bounded: timings belong
    # in bench/ (issue 13); on a quiet machine it is well under 2 s.
    waited = _until(lambda: record["code"] in _search(reviewer, b, word), 30.0,
                    "node B's index never had the publication")
    print(f"publication searchable on node B after {waited:.2f} s")
    # Node A's own search worker applies the same outbox event, on its own schedule.
    _until(lambda: record["code"] in _search(reviewer, a, word), 30.0, "node A's index never had the publication")


def test_a_rebuild_requested_on_a_rebuilds_b(nodes, app, make_user):
    a, b = nodes
    make_user("ada", "admin", password=PASSWORD)
    admin = Browser().login(a, "ada")
    _until(lambda: all(_replicas().get(name) for name in ("a", "b")), 60, "the nodes built no index")
    before = _replicas()
    status, _, _ = admin.post(f"{a.url}/admin/search/rebuild", {})
    assert status == 302
    _until(lambda: all(_replicas().get(name) != before[name] for name in ("a", "b")), 60,
           "a rebuild requested on A did not rebuild both nodes")
    status, _, html = admin.get(f"{b.url}/admin/search/progress", **{"HX-Request": "true"})
    assert status == 200 and html.count("Rebuild finished") == 2 and "hx-trigger" not in html
