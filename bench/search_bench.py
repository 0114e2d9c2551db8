"""Search benchmark: rebuild time and query latency at a given corpus size, with a baseline.

Usage:
    .venv/bin/python bench/search_bench.py --count 10000 [--queries 200] [--workdir DIR] [--marks N]

Generates the synthetic corpus, imports and publishes it into a fresh SQLite database, builds
the index (timed), then runs a fixed set of 1-3 word queries drawn from the corpus
vocabulary (seeded) through the full search service (facet counts over the whole result set,
top 20, snippets with marked words, rows loaded from the database), each query once, cold
result cache. The same queries then run through a plain Whoosh index with the default
StandardAnalyzer (one text field, no facets, no snippets) as the baseline. ``--marks N`` first
puts N review marks on random procedures, as a review in progress would (the review state facet
of every query reads them).

The rebuild runs in a process of its own, whose peak resident memory is printed. The first
search of a fresh process (a web worker that just started) is timed in new processes, and so
is the first search after a switch to a new generation in a process that was already serving
(the new generation is a copy of the current one, so its files are in the page cache, as after
a rebuild whose worker opened it before the switch).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.catalog import synthetic  # noqa: E402
from app.catalog.importer import import_file  # noqa: E402
from app.catalog.models import Procedure  # noqa: E402
from app.extensions import db  # noqa: E402
from app.review.models import Mark  # noqa: E402
from app.search import baseline, querying, services, store  # noqa: E402
from app.search.services import SearchRequest  # noqa: E402

WORDS_PER_QUERY = (1, 1, 2, 2, 2, 3)


def make_queries(count: int, seed: int) -> list[tuple[str, str]]:
    """(kind, text): queries of 1-3 words taken from titles of the corpus (as users type them).
    Every fourth has a typo (two letters of its longest word swapped: corrected automatically),
    every fifth is a longer natural query whose last words no procedure holds (partial matches,
    with the corrections tried for the unknown words), every seventh is typed literally with a
    typo (the "did you mean" suggestion)."""
    rng = random.Random(seed)
    titles = [r["title"] for r in synthetic.generate_records(2000, seed=7)]
    queries = []
    for number in range(count):
        words = rng.choice(titles).split()
        n = min(rng.choice(WORDS_PER_QUERY), len(words))
        start = rng.randrange(0, len(words) - n + 1)
        text = " ".join(words[start:start + n]).lower()
        if number % 4 == 1 or number % 7 == 3:
            longest = max(text.split(), key=len)
            if len(longest) >= 4:
                i = rng.randrange(0, len(longest) - 1)
                typo = longest[:i] + longest[i + 1] + longest[i] + longest[i + 2:]
                text = text.replace(longest, typo, 1)
            queries.append(("literal typo" if number % 7 == 3 else "typo", text))
        elif number % 5 == 2:
            queries.append(("partial", f"cần những giấy tờ gì để {text} ở xã hẻo lánh"))
        else:
            queries.append(("plain", text))
    return queries


def ensure_marks(count: int, seed: int) -> int:
    """At least ``count`` review marks (draft, proposed, accepted or rejected) on random
    procedures, written in one statement; returns how many there are."""
    existing = db.session.scalar(select(func.count(Mark.id)))
    if existing < count:
        rng = random.Random(seed)
        procedures = db.session.execute(select(Procedure.id, Procedure.current_version_id)
                                        .where(Procedure.status == "published")).all()
        rows = []
        for _ in range(count - existing):
            procedure_id, version_id = rng.choice(procedures)
            rows.append({"procedure_id": procedure_id, "version_id": version_id, "target_kind": "procedure",
                         "element_key": None, "target_hash": "-", "action": "simplify", "params": {},
                         "rationale": "", "status": rng.choice(("draft", "proposed", "accepted", "rejected")),
                         "revision": 1})
        db.session.execute(insert(Mark), rows)
        db.session.commit()
        existing = count
    return existing


def publication_latency(folder: Path, count: int, seed: int) -> dict[str, float]:
    """Publish a changed version of one procedure with a word found nowhere else, then time the
    indexer's round and the first search that finds it (what a reviewer waits for)."""
    record = next(synthetic.generate_records(1, seed=seed, start=count // 2))
    word = "dấuvết" + "".join(random.Random().choice("abcdefghik") for _ in range(8))
    record["title"] = f"{record['title']} {word}"
    record["status"] = "published"  # the generator makes some drafts
    changed = folder / "published-change.jsonl"
    changed.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    import_file(changed, publish=True)
    started = time.perf_counter()
    services.apply_pending()
    applied = time.perf_counter()
    page = services.search(SearchRequest(text=word))
    found = time.perf_counter()
    assert [item.procedure.code for item in page.items] == [record["code"]], ("the change was not found", word, [item.procedure.code for item in page.items][:5], record["code"])
    db.session.remove()
    return {"apply": applied - started, "search": found - applied, "total": found - started}


FIRST_QUERY = "đăng ký hộ kinh doanh"


def child_main(mode: str, app) -> dict:
    """What a child process measures (``--child``); returns figures as a dict."""
    with app.app_context():
        if mode == "rebuild":
            state = services.reindex()
            return {**state, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        if mode == "first-search":
            started = time.perf_counter()
            services.search(SearchRequest(text=FIRST_QUERY))
            return {"ms": (time.perf_counter() - started) * 1000}
        if mode == "after-switch":
            services.search(SearchRequest(text="giấy phép"))  # serving the current generation
            folder = app.config["SEARCH_INDEX_DIR"]
            generation = store.current(folder)
            copy, holder = store.new_generation(folder)
            holder.close()
            shutil.rmtree(copy.path)
            shutil.copytree(generation.path, copy.path, ignore=shutil.ignore_patterns(store.HOLDERS))
            store.switch_to(folder, copy)
            started = time.perf_counter()
            services.search(SearchRequest(text=FIRST_QUERY))
            elapsed = (time.perf_counter() - started) * 1000
            store.searchers.clear()
            store.remove_unused(folder)
            return {"ms": elapsed}
    raise SystemExit(f"unknown mode {mode}")


def in_child(mode: str, args) -> dict:
    """Run ``--child mode`` in a new Python process; its figures."""
    command = [sys.executable, __file__, "--child", mode, "--count", str(args.count), "--workdir", args.workdir]
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=None, help="keep the database and indexes here")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--marks", type=int, default=0,
                        help="review marks on random procedures (the review state facet reads them)")
    parser.add_argument("--keep-index", action="store_true", help="reuse an index left in --workdir")
    parser.add_argument("--first-searches", type=int, default=3, help="fresh processes timed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder = Path(args.workdir)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / f'bench-{args.count}.db'}",
                          "INSTANCE_DIR": str(folder), "SECRET_KEY": "bench",
                          "SEARCH_INDEX_DIR": str(folder / f"index-{args.count}"), "SEARCH_INDEXER": "off"})
        print(json.dumps(child_main(args.child, app)))
        return

    tmp = None if args.workdir else tempfile.TemporaryDirectory()
    args.workdir = args.workdir or tmp.name
    folder = Path(args.workdir)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / f"bench-{args.count}.db"
    fresh = not database.exists()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "INSTANCE_DIR": str(folder),
                      "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": str(folder / f"index-{args.count}"),
                      "SEARCH_INDEXER": "off"})
    with app.app_context():
        upgrade()
        if fresh:
            corpus = folder / f"corpus-{args.count}.jsonl"
            with corpus.open("w", encoding="utf-8") as out:
                synthetic.write_jsonl(out, args.count, args.seed)
            started = time.perf_counter()
            import_file(corpus, publish=True)
            print(f"import of {args.count:,} procedures: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        peak = None
        if args.keep_index and store.current(app.config["SEARCH_INDEX_DIR"]) is not None:
            state = store.read_state(store.current(app.config["SEARCH_INDEX_DIR"]).path)
            build = state.get("build_seconds", 0.0)
        else:
            db.session.remove()
            state = in_child("rebuild", args)
            build = state["build_seconds"]  # the build itself, without the process's start
            peak = state["peak_rss_mb"]
        size = store.folder_size(store.current(app.config["SEARCH_INDEX_DIR"]).path)
        print(f"rebuild: {state['documents']:,} documents in {build:.1f} s "
              f"({state['documents'] / max(build, 1e-9):,.0f} docs/s), {size / 1e6:.0f} MB"
              + (f", peak memory of the rebuild process {peak:,.0f} MB" if peak else ""))
        firsts = [in_child("first-search", args)["ms"] for _ in range(args.first_searches)]
        after = [in_child("after-switch", args)["ms"] for _ in range(args.first_searches)]
        print(f"first search of a fresh process: median {statistics.median(firsts):.0f} ms "
              f"({', '.join(f'{value:.0f}' for value in firsts)}); first after a switch: median "
              f"{statistics.median(after):.0f} ms ({', '.join(f'{value:.0f}' for value in after)})")

        marks = ensure_marks(args.marks, args.seed)
        queries = make_queries(args.queries, args.seed)
        services.search(SearchRequest(text="warm up"))  # opens the searcher, loads facet arrays
        timings, totals = [], []
        by_kind: dict[str, list[float]] = {}
        for kind, text in queries:
            querying.cache.clear()
            started = time.perf_counter()
            page = services.search(SearchRequest(text=text, per_page=20, literal=kind == "literal typo"))
            timings.append((time.perf_counter() - started) * 1000)
            by_kind.setdefault(kind, []).append(timings[-1])
            totals.append(page.total)
        db.session.remove()
        published = publication_latency(folder, args.count, args.seed)

        base_timings: list[float] = []
        base_build = None
        if not args.skip_baseline:
            base_folder = folder / f"baseline-{args.count}"
            if not base_folder.exists():
                base_build = baseline.build(base_folder)
            plain = baseline.BaselineSearcher(base_folder)
            plain.search("warm up")
            for _kind, text in queries:
                started = time.perf_counter()
                plain.search(text)
                base_timings.append((time.perf_counter() - started) * 1000)
            plain.close()
        store.searchers.clear()

    p50, p95 = statistics.median(timings), percentile(timings, 0.95)
    print(f"queries: {len(queries)}, median hits {statistics.median(totals):,.0f}, review marks {marks:,}")
    for kind, values in sorted(by_kind.items()):
        print(f"  {kind:<13} n={len(values):>3}  p50 {statistics.median(values):.1f} ms  p95 {percentile(values, 0.95):.1f} ms")
    print("one published change: indexer {apply:.2f} s, first search after it {search:.2f} s, "
          "searchable {total:.2f} s after publication".format(**published))
    print()
    print("| corpus | index | rebuild | query p50 | query p95 |")
    print("|---:|---|---:|---:|---:|")
    print(f"| {args.count:,} | ours (facets + snippets, top 20) | {build:.0f} s | {p50:.1f} ms | {p95:.1f} ms |")
    if base_timings:
        b50, b95 = statistics.median(base_timings), percentile(base_timings, 0.95)
        built = f"{base_build['seconds']:.0f} s" if base_build else "(kept)"
        print(f"| {args.count:,} | plain Whoosh, StandardAnalyzer (no facets) | {built} | {b50:.1f} ms | {b95:.1f} ms |")
        print(f"| | ratio ours / plain | | {p50 / b50:.2f} | {p95 / b95:.2f} |")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
