"""Sign-in throttling, shared by every worker through the database.

Each attempt is a ``login_attempt`` row. An account is locked after ``LOGIN_MAX_FAILURES`` failures
since its last successful sign-in within ``LOGIN_THROTTLE_MINUTES``; an address after
``LOGIN_MAX_FAILURES_PER_ADDRESS`` failures (any usernames) in the same window. While locked,
not even the right password signs in, so guessing gains nothing. Rows older than a day are removed.
"""
from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from app.auth.models import LoginAttempt
from app.extensions import db
from app.timeutil import utcnow


def _key(username: str) -> str:
    return (username or "").strip().lower()[:80]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])


def _locked_until(where, limit: int):
    """The time the oldest counted failure leaves the window, when ``limit`` failures are in it."""
    since = utcnow() - _window()
    failures = list(db.session.scalars(
        select(LoginAttempt.at).where(where, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
        .order_by(LoginAttempt.at.desc()).limit(limit)))
    if len(failures) < limit:
        return None
    return failures[-1] + _window()


def wait_minutes(username: str, address: str) -> int | None:
    """Minutes until sign-in may be tried again for this account or address; None: not locked."""
    key = _key(username)
    last_success = db.session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == key, LoginAttempt.succeeded.is_(True)))
    account = LoginAttempt.username == key
    if last_success is not None:
        account = account & (LoginAttempt.at > last_success)
    ends = [until for until in (
        _locked_until(account, current_app.config["LOGIN_MAX_FAILURES"]),
        _locked_until(LoginAttempt.address == address, current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ) if until is not None]
    if not ends:
        return None
    return max(1, math.ceil((max(ends) - utcnow()).total_seconds() / 60))


def record(username: str, address: str, succeeded: bool) -> None:
    """Add the attempt to the session (committed by the caller) and forget day-old rows."""
    db.session.add(LoginAttempt(username=_key(username), address=(address or "")[:64], succeeded=succeeded))
    if not succeeded:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - timedelta(days=1)))
