"""Validation benchmark: ``validate_file`` (every check run before an import loads anything) on a
generated corpus; prints the median of a few runs and procedures per second.

    .venv/bin/python bench/validation_bench.py --count 5000 --repeat 3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.catalog import synthetic  # noqa: E402
from app.catalog.validation import validate_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as stream:
            synthetic.write_jsonl(stream, args.count, seed=1)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "INSTANCE_DIR": folder,
                          "LOAD_DEMO_DATA": False, "SEARCH_INDEXER": "off"})
        times = []
        with app.app_context():
            for _ in range(args.repeat):
                started = time.perf_counter()
                report = validate_file(corpus)
                times.append(time.perf_counter() - started)
                assert report.ok, report.errors[:3]
        median = statistics.median(times)
        size = corpus.stat().st_size / 1e6
        print(f"validate {args.count} procedures ({size:.1f} MB): median {median:.2f} s of {args.repeat}, "
              f"{args.count / median:,.0f} procedures/s")


if __name__ == "__main__":
    main()
