"""Accounts: first admin, one-time passwords, the users page and CLI, audit rows."""
from __future__ import annotations

import re

from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.audit.models import AuditEntry
from app.auth import services
from app.auth.models import User
from app.extensions import db
from app.review.settings import INCOME_PER_HOUR, current_year, get_setting, seed_setting, set_setting


def test_bootstrap_creates_admin_once_and_prints_password(app, runner):
    result = runner.invoke(args=["bootstrap"])
    assert result.exit_code == 0
    password = re.search(r"one-time password: (\S+)", result.output).group(1)
    admin = services.get_by_username("admin")
    assert admin.must_change_password and admin.roles == {"admin"}
    assert admin.password_hash != password and check_password_hash(admin.password_hash, password)
    again = runner.invoke(args=["bootstrap"])
    assert "one-time password" not in again.output


def test_bootstrap_loads_demo_catalog_when_empty(app, runner):
    app.config["LOAD_DEMO_DATA"] = True
    result = runner.invoke(args=["bootstrap"])
    assert result.exit_code == 0 and "Loaded the demo catalog" in result.output
    # The demo shows costs in money: it starts with an income per hour for this year.
    income = get_setting(INCOME_PER_HOUR)
    assert income.value == 44000 and income.year == current_year() and "44,000 VND" in result.output
    again = runner.invoke(args=["bootstrap"])
    assert "Loaded the demo catalog" not in again.output and "income per hour" not in again.output


def test_seeding_a_setting_never_replaces_one_an_admin_set(app, users):
    set_setting(INCOME_PER_HOUR, "30000", 2024, users["admin"])
    assert seed_setting(INCOME_PER_HOUR, 44000, 2026) is False
    assert get_setting(INCOME_PER_HOUR, 2026).value == 30000


def test_one_time_password_must_be_changed_first(app, client, login):
    services.create_user("newbie", "first-password-1", ["reviewer"], must_change_password=True)
    db.session.commit()
    response = client.post("/login", data={"username": "newbie", "password": "first-password-1"})
    assert response.headers["Location"] == "/account/password"
    assert client.get("/procedures").headers["Location"] == "/account/password"
    short = client.post("/account/password", data={"current": "first-password-1", "new": "short",
                                                   "confirm": "short"})
    assert short.status_code == 400
    response = client.post("/account/password", data={"current": "first-password-1", "new": "a-better-password",
                                                      "confirm": "a-better-password"})
    assert response.status_code == 302
    assert client.get("/procedures").status_code == 200


def test_wrong_password_is_refused_without_telling_which_part(app, client, make_user):
    make_user("rita", "reviewer")
    for username, password in (("rita", "wrong-password"), ("nobody", "wrong-password")):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 401
        assert "Unknown username or wrong password." in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(app, client, make_user):
    make_user("rita", "reviewer")
    response = client.post("/login?next=https://evil.example/", data={"username": "rita",
                                                                      "password": "correct horse battery"})
    assert response.headers["Location"] == "/procedures"


def test_admin_creates_edits_and_resets_users_with_audit(app, client, make_user, login):
    admin = make_user("ada", "admin")
    login(admin)
    response = client.post("/admin/users", data={"username": "lena", "display_name": "Lê Na",
                                                 "roles": ["lead", "reviewer"]})
    assert response.status_code == 200
    password = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    lena = services.get_by_username("lena")
    assert lena.roles == {"lead", "reviewer"} and lena.must_change_password
    assert check_password_hash(lena.password_hash, password)
    duplicate = client.post("/admin/users", data={"username": "LENA", "roles": ["reviewer"]})
    assert duplicate.status_code == 400 and "is taken" in duplicate.get_data(as_text=True)
    response = client.post(f"/admin/users/{lena.id}", data={"display_name": "Lê Thị Na", "roles": ["translator"],
                                                            "active": "y"})
    assert response.status_code == 302
    db.session.refresh(lena)
    assert lena.roles == {"translator"} and lena.display_name == "Lê Thị Na"
    reset = client.post(f"/admin/users/{lena.id}/reset-password").get_data(as_text=True)
    new_password = re.search(r'<code class="secret">([^<]+)</code>', reset).group(1)
    db.session.refresh(lena)
    assert check_password_hash(lena.password_hash, new_password) and lena.must_change_password
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == "lena")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["user.created", "user.updated", "user.password_reset"]
    updated = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.updated"))
    assert updated.old["roles"] == ["lead", "reviewer"] and updated.new["roles"] == ["translator"]
    assert updated.actor_name == "ada"
    log = client.get("/admin/audit?action=user.updated").get_data(as_text=True)
    assert "Lê Thị Na" in log


def test_last_admin_cannot_lose_admin_role(app, client, make_user, login):
    admin = make_user("ada", "admin")
    login(admin)
    response = client.post(f"/admin/users/{admin.id}", data={"roles": ["reviewer"], "active": "y"})
    assert response.status_code == 400
    db.session.refresh(admin)
    assert admin.roles == {"admin"}


def test_cli_users_create_and_list(app, runner):
    result = runner.invoke(args=["users", "create", "tom", "--role", "translator", "--role", "reviewer"])
    assert result.exit_code == 0 and "one-time password" in result.output
    assert services.get_by_username("tom").roles == {"translator", "reviewer"}
    listed = runner.invoke(args=["users", "list"])
    assert "tom\treviewer,translator\tactive" in listed.output
    bad = runner.invoke(args=["users", "create", "tom", "--role", "reviewer"])
    assert bad.exit_code != 0 and "taken" in bad.output
    short = runner.invoke(args=["users", "create", "kim", "--role", "lead", "--password", "short"])
    assert short.exit_code != 0 and db.session.scalar(select(User).where(User.username == "kim")) is None


def test_logout_needs_post(app, client, make_user, login):
    login(make_user("rita", "reviewer"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/procedures").status_code == 302
