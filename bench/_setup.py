"""Shared set-up of the HTTP benchmarks: a corpus of the wanted size in the wanted database,
migrated, and a reviewer account to sign in with."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
BENCH_USER = "bench-reviewer"
BENCH_PASSWORD = "bench password 2026"


def environment(database_url: str, workdir: Path) -> dict[str, str]:
    """Environment for the app's processes: no demo data, no indexer thread, files in workdir."""
    env = dict(os.environ, FLASK_APP="wsgi", DATABASE_URL=database_url, LOAD_DEMO_DATA="0",
               SEARCH_INDEXER="off", INSTANCE_DIR=str(workdir / "instance"),
               SEARCH_INDEX_DIR=str(workdir / "search_index"))
    env.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    return env


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(database_url: str, workdir: Path, count: int, seed: int = 7) -> None:
    """Migrate; when the catalog holds fewer than ``count`` procedures, generate and import
    (published) the missing ones with the CLI, as an admin would."""
    env = environment(database_url, workdir)
    (workdir / "instance").mkdir(parents=True, exist_ok=True)
    flask(env, "db", "upgrade")
    sys.path.insert(0, str(ROOT))
    os.environ.update(env)
    from sqlalchemy import func, select

    from app import create_app
    from app.auth import services as accounts
    from app.catalog.models import Procedure
    from app.extensions import db

    app = create_app()
    with app.app_context():
        have = db.session.scalar(select(func.count(Procedure.id))) or 0
        if accounts.get_by_username(BENCH_USER) is None:
            accounts.create_user(BENCH_USER, BENCH_PASSWORD, ["reviewer"])
            db.session.commit()
    if have < count:
        corpus = workdir / f"corpus-{count}-{seed}.jsonl"
        if not corpus.exists():
            flask(env, "procedures", "generate", "--count", str(count), "--seed", str(seed), "-o", str(corpus))
        print(f"importing {count:,} procedures into {database_url} ...", file=sys.stderr)
        print(flask(env, "procedures", "import", "--publish", str(corpus)).strip(), file=sys.stderr)


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    if not found:
        raise SystemExit("no CSRF token on the sign-in page")
    return found.group(1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
