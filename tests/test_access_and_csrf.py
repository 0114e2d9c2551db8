"""The role matrix (every route x every role) and CSRF on every mutating route."""
from __future__ import annotations

import pytest
from helpers import record, write_jsonl

from app.auth.access import PUBLIC
from app.catalog.importer import import_file

ADMIN = frozenset({"admin"})
ANY = frozenset({"reviewer", "lead", "translator", "admin"})
TRANSLATORS = frozenset({"translator", "admin"})

# Who may call each endpoint. A new route fails this test until it is listed here.
EXPECTED = {
    "web.root": PUBLIC,
    "web.health": PUBLIC,
    "auth.login": PUBLIC,
    "i18n.switch_locale": PUBLIC,
    "auth.logout": ANY,
    "auth.change_password": ANY,
    "catalog.index": ANY,
    "catalog.show": ANY,
    "catalog.history": ANY,
    "catalog.diff": ANY,
    "catalog.compare": ANY,
    "catalog.publish": ADMIN,
    "catalog.abolish": ADMIN,
    "admin.users": ADMIN,
    "admin.edit_user": ADMIN,
    "admin.reset_password": ADMIN,
    "admin.imports": ADMIN,
    "admin.import_job": ADMIN,
    "admin.rerun_import": ADMIN,
    "admin.publish_batch": ADMIN,
    "admin.audit_log": ADMIN,
    "search.index": ANY,
    "search_lists.index": ANY,
    "search_lists.save": ANY,
    "search_lists.delete": ANY,
    "search_lists.download": ANY,
    "search.admin": ADMIN,
    "search.rebuild": ADMIN,
    "search.progress": ADMIN,
    "search.synonyms": ADMIN,
    "i18n.editor_index": TRANSLATORS,
    "i18n.editor_catalog": TRANSLATORS,
    "i18n.editor_save": TRANSLATORS,
    "i18n.editor_download": TRANSLATORS,
    "i18n.editor_next": TRANSLATORS,
    # review: marks on the procedure page, a mark's page, conflicts
    "review.new_mark": frozenset({"reviewer", "admin"}),
    "review.read_number": frozenset({"reviewer", "admin"}),
    "queues.decide_many": frozenset({"lead", "admin"}),
    "dashboard.download_xlsx": frozenset({"reviewer", "lead", "admin"}),
    "notifications.index": ANY,
    "notifications.read": ANY,
    "review.block": frozenset({"reviewer", "lead", "admin"}),
    "review.mark": frozenset({"reviewer", "lead", "admin"}),
    "review.update": frozenset({"reviewer", "admin"}),
    "review.propose": frozenset({"reviewer", "admin"}),
    "review.withdraw": frozenset({"reviewer", "admin"}),
    "review.delete": frozenset({"reviewer", "admin"}),
    "review.decide": frozenset({"lead", "admin"}),
    "review.implement": frozenset({"lead", "admin"}),
    "review.recheck": frozenset({"reviewer", "lead", "admin"}),
    "review.comment": frozenset({"reviewer", "lead", "admin"}),
    # queues: work queues and assignments
    "queues.index": frozenset({"reviewer", "lead", "admin"}),
    "queues.assignments": frozenset({"lead", "admin"}),
    "queues.assign": frozenset({"lead", "admin"}),
    "queues.unassign": frozenset({"lead", "admin"}),
    # dashboard: progress and review settings
    "dashboard.index": frozenset({"reviewer", "lead", "admin"}),
    "dashboard.settings": frozenset({"lead", "admin"}),
    "dashboard.save_income": ADMIN,
    "dashboard.save_targets": ADMIN,
    # bulk: bulk marking from a search
    "bulk.start": frozenset({"reviewer", "admin"}),
    "bulk.preview": frozenset({"reviewer", "admin"}),
    "bulk.confirm": frozenset({"reviewer", "admin"}),
    "bulk.job": frozenset({"reviewer", "admin"}),
    "bulk.rerun": frozenset({"reviewer", "admin"}),
    # exports: simplification plan and archive
    "exports.index": frozenset({"lead", "admin"}),
    "exports.job": frozenset({"lead", "admin"}),
    "exports.download": frozenset({"lead", "admin"}),
}


def routes(app):
    """(endpoint, method, rule) for every route but static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


def url_for_rule(rule, values) -> str:
    return rule.build({name: values[name] for name in rule.arguments})[1]


@pytest.fixture
def url_values(app, tmp_path, users):
    result = import_file(write_jsonl(tmp_path / "one.jsonl", [record("1.000001")]), publish=True)
    return {"code": "1.000001", "number": 1, "batch_id": result.batch_id, "user_id": users["reviewer"].id,
            "job_id": "0" * 32, "locale": "vi",
            "mark_id": 1, "assignment_id": 1, "export_id": "0" * 32, "saved_id": 1, "fmt": "csv"}


def test_every_route_declares_the_expected_policy(app):
    seen = set()
    for endpoint, _method, _rule in routes(app):
        seen.add(endpoint)
        assert endpoint in EXPECTED, f"{endpoint} is not in the role matrix"
        policy = getattr(app.view_functions[endpoint], "access_policy", None)
        assert policy == EXPECTED[endpoint], f"{endpoint}: declared {policy}, expected {EXPECTED[endpoint]}"
    assert seen == set(EXPECTED)


@pytest.mark.parametrize("role", ["reviewer", "lead", "translator", "admin"])
def test_role_matrix(app, users, url_values, login, role):
    for endpoint, method, rule in routes(app):
        if EXPECTED[endpoint] == PUBLIC:
            continue
        client = app.test_client()
        login(users[role], test_client=client)
        response = client.open(url_for_rule(rule, url_values), method=method, data={})
        allowed = role in EXPECTED[endpoint]
        if allowed:
            assert response.status_code != 403, f"{role} refused {method} {endpoint}"
        else:
            assert response.status_code == 403, f"{role} got {response.status_code} for {method} {endpoint}"


def test_anonymous_is_sent_to_login_everywhere_but_public_routes(app, url_values):
    client = app.test_client()
    for endpoint, method, rule in routes(app):
        if EXPECTED[endpoint] == PUBLIC:
            continue
        response = client.open(url_for_rule(rule, url_values), method=method, data={})
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, endpoint)


def test_htmx_request_of_anonymous_user_gets_hx_redirect(client):
    response = client.get("/procedures", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_inactive_user_cannot_sign_in(app, client, users):
    users["reviewer"].active = False
    from app.extensions import db
    db.session.commit()
    response = client.post("/login", data={"username": "reviewer", "password": "correct horse battery"})
    assert response.status_code == 401


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_mutating_route_refuses_a_missing_or_wrong_csrf_token(app, users, url_values, login, token):
    client = app.test_client()
    login(users["all"], test_client=client)
    checked = 0
    for endpoint, method, rule in routes(app):
        if method in ("GET",):
            continue
        headers = {"HX-Request": "true"}
        if token:
            headers["X-CSRFToken"] = token
        response = client.open(url_for_rule(rule, url_values), method=method, data={}, headers=headers, csrf=False)
        assert response.status_code == 400, f"{method} {endpoint} accepted a request without a valid token"
        assert "security token" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 9


def test_csrf_token_from_the_page_is_accepted(client, users, login):
    from conftest import csrf_field

    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": "reviewer", "password": "correct horse battery",
                                           "csrf_token": csrf_field(page)}, csrf=False)
    assert response.status_code == 302
    # The same token is sent by htmx through hx-headers on <body>.
    body = client.get("/procedures").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
