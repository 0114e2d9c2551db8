"""Configuration read from environment variables, with defaults for the embedded set-up.

Every setting can be overridden by passing a mapping to ``create_app(config)``; tests do
that. The README lists the variables.
"""
from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"

SUPPORTED_LOCALES = ("vi", "th", "en")


def _secret_key(instance_dir: Path) -> str:
    """Return SECRET_KEY from the environment, else one generated once into the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    if os.environ.get("APP_ENV") == "production":
        return ""  # one key per machine would break sessions across nodes: refused at start
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created with owner-only permissions: the key signs sessions and CSRF tokens.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def load_config(instance_dir: Path | None = None) -> dict:
    """Build the configuration mapping from the environment."""
    instance_dir = Path(os.environ.get("INSTANCE_DIR") or instance_dir or DEFAULT_INSTANCE_DIR)
    instance_dir.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'workbench.db'}"
    production = os.environ.get("APP_ENV") == "production"
    # Production has no default: a folder on one machine's disk is what it must not use.
    storage_dir = os.environ.get("STORAGE_DIR") or ("" if production else str(instance_dir))
    return {
        # production: refuse to start on unsafe settings (see ``check_production``).
        "APP_ENV": os.environ.get("APP_ENV") or "development",
        "INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": _secret_key(instance_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A connection the database closed (restart, idle timeout, failover) is replaced before
        # use instead of failing the request that drew it from the pool.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_DIR": storage_dir,
        # thread: a thread of the web process runs the jobs (embedded default); external:
        # `flask jobs worker` processes do; off: nobody (tests run them with jobs.drain).
        "JOB_RUNNER": os.environ.get("JOB_RUNNER") or ("external" if production else "thread"),
        "JOB_RUNNER_INTERVAL": float(os.environ.get("JOB_RUNNER_INTERVAL") or 0.5),
        # Jobs enqueued for one node (per-node index work) are claimed by that node's workers.
        "NODE_NAME": os.environ.get("NODE_NAME") or socket.gethostname(),
        "SEARCH_INDEX_DIR": os.environ.get("SEARCH_INDEX_DIR") or str(PROJECT_ROOT / "search_index"),
        # thread: the web process applies publications to the index (embedded default);
        # external: a separate `flask search worker` does; off: nobody (tests drive it).
        "SEARCH_INDEXER": os.environ.get("SEARCH_INDEXER") or "thread",
        "SEARCH_INDEXER_INTERVAL": float(os.environ.get("SEARCH_INDEXER_INTERVAL") or 0.5),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(Path(storage_dir or instance_dir) / "uploads"),
        # Whole import files are posted at once; 100,000 procedures are about 250 MB.
        "MAX_CONTENT_LENGTH": _int_env("MAX_UPLOAD_MB", 512) * 1024 * 1024,
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD") or "scrypt",
        "LOAD_DEMO_DATA": os.environ.get("LOAD_DEMO_DATA", "1") not in ("0", "false", "no"),
        "PAGE_SIZE": _int_env("PAGE_SIZE", 25),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE") or "vi",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE") or "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "SUPPORTED_LOCALES": SUPPORTED_LOCALES,
        # How often a process looks for catalogs saved by the editor (one small query).
        "CATALOG_CHECK_SECONDS": float(os.environ.get("CATALOG_CHECK_SECONDS") or 1.0),
        # Developers: make the pseudo-locale xx (`flask translate pseudo`) selectable.
        "PSEUDO_LOCALE": os.environ.get("PSEUDO_LOCALE", "0") in ("1", "true", "yes"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") in ("1", "true", "yes"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int_env("REMEMBER_DAYS", 14)),
        # Sign-in throttling (app/auth/throttle.py), counted in the database for every worker.
        "LOGIN_MAX_FAILURES": _int_env("LOGIN_MAX_FAILURES", 5),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int_env("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        "LOGIN_THROTTLE_MINUTES": _int_env("LOGIN_THROTTLE_MINUTES", 15),
        "WTF_CSRF_TIME_LIMIT": None,
    }


class UnsafeConfiguration(RuntimeError):
    """Production settings that must not run; the message says what to set."""


def check_production(config: dict) -> None:
    """With ``APP_ENV=production``: refuse to start without SECRET_KEY, on SQLite, or without
    an existing STORAGE_DIR (every node must share one key, one database and one storage)."""
    if config.get("APP_ENV") != "production":
        return
    problems = []
    if not config.get("SECRET_KEY"):
        problems.append("SECRET_KEY is not set: every node must sign sessions and CSRF tokens with the "
                        "same key (set SECRET_KEY to a long random value).")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("DATABASE_URL points to SQLite: production runs on PostgreSQL "
                        "(DATABASE_URL=postgresql+psycopg://user@host:5432/db).")
    storage = config.get("STORAGE_DIR")
    if not storage or not Path(storage).is_dir():
        problems.append(f"STORAGE_DIR is not set or does not exist ({storage or 'unset'}): set it to a "
                        "folder every node shares (uploads, exports, bulk previews).")
    if problems:
        raise UnsafeConfiguration("Refusing to start with APP_ENV=production:\n- " + "\n- ".join(problems))
