"""Mixed HTTP load: gunicorn workers on a database, many client connections, three kinds of page.

Usage:
    .venv/bin/python bench/load_bench.py --count 100000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        [--workers 4] [--connections 16] [--duration 60] [--import-count 10000] [--port 8765]

Prepares the database like ``catalog_bench.py`` (migrations, a generated corpus imported with
``flask procedures import --publish`` when it holds fewer than ``--count``) and builds the search
index when there is none (``flask search reindex``). Then starts ``gunicorn -w N wsgi:app`` on
127.0.0.1 with ``SEARCH_INDEXER=external`` and one ``flask search worker``, signs in as a
reviewer, and runs ``--connections`` client threads for ``--duration`` seconds, each sending
requests one after another (a new connection each: gunicorn's sync workers close them):
60 % searches (1-3 words from titles, a facet filter on every fourth), 20 % catalog lists with
filters (sector, agency, level, kind, online service, status and page chosen at random from the
data), 20 % procedure pages (random codes). With ``--import-count N`` an import of N changed
procedures (a generated corpus with another seed: new versions, published) runs in a separate
process during the load (the CPU a job worker running it would take). Prints requests per second, p50/p95
per kind and the errors (any answer but 200, or no answer). Every process it starts is stopped.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _setup  # noqa: E402

HOST = "127.0.0.1"
WORDS_PER_QUERY = (1, 1, 2, 2, 2, 3)


class Client:
    """HTTP/1.1 to the server on 127.0.0.1 with one session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None, timeout: float = 30) -> tuple[int, str]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                self.cookie = "; ".join(f"{key}={morsel.value}" for key, morsel in cookie.items())
            return response.status, text
        finally:
            connection.close()

    def sign_in(self) -> None:
        status, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", urlencode({
            "username": _setup.BENCH_USER, "password": _setup.BENCH_PASSWORD,
            "csrf_token": _setup.csrf_token(page)}))
        if status != 302:
            raise SystemExit(f"sign-in failed: HTTP {status}")


def workload(seed: int) -> dict:
    """Search words, filter values and codes to draw requests from, taken from the data."""
    from sqlalchemy import func, select

    from app import create_app
    from app.catalog import synthetic
    from app.catalog.models import CatalogEntry as E
    from app.extensions import db

    app = create_app()
    with app.app_context():
        sectors = list(db.session.scalars(select(E.sector).group_by(E.sector).order_by(func.count().desc())))
        agencies = list(db.session.scalars(select(E.agency).group_by(E.agency).order_by(func.count().desc())))
        codes = list(db.session.scalars(select(E.code).where(E.status != "draft")))
    rng = random.Random(seed)
    titles = [r["title"] for r in synthetic.generate_records(2000, seed=7)]
    queries = []
    for _ in range(500):
        words = rng.choice(titles).split()
        n = min(rng.choice(WORDS_PER_QUERY), len(words))
        start = rng.randrange(0, len(words) - n + 1)
        queries.append(" ".join(words[start:start + n]).lower())
    return {"sectors": sectors[:40], "agencies": agencies[:60], "codes": codes, "queries": queries}


def next_request(rng: random.Random, data: dict) -> tuple[str, str]:
    draw = rng.random()
    if draw < 0.6:
        params = {"q": rng.choice(data["queries"])}
        if rng.random() < 0.25:
            params["level"] = rng.choice(["central", "province", "district", "commune"])
        return "search", "/search?" + urlencode(params)
    if draw < 0.8:
        params: dict = {}
        for name, values, share in (("sector", data["sectors"], 0.5), ("agency", data["agencies"], 0.4),
                                    ("level", ["central", "province", "district", "commune"], 0.4),
                                    ("kind", ["external", "internal"], 0.2),
                                    ("online_level", ["none", "partial", "full"], 0.2),
                                    ("status", ["published", "abolished"], 0.1)):
            if rng.random() < share:
                params[name] = rng.choice(values)
        params["page"] = rng.choice([1, 1, 2, 3, 5])
        return "catalog", "/procedures?" + urlencode(params)
    return "procedure", "/procedures/" + rng.choice(data["codes"])


def run_load(port: int, cookie: str, data: dict, connections: int, duration: float) -> dict:
    results: dict[str, list[float]] = {"search": [], "catalog": [], "procedure": []}
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def worker(number: int) -> None:
        rng = random.Random(number)
        client = Client(port)
        client.cookie = cookie
        mine: dict[str, list[float]] = {kind: [] for kind in results}
        my_errors = []
        while time.perf_counter() < stop_at:
            kind, path = next_request(rng, data)
            started = time.perf_counter()
            try:
                status, _body = client.request("GET", path)
            except (OSError, http.client.HTTPException) as exc:
                my_errors.append(f"{kind} {path}: {exc.__class__.__name__}")
                continue
            elapsed = time.perf_counter() - started
            if status != 200:
                my_errors.append(f"{kind} {path}: HTTP {status}")
            else:
                mine[kind].append(elapsed)
        with lock:
            for kind, values in mine.items():
                results[kind].extend(values)
            errors.extend(my_errors)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"results": results, "errors": errors, "elapsed": time.perf_counter() - started}


def wait_until_up(port: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            Client(port).request("GET", "/login", timeout=5)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by the live processes of a process group (Linux)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, ...
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in the work folder")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--import-count", type=int, default=0, help="import this many changed procedures meanwhile")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.gettempdir()) / f"load-bench-{args.count}"
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    _setup.prepare(url, workdir, args.count)
    env = _setup.environment(url, workdir)
    if not (workdir / "search_index" / "CURRENT").exists():
        print("building the search index ...", file=sys.stderr)
        _setup.flask(env, "search", "reindex")
    data = workload(seed=11)
    changes = None
    if args.import_count:
        changes = workdir / f"changes-{args.import_count}.jsonl"
        if not changes.exists():
            _setup.flask(env, "procedures", "generate", "--count", str(args.import_count), "--seed", "99",
                         "-o", str(changes))

    served = dict(env, SEARCH_INDEXER="external", JOB_RUNNER="external")
    logs = open(workdir / "server.log", "w")
    server = indexer = importer = None
    try:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-w", str(args.workers), "-b", f"{HOST}:{args.port}",
             "--timeout", "120", "wsgi:app"], cwd=_setup.ROOT, env=served, stdout=logs, stderr=logs,
            start_new_session=True)
        indexer = subprocess.Popen([_setup.FLASK, "search", "worker"], cwd=_setup.ROOT, env=served, stdout=logs,
                                   stderr=logs, start_new_session=True)
        wait_until_up(args.port)
        client = Client(args.port)
        client.sign_in()
        # One request of each kind per worker first: the workers open the index and fill caches.
        warm = random.Random(0)
        for _ in range(args.workers * 6):
            client.request("GET", next_request(warm, data)[1])
        if changes is not None:
            importer = subprocess.Popen([_setup.FLASK, "procedures", "import", "--publish", str(changes)],
                                        cwd=_setup.ROOT, env=served, stdout=subprocess.PIPE, stderr=logs,
                                        text=True, start_new_session=True)
        cpu_before = cpu_seconds(server.pid)
        outcome = run_load(args.port, client.cookie, data, args.connections, args.duration)
        outcome["server_cpu"] = cpu_seconds(server.pid) - cpu_before
        import_note = ""
        if importer is not None:
            finished = importer.poll() is not None
            import_note = (f"; import of {args.import_count:,}: "
                           + ("finished during the run" if finished else "still running at the end"))
    finally:
        stop(importer)
        stop(indexer)
        stop(server)
        logs.close()

    results = outcome["results"]
    done = sum(len(values) for values in results.values())
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    print(f"mixed load, {args.count:,} procedures, {dialect}, gunicorn -w {args.workers}, "
          f"{args.connections} connections, {outcome['elapsed']:.0f} s{import_note}")
    print(f"{done / outcome['elapsed']:.1f} req/s, {done} answered, {len(outcome['errors'])} errors")
    if done:
        # Less sensitive to other work on the machine than the rate: what one request costs the
        # web workers, and the rate that cost allows on this machine's cores.
        per_request = outcome["server_cpu"] / done
        cores = os.cpu_count() or 1
        print(f"web workers' CPU: {1000 * per_request:.1f} ms per request "
              f"(at most {cores / per_request:.0f} req/s on {cores} cores); "
              f"load average {os.getloadavg()[0]:.1f} at the end")
    every = [value for values in results.values() for value in values]
    for kind, values in (*results.items(), ("all", every)):
        if values:
            print(f"  {kind:<10} {len(values):6d} requests  p50 {1000 * _setup.percentile(values, 0.5):7.1f} ms"
                  f"  p95 {1000 * _setup.percentile(values, 0.95):7.1f} ms")
    for error in outcome["errors"][:10]:
        print("  error:", error)


if __name__ == "__main__":
    main()
