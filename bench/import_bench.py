"""Import benchmark: time `import_file` (validate + load + publish) on a generated corpus.

Usage:
    .venv/bin/python bench/import_bench.py [--count 10000] [--repeat 3] [--database-url URL]

Each run imports into a fresh, migrated database (a temporary SQLite file by default) and
prints the time of each phase; the summary gives the median over the runs and procedures/s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import downgrade, upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.catalog import synthetic  # noqa: E402
from app.catalog.importer import import_file  # noqa: E402
from app.catalog.validation import validate_file  # noqa: E402
from app.extensions import db  # noqa: E402


def one_run(corpus: Path, database_url: str, folder: Path) -> dict[str, float]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_DIR": str(folder),
                      "SECRET_KEY": "bench", "LOAD_DEMO_DATA": False})
    with app.app_context():
        downgrade(revision="base")
        upgrade()
        started = time.perf_counter()
        report = validate_file(corpus)
        validated = time.perf_counter()
        assert report.ok, report.errors[:3]
        result = import_file(corpus, publish=True)
        finished = time.perf_counter()
        db.session.remove()
        db.engine.dispose()
    return {"validate_only": validated - started, "import_total": finished - validated,
            "procedures": result.new_procedures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="default: a fresh temporary SQLite file per run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = folder / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as out:
            synthetic.write_jsonl(out, args.count, args.seed)
        size_mb = corpus.stat().st_size / 1e6
        print(f"corpus: {args.count:,} procedures, {size_mb:.1f} MB")
        runs = []
        for index in range(args.repeat):
            url = args.database_url or f"sqlite:///{folder / f'run{index}.db'}"
            run = one_run(corpus, url, folder)
            runs.append(run)
            print(f"run {index + 1}: validate-only pass {run['validate_only']:.1f} s; "
                  f"import_file (validate + load + publish) {run['import_total']:.1f} s")
        median = statistics.median(run["import_total"] for run in runs)
        validate = statistics.median(run["validate_only"] for run in runs)
        backend = (args.database_url or "sqlite").split(":", 1)[0]
        print()
        print("| backend | procedures | import_file median | procedures/s | validation share |")
        print("|---|---:|---:|---:|---:|")
        print(f"| {backend} | {args.count:,} | {median:.1f} s | {args.count / median:,.0f} | "
              f"{validate / median:.0%} |")


if __name__ == "__main__":
    main()
