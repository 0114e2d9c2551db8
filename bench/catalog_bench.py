"""Catalog list benchmark: p50/p95 of the list page per filter combination and page.

Usage:
    .venv/bin/python bench/catalog_bench.py --count 100000 [--database-url URL] [--repeat 30] [--workdir DIR]

Prepares the database (migrations; when it holds fewer procedures than ``--count``, a corpus
generated with ``flask procedures generate`` and imported with ``flask procedures import
--publish``), signs in as a reviewer and requests ``/procedures`` through the whole app (route,
queries, template), one request at a time: each case once to warm up, then ``--repeat`` times.
Filter values are taken from the data (the largest sector and agency, a level...). Prints one
line per case and the worst p95.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _setup  # noqa: E402


def cases(most: dict[str, str], pages: int) -> list[tuple[str, dict]]:
    """(name, query arguments): single filters, the combinations of issue 12, text, sorts, pages."""
    sector, agency, word = most["sector"], most["agency"], most["word"]
    return [
        ("no filter, page 1", {}),
        ("no filter, page 3", {"page": 3}),
        ("no filter, middle page", {"page": pages // 2}),
        ("no filter, last page", {"page": pages}),
        ("status=abolished", {"status": "abolished"}),
        ("kind=internal", {"kind": "internal"}),
        ("level=district", {"level": "district"}),
        ("online_level=full", {"online_level": "full"}),
        ("sector", {"sector": sector}),
        ("agency", {"agency": agency}),
        ("sector+agency+level, page 3", {"sector": sector, "agency": agency, "level": "province", "page": 3}),
        ("all six filters", {"sector": sector, "agency": agency, "level": "province", "kind": "external",
                             "online_level": "partial", "status": "published"}),
        ("two sectors + level, page 20", {"sector": [sector, most["sector2"]], "level": ["district", "commune"],
                                          "page": 20}),
        ("text, common word", {"q": word}),
        ("text without diacritics", {"q": most["folded"]}),
        ("text + sector, page 2", {"q": word, "sector": sector, "page": 2}),
        ("code prefix", {"q": most["prefix"]}),
        ("sort title desc, page 40", {"sort": "title", "direction": "desc", "page": 40}),
        ("sort updated + kind, page 100", {"sort": "updated", "kind": "external", "page": 100}),
        ("sort agency + level, last page", {"sort": "agency", "level": "commune", "page": 10**6}),
    ]


def data_facts() -> tuple[dict[str, str], int]:
    from sqlalchemy import func, select

    from app.catalog.models import CatalogEntry as E
    from app.extensions import db

    def largest(column, skip=0):
        return db.session.execute(select(column).group_by(column).order_by(func.count().desc(), column)
                                  .offset(skip).limit(1)).scalar_one()

    visible = db.session.scalar(select(func.count()).select_from(E).where(E.status != "draft"))
    code = db.session.scalar(select(E.code).order_by(E.code).offset(visible // 2).limit(1))
    return {"sector": largest(E.sector), "sector2": largest(E.sector, 1), "agency": largest(E.agency),
            "word": "giấy phép", "folded": "dang ky", "prefix": code[:5]}, max(1, -(-visible // 25))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in the work folder")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.gettempdir()) / f"catalog-bench-{args.count}"
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    _setup.prepare(url, workdir, args.count)

    from app import create_app

    app = create_app()
    with app.app_context():
        most, pages = data_facts()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    answer = client.post("/login", data={"username": _setup.BENCH_USER, "password": _setup.BENCH_PASSWORD,
                                         "csrf_token": _setup.csrf_token(page)})
    if answer.status_code != 302:
        raise SystemExit(f"sign-in failed: HTTP {answer.status_code}")

    dialect = url.split(":", 1)[0].split("+", 1)[0]
    print(f"catalog list, {args.count:,} procedures, {dialect}, {args.repeat} requests per case (ms)")
    # CPU: this process's time (the app, and SQLite's work, which runs in it; not PostgreSQL's),
    # less disturbed than the wall clock when other work shares the machine.
    print(f"{'case':<34} {'p50':>7} {'p95':>7} {'max':>7} {'cpu p50':>8}")
    worst = 0.0
    for name, params in cases(most, pages):
        target = "/procedures?" + urlencode(params, doseq=True)
        timings, cpu = [], []
        for attempt in range(args.repeat + 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(target)
            elapsed = (time.perf_counter() - started) * 1000
            if attempt:
                cpu.append((time.process_time() - cpu_started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{target}: HTTP {response.status_code}")
            if attempt:  # the first request warms the caches
                timings.append(elapsed)
        p95 = _setup.percentile(timings, 0.95)
        worst = max(worst, p95)
        print(f"{name:<34} {statistics.median(timings):7.1f} {p95:7.1f} {max(timings):7.1f} "
              f"{statistics.median(cpu):8.1f}")
    print(f"worst p95: {worst:.1f} ms; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
