"""Yearly figures of the review module: the income per hour of the cost formula and the
targets of the dashboard.

Values are decimals kept as text (SQLite has no exact decimal type, and SQLAlchemy warns
about ``Numeric`` there). A figure set for a year applies to later years until a newer one is
set, and the answer says which year it came from, so a page can show "income per hour
(2024)". The targets have defaults (the working group's brief); the income has none: without
it the cost is a data gap, not zero.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.extensions import db
from app.review.models import ReviewSetting
from app.review.rules import parse_number
from app.timeutil import utcnow

INCOME_PER_HOUR = "income_per_hour_vnd"
TARGETS = ("reviewed_internal", "simplify", "data_fields", "cost")
# key -> kind of value: an amount (VND, zero or more) or a share (0 to 1).
KEYS: dict[str, str] = {INCOME_PER_HOUR: "amount", **{f"target.{name}": "share" for name in TARGETS}}
DEFAULTS: dict[str, Decimal] = {
    "target.reviewed_internal": Decimal("0.5"),
    "target.simplify": Decimal("0.2"),
    "target.data_fields": Decimal("0.2"),
    "target.cost": Decimal("0.2"),
}


class SettingError(ValueError):
    """A setting that cannot be stored; the message is for the user."""


@dataclass(frozen=True)
class SettingValue:
    key: str
    value: Decimal | None
    year: int | None  # the year the value was set for; None for a default or no value
    is_default: bool = False


def current_year() -> int:
    """The year now in the app's time zone (a year starts seven hours earlier in Hanoi than in UTC)."""
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).year


def get_setting(key: str, year: int | None = None) -> SettingValue:
    """The value for ``year`` (default: this year): the one set for the latest year up to it."""
    if key not in KEYS:
        raise KeyError(key)
    year = current_year() if year is None else year
    row = db.session.scalar(select(ReviewSetting).where(ReviewSetting.key == key, ReviewSetting.year <= year)
                            .order_by(ReviewSetting.year.desc()).limit(1))
    if row is not None:
        return SettingValue(key, Decimal(row.value), row.year)
    if key in DEFAULTS:
        return SettingValue(key, DEFAULTS[key], None, is_default=True)
    return SettingValue(key, None, None)


def target(name: str, year: int | None = None) -> Decimal | None:
    """A dashboard target as a share (0.2 for 20 %)."""
    return get_setting(f"target.{name}", year).value


def set_setting(key: str, value, year: int, actor) -> ReviewSetting:
    """Set a figure for a year (admins only); writes an audit row with the old and new value.

    The caller commits.
    """
    if actor is None or not actor.has_role("admin"):
        raise SettingError(_("Only an admin may change review settings."))
    if key not in KEYS:
        raise SettingError(_("Unknown setting %(key)s.", key=key))
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise SettingError(_("Enter a year between 2000 and 2100."))
    try:
        number = parse_number(value)
    except ValueError:
        number = None
    if number is None:
        raise SettingError(_("Enter a number of zero or more."))
    if KEYS[key] == "share" and number > 1:
        raise SettingError(_("A target is a share between 0 and 1, for example 0.2."))
    text = format(number.normalize(), "f")
    row = db.session.scalar(select(ReviewSetting).where(ReviewSetting.key == key, ReviewSetting.year == year))
    old = row.value if row is not None else None
    if old is not None and Decimal(old) == number:
        return row
    if row is None:
        row = ReviewSetting(key=key, year=year, value=text)
        db.session.add(row)
    row.value = text
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    db.session.flush()
    audit.record(actor, "review_setting.changed", "review_setting", f"{key}/{year}",
                 old=None if old is None else {"value": old}, new={"value": text})
    return row


def seed_setting(key: str, value, year: int) -> bool:
    """Set a figure from the command line (no actor) unless the key has a value for any year;
    True when it was set. Used to give the demo installation a starting income per hour."""
    if key not in KEYS:
        raise SettingError(_("Unknown setting %(key)s.", key=key))
    if db.session.scalar(select(ReviewSetting.id).where(ReviewSetting.key == key).limit(1)) is not None:
        return False
    text = format(parse_number(value).normalize(), "f")
    db.session.add(ReviewSetting(key=key, year=year, value=text, updated_at=utcnow()))
    db.session.flush()
    audit.record(None, "review_setting.changed", "review_setting", f"{key}/{year}", new={"value": text},
                 message="demo")
    return True
