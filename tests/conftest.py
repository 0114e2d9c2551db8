"""Fixtures: an app per test on a real database (SQLite by default, or TEST_DATABASE_URL),
migrated once per session with Alembic and emptied after every test; a temporary index
folder; a test client that sends the CSRF token the way the pages do; users by role.

The interface catalogs are compiled once per session from the .po files into a temporary
folder (with the pseudo-locale xx generated from the .pot), so the suite always runs on the
catalogs as they are in the tree, never on stale .mo files. Tests render English (the source
language) unless they choose a locale: most assertions name English interface text."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from app import create_app
from app.auth import services as accounts
from app.auth.models import ROLES
from app.extensions import db
from app.i18n import catalogs

TEST_PASSWORD = "correct horse battery"
EXAMPLE_FILE = Path(__file__).resolve().parent.parent / "app" / "catalog" / "schema" / "example.jsonl"


class CsrfClient(FlaskClient):
    """A test client that adds the CSRF header to unsafe requests, like ``hx-headers`` does.

    Pass ``csrf=False`` to send a request without it.
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        # Tests hold one app context, which every request of every client then shares; in a real
        # server each request has its own. Forget what the previous request cached on ``g``
        # (the signed-in user, the CSRF token), so that two clients act as two people.
        if has_app_context():
            g.pop("_login_user", None)
            g.pop(self.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
        method = (kwargs.get("method") or "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The signed token for this client's session (as Flask-WTF's generate_csrf makes it)."""
        app = self.application
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", os.urandom(20).hex())
        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def translations_dir(tmp_path_factory) -> Path:
    """The catalogs of the tree compiled into a temporary folder, plus the pseudo-locale."""
    folder = tmp_path_factory.mktemp("translations")
    locales = [locale for locale in catalogs.SUPPORTED_LOCALES if catalogs.po_path(locale).exists()]
    catalogs.compile_catalogs(catalogs.TRANSLATIONS_DIR, folder, locales)
    # The catalog editor reads and writes the .po files of the folder the app loads from.
    for locale in locales:
        shutil.copy2(catalogs.po_path(locale), catalogs.po_path(locale, folder))
    catalogs.make_pseudo(catalogs.TEMPLATE_FILE, folder)
    return folder


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Migrate the test database to the newest schema once per session."""
    from flask_migrate import downgrade, upgrade

    url = _test_database_url(tmp_path_factory)
    app = create_app(_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        # Start from nothing even when a previous run left tables behind.
        downgrade(revision="base")
        upgrade()
        db.engine.dispose()
    return url


def _config(url: str, folder: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_DIR": str(folder),
        "SEARCH_INDEX_DIR": str(folder / "index"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "SECRET_KEY": "test-secret-key",
        # Fast hashing keeps the suite quick; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOAD_DEMO_DATA": False,
        "SEARCH_INDEXER": "off",
        # Tests run the queued jobs themselves (helpers.wait_for_job), in a worker thread.
        "JOB_RUNNER": "off",
        # Every request looks for catalogs saved by the editor (production: every second).
        "CATALOG_CHECK_SECONDS": 0,
        "SERVER_NAME": None,
    }


def _empty_all_tables() -> None:
    from app.dashboard.services import forget_boards

    forget_boards()
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture
def app(database_url, translations_dir, tmp_path):
    app = create_app({**_config(database_url, tmp_path),
                      "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir),
                      "BABEL_DEFAULT_LOCALE": "en"})
    app.test_client_class = CsrfClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> CsrfClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user through the account service: ``make_user("rita", "reviewer")``."""
    def make(username: str, *roles: str, password: str = TEST_PASSWORD):
        user = accounts.create_user(username, password, roles or ("reviewer",))
        db.session.commit()
        return user
    return make


@pytest.fixture
def login(client):
    """Sign a user in through the login form."""
    def do_login(user_or_name, password: str = TEST_PASSWORD, test_client: FlaskClient | None = None):
        target = test_client or client
        username = getattr(user_or_name, "username", user_or_name)
        response = target.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return target
    return do_login


@pytest.fixture
def users(make_user) -> dict:
    """One user per role plus one holding every role."""
    made = {role: make_user(role, role) for role in ROLES}
    made["all"] = make_user("everyone", *ROLES)
    return made


def csrf_field(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token field in the page"
    return match.group(1)
