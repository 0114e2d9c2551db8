"""Template filters and globals: locale-aware numbers, money and dates."""
from __future__ import annotations

import json
from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _


def vnd(amount) -> str:
    if amount is None:
        return "—"
    return _("%(amount)s ₫", amount=format_decimal(amount, format="#,##0"))


def number(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0" + ("." + "#" * digits if digits else ""))


def _buddhist(text: str, year: int) -> str:
    return text.replace(str(year), str(year + 543))


def day(value) -> str:
    """A date in the interface locale; Thai dates in the Buddhist era."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    text = format_date(value, format="long" if str(get_locale()) == "th" else "medium")
    return _buddhist(text, value.year) if str(get_locale()) == "th" else text


def moment(value: datetime | None) -> str:
    if value is None:
        return "—"
    text = format_datetime(value, format="short")
    return _buddhist(text, value.year) if str(get_locale()) == "th" else text


def as_json(value) -> str:
    """Compact JSON with readable non-ASCII text (the template autoescapes it)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def register(app) -> None:
    app.add_template_filter(as_json)
    app.add_template_filter(vnd)
    app.add_template_filter(number)
    app.add_template_filter(day)
    app.add_template_filter(moment)
