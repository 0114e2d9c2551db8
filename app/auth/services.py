"""Account operations shared by the web pages, the CLI and the tests."""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from functools import cache
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import services as audit
from app.auth import passwords, throttle
from app.auth.models import ROLES, User, UserRole
from app.extensions import db
from app.timeutil import utcnow

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


# The actor of an audit row about a sign-in that did not succeed (no account is signed in; "cli"
# would wrongly point at the command line).
VISITOR = SimpleNamespace(id=None, username="anonymous")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user."""


class SignInThrottled(AccountError):
    """Too many failed sign-ins for this account or from this address."""

    def __init__(self, minutes: int):
        super().__init__(_("Too many failed sign-ins. Try again in %(minutes)s minutes.", minutes=minutes))
        self.minutes = minutes


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str, username: str = "") -> None:
    problem = passwords.problem(password, username)
    if problem:
        raise AccountError(problem)


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise AccountError(_("Unknown role: %(roles)s", roles=", ".join(unknown)))
    return roles


def get_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def create_user(username: str, password: str, roles: Iterable[str], *, actor=None, display_name: str = "",
                must_change_password: bool = False) -> User:
    """Create an account; the username is unique regardless of case."""
    username = username.strip()
    if not username or len(username) > 80 or any(ch.isspace() for ch in username):
        raise AccountError(_("A username must be 1 to 80 characters without spaces."))
    if get_by_username(username) is not None:
        raise AccountError(_("The username %(name)s is taken.", name=username))
    check_password_rules(password, username)
    roles = _clean_roles(roles)
    user = User(username=username, display_name=display_name.strip(), password_hash=_hash(password),
                must_change_password=must_change_password,
                role_rows=[UserRole(role=role) for role in roles])
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", "user", user.username, new={"roles": roles, "display_name": display_name})
    return user


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, else None.

    Exactly one password hash is checked whatever the username, so the time taken does not tell
    which usernames exist (an unknown or inactive account is checked against a dummy hash)."""
    user = get_by_username(username or "")
    stored = user.password_hash if user is not None else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    matches = check_password_hash(stored, password or "")
    if user is None or not user.active or not matches:
        return None
    return user


def sign_in(username: str, password: str, address: str) -> User:
    """Authenticate with throttling and audit; the caller commits and starts the session.

    Raises SignInThrottled while the account or address is locked, AccountError on bad credentials.
    A success raises the account's session version: every earlier session of it ends."""
    wait = throttle.wait_minutes(username, address)
    if wait is not None:
        audit.record(VISITOR, "user.login_throttled", "user", (username or "")[:80], message=address or "")
        raise SignInThrottled(wait)
    user = authenticate(username, password)
    throttle.record(username, address, succeeded=user is not None)
    if user is None:
        audit.record(VISITOR, "user.login_failed", "user", (username or "")[:80], message=address or "")
        raise AccountError(_("Unknown username or wrong password."))
    user.last_login_at = utcnow()
    end_sessions(user)
    audit.record(user, "user.login", "user", user.username, message=address or "")
    return user


def end_sessions(user: User) -> None:
    """Every session and remember cookie made before this call stops working."""
    user.session_version = (user.session_version or 0) + 1


def user_for_session(session_id: str) -> User | None:
    """The user of a session's user id (``id:version``), if that version is still current."""
    user_id, _sep, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit() or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(version, str(user.session_version)):
        return None
    return user


def change_password(user: User, old_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, old_password or ""):
        raise AccountError(_("The current password is not correct."))
    if old_password == new_password:
        raise AccountError(_("The new password must differ from the current one."))
    check_password_rules(new_password, user.username)
    user.password_hash = _hash(new_password)
    user.must_change_password = False
    end_sessions(user)
    audit.record(user, "user.password_changed", "user", user.username)


def reset_password(user: User, *, actor) -> str:
    """Give a user a new one-time password (to change at next login) and return it."""
    password = generate_password()
    user.password_hash = _hash(password)
    user.must_change_password = True
    end_sessions(user)
    audit.record(actor, "user.password_reset", "user", user.username)
    return password


def update_user(user: User, *, actor, roles: Iterable[str], active: bool, display_name: str,
                translator_locales: Iterable[str] | None = None) -> None:
    roles = _clean_roles(roles)
    old = {"roles": sorted(user.roles), "active": user.active, "display_name": user.display_name,
           "translator_locales": user.translator_locales or ""}
    if actor is not None and user.id == getattr(actor, "id", None):
        if "admin" not in roles or not active:
            raise AccountError(_("You cannot remove your own admin role or deactivate yourself."))
    if "admin" in old["roles"] and ("admin" not in roles or not active) and count_active_admins() <= 1:
        raise AccountError(_("At least one active admin must remain."))
    user.role_rows = [row for row in user.role_rows if row.role in roles]
    user.role_rows.extend(UserRole(role=role) for role in roles if role not in old["roles"])
    if user.active and not active:
        end_sessions(user)
    user.active = active
    user.display_name = display_name.strip()
    if translator_locales is not None:
        from app.config import SUPPORTED_LOCALES

        chosen = [code for code in SUPPORTED_LOCALES if code in set(translator_locales)]
        user.translator_locales = ",".join(chosen) or None
    new = {"roles": roles, "active": active, "display_name": user.display_name,
           "translator_locales": user.translator_locales or ""}
    if new != old:
        audit.record(actor, "user.updated", "user", user.username, old=old, new=new)


def count_active_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id)).join(UserRole).where(UserRole.role == "admin", User.active.is_(True))
    ) or 0


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def ensure_first_admin() -> str | None:
    """On an empty user table, create ``admin`` with a one-time password and return it."""
    if db.session.scalar(select(func.count(User.id))):
        return None
    password = generate_password()
    create_user("admin", password, ["admin"], display_name="Administrator", must_change_password=True)
    db.session.commit()
    return password


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))
