"""Issue 11 §3: a session or remember cookie stops working on sign-out, password change and the
next sign-in; the remember cookie is bounded and carries Secure, SameSite and HttpOnly."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app import create_app
from app.extensions import db
from tests.conftest import TEST_PASSWORD, CsrfClient


def _sign_in(client, user, *, remember: bool = False):
    data = {"username": user.username, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def _signed_in(client) -> bool:
    """Signed in as anyone (the password page is open to a user who must change it too)."""
    return client.get("/account/password").status_code == 200


def _copy(app, source, names=("session", "remember_token")) -> CsrfClient:
    """A second browser holding copies of ``source``'s cookies."""
    other = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            other.set_cookie(name, cookie.value)
    return other


def _remember_only(app, source) -> CsrfClient:
    return _copy(app, source, names=("remember_token",))


def test_remember_cookie_differs_on_every_sign_in(app, client, users):
    _sign_in(client, users["reviewer"], remember=True)
    first = client.get_cookie("remember_token").value
    client.post("/logout")
    _sign_in(client, users["reviewer"], remember=True)
    assert client.get_cookie("remember_token").value != first
    # The earlier cookie, replayed from anywhere, no longer signs in.
    stale = app.test_client()
    stale.set_cookie("remember_token", first)
    assert not _signed_in(stale)


def test_sign_out_ends_copied_session_and_remember_cookies(app, client, users):
    _sign_in(client, users["reviewer"], remember=True)
    copied_session = _copy(app, client, names=("session",))
    copied_remember = _remember_only(app, client)
    assert _signed_in(copied_session) and _signed_in(copied_remember)
    client.post("/logout")
    assert not _signed_in(client)
    assert not _signed_in(copied_session) and not _signed_in(copied_remember)


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, users):
    user = users["reviewer"]
    _sign_in(client, user, remember=True)
    elsewhere = _copy(app, client)
    remembered = _remember_only(app, client)
    assert _signed_in(elsewhere)
    response = client.post("/account/password", data={"current": TEST_PASSWORD, "new": "violet orbit 7 lantern",
                                                      "confirm": "violet orbit 7 lantern"})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(elsewhere) and not _signed_in(remembered)
    # This browser's renewed remember cookie works on its own.
    assert _signed_in(_remember_only(app, client))


def test_an_admin_password_reset_ends_the_users_sessions(app, client, users, login):
    _sign_in(client, users["reviewer"])
    admin = login(users["admin"], test_client=app.test_client())
    assert admin.post(f"/admin/users/{users['reviewer'].id}/reset-password").status_code == 200
    assert not _signed_in(client)


def test_a_new_sign_in_ends_the_earlier_session(app, client, users):
    _sign_in(client, users["reviewer"])
    later = app.test_client()
    _sign_in(later, users["reviewer"])
    assert _signed_in(later) and not _signed_in(client)


def test_remember_cookie_flags_and_lifetime(database_url, translations_dir, tmp_path, users):
    from tests.conftest import _config

    # CSRF is beside the point here (and over https Flask-WTF also checks the Referer).
    secure = create_app({**_config(database_url, tmp_path), "SESSION_COOKIE_SECURE": True, "WTF_CSRF_ENABLED": False,
                         "BABEL_TRANSLATION_DIRECTORIES": str(translations_dir)})
    secure.test_client_class = CsrfClient
    client = secure.test_client()
    response = client.post("/login", base_url="https://localhost",
                           data={"username": "reviewer", "password": TEST_PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    remember = cookies["remember_token"]
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in remember and flag in cookies["session"]
    expires = datetime.strptime(remember.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    assert expires.replace(tzinfo=UTC) < datetime.now(UTC) + timedelta(days=15)
    with secure.app_context():
        db.session.remove()
        db.engine.dispose()
