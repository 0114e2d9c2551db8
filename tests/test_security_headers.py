"""Issue 11 §10: headers (CSP base-uri, no-store on signed-in pages, HSTS behind HTTPS) and
marks kept from translators who hold no reviewing role."""
from __future__ import annotations

import pytest

from app import create_app
from app.catalog.importer import import_file
from app.extensions import db
from helpers import mark_to, record, write_jsonl
from tests.conftest import CsrfClient, _config

RATIONALE = "Bản sao này không cần thiết cho việc xét duyệt."


def test_csp_forbids_base_and_plugins(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "base-uri 'none'" in policy and "object-src 'none'" in policy and "script-src 'self'" in policy


def test_signed_in_pages_are_not_stored(client, users, login):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(users["reviewer"])
    for url in ("/procedures", "/queues", "/dashboard", "/account/password"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    assert client.get("/procedures", headers={"HX-Request": "true"}).headers["Cache-Control"] == "no-store"


def test_hsts_only_when_cookies_are_secure(client, database_url, translations_dir, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = create_app({**_config(database_url, tmp_path), "SESSION_COOKIE_SECURE": True,
                         "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir)})
    secure.test_client_class = CsrfClient
    response = secure.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with secure.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def a_mark(app, tmp_path, make_user):
    import_file(write_jsonl(tmp_path / "c.jsonl", [record("1.000001")]), publish=True)
    rita, lena = make_user("rita", "reviewer"), make_user("lena", "lead")
    return mark_to("proposed", "1.000001", "document:d2", {
        "action": "remove", "params": {}, "reason": "not_necessary", "rationale": RATIONALE,
        "legal_number": "60/2014/QH13"}, rita, lena)


def test_a_translator_cannot_read_marks(client, users, login, a_mark):
    login(users["translator"])
    assert client.get(f"/marks/{a_mark}").status_code == 403
    assert client.get("/procedures/1.000001/marks/block?target=document:d2",
                      headers={"HX-Request": "true"}).status_code == 403
    page = client.get("/procedures/1.000001")
    assert page.status_code == 200 and RATIONALE not in page.get_data(as_text=True)
    assert f"/marks/{a_mark}" not in page.get_data(as_text=True)


def test_a_translator_who_also_reviews_can(app, client, make_user, login, a_mark):
    both = make_user("tuan", "translator", "reviewer")
    login(both)
    assert client.get(f"/marks/{a_mark}").status_code == 200
    assert f"/marks/{a_mark}" in client.get("/procedures/1.000001").get_data(as_text=True)
