"""Issue 11 §5: sign-in is throttled per account and per address in storage every worker shares
(the database), every sign-in and failure is audited, an unknown username costs the same work as
a known one, and common or trivially patterned passwords are refused."""
from __future__ import annotations

import pytest
import werkzeug.security
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEntry
from app.auth import services
from app.extensions import db
from tests.conftest import TEST_PASSWORD, CsrfClient, _config


def _post(client, username, password, address="10.0.0.1"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def second_worker(app, database_url, tmp_path):
    """Another app on the same database, as a second gunicorn worker would be."""
    other = create_app({**_config(database_url, tmp_path / "worker2"),
                        "BABEL_TRANSLATION_DIRECTORIES": app.config["BABEL_TRANSLATION_DIRECTORIES"],
                        "BABEL_DEFAULT_LOCALE": "en"})
    other.test_client_class = CsrfClient
    yield other.test_client()
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_account_is_locked_after_five_failures_across_workers(app, client, users, second_worker):
    worker2 = second_worker
    for attempt in range(5):
        target = client if attempt % 2 else worker2
        assert _post(target, "reviewer", f"wrong-{attempt}", address=f"10.0.0.{attempt}").status_code == 401
    for target in (client, worker2):
        response = _post(target, "reviewer", TEST_PASSWORD, address="10.9.9.9")
        assert response.status_code == 429
        assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert client.get("/account/password").status_code == 302  # not signed in
    # Another account is not affected.
    assert _post(client, "lead", TEST_PASSWORD, address="10.9.9.9").status_code == 302


def test_an_address_is_locked_after_twenty_failures_on_any_usernames(app, client, users):
    for attempt in range(20):
        assert _post(client, f"guess{attempt}", "wrong-password", address="192.0.2.7").status_code == 401
    assert _post(client, "reviewer", TEST_PASSWORD, address="192.0.2.7").status_code == 429
    assert _post(client, "reviewer", TEST_PASSWORD, address="192.0.2.8").status_code == 302


def test_a_success_resets_the_account_count(app, client, users):
    for _ in range(4):
        _post(client, "reviewer", "wrong-password")
    assert _post(client, "reviewer", TEST_PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert _post(client, "reviewer", "wrong-password").status_code == 401
    assert _post(client, "reviewer", TEST_PASSWORD).status_code == 302


def test_sign_ins_and_failures_are_audited(app, client, users):
    _post(client, "reviewer", "wrong-password", address="203.0.113.5")
    _post(client, "nobody", "wrong-password", address="203.0.113.5")
    _post(client, "reviewer", TEST_PASSWORD, address="203.0.113.5")
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("user.login%"))
                              .order_by(AuditEntry.id)).all()
    assert [(row.action, row.object_id, row.message) for row in rows] == [
        ("user.login_failed", "reviewer", "203.0.113.5"),
        ("user.login_failed", "nobody", "203.0.113.5"),
        ("user.login", "reviewer", "203.0.113.5"),
    ]
    assert rows[2].actor_name == "reviewer" and rows[0].actor_name == "anonymous"


def test_unknown_and_known_usernames_cost_one_hash_each(app, client, users, monkeypatch):
    """Timing equality by construction: the same number of password hashes on every path."""
    calls = []
    original = werkzeug.security._hash_internal

    def counting(*args):
        calls.append(args[0])
        return original(*args)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counting)
    services.authenticate("nobody", "x")  # the dummy hash is made once per process
    counts = {}
    for username in ("reviewer", "nobody", "somebody-else"):
        calls.clear()
        assert services.authenticate(username, "wrong-password") is None
        counts[username] = len(calls)
    users["lead"].active = False
    calls.clear()
    assert services.authenticate("lead", TEST_PASSWORD) is None
    counts["inactive"] = len(calls)
    assert set(counts.values()) == {1}, counts


@pytest.mark.parametrize("password", [
    "1234567890", "0987654321", "12345678901234", "qwertyuiop", "aaaaaaaaaaaa", "abcabcabcabc",
    "abcdefghijk", "Password2024!", "matkhau123456", "P@ssw0rd12345", "1q2w3e4r5t6y", "121212121212",
    "  Welcome1!!! ", "xyzxyzxyzx",
])
def test_common_and_patterned_passwords_are_refused(app, password):
    with pytest.raises(services.AccountError):
        services.check_password_rules(password)


def test_the_password_may_not_contain_the_username(app):
    with pytest.raises(services.AccountError):
        services.check_password_rules("my-name-is-rita-ok", "rita")


@pytest.mark.parametrize("password", [TEST_PASSWORD, "violet orbit 7 lantern", "Đăng ký khai sinh 2024"])
def test_good_passwords_pass(app, password):
    services.check_password_rules(password)


def test_the_password_page_refuses_a_patterned_password(app, client, users, login):
    login(users["reviewer"])
    response = client.post("/account/password", data={"current": TEST_PASSWORD, "new": "zxcvbnmzxcvb",
                                                      "confirm": "zxcvbnmzxcvb"})
    assert response.status_code == 400
    assert "simple pattern" in response.get_data(as_text=True)
