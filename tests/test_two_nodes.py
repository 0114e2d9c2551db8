"""Two nodes on one PostgreSQL, as production runs them: each node is a gunicorn with two web
workers and its own job worker, with its own instance and index folders; one STORAGE_DIR is
shared. Work started on node A is followed and fetched on node B; a job worker killed with
SIGKILL mid-import leaves the job "interrupted" with nothing written, and a re-run succeeds.

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
from sqlalchemy import func, select

from app.catalog import synthetic
from app.catalog.models import Procedure
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
WEB_WORKERS = 2
pytestmark = pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                                reason="two nodes share a PostgreSQL database")


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
                    "NODE_NAME": name, "JOB_RUNNER": "external", "SEARCH_INDEXER": "off",
                    "LOAD_DEMO_DATA": "0", "JOB_RUNNER_INTERVAL": "0.2", "CATALOG_CHECK_SECONDS": "1",
                    "DEFAULT_LOCALE": "en"}
        self.log = open(folder / "log.txt", "wb")  # noqa: SIM115 - closed in stop()
        self.web = self._spawn([str(Path(sys.executable).parent / "gunicorn"), "--workers", str(WEB_WORKERS),
                                "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"])
        self.jobs = self.start_job_worker()

    def _spawn(self, command: list[str]) -> subprocess.Popen:
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log)

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
        for process in (self.web, self.jobs):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.web, self.jobs):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
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
        pytest.skip("compile the catalogs first (make translations)")
    base = tmp_path_factory.mktemp("two-nodes")
    shared = base / "shared"
    shared.mkdir()
    started = [Node(name, base, shared, database_url) for name in ("a", "b")]
    try:
        deadline = time.monotonic() + 60
        for node in started:
            node.wait_ready(deadline)
        yield started
    finally:
        for node in started:
            node.stop()


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
    translator = Browser().login(a, "tom")
    reader = Browser().login(b, "tom")
    reader.post(f"{b.url}/locale", {"locale": "th", "next": "/procedures"})
    status, _, page = reader.get(f"{b.url}/procedures")
    assert status == 200 and ">ค้นหา</a>" in page
    status, _, html = translator.get(f"{a.url}/translations/th?status=all&q=Search")
    entry = next(part for part in html.split('class="card translation-entry"')[1:]
                 if '<dd lang="en" class="msgid">Search</dd>' in part)
    key = re.search(r'name="key" value="([^"]+)"', entry).group(1)
    base = re.search(r'name="base" value="([^"]+)"', entry).group(1)
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
    count, start = 1500, 10_000
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


# Search on several nodes (issue 12 §4): a publication searchable on B within 2 s, and a rebuild
# requested on A rebuilding B, belong here, with a search worker added to ``Node``.
