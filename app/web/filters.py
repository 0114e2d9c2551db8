"""Template filters and globals: locale-aware numbers, money and dates, all formatted by Babel.

Thai dates are shown in the Buddhist era (B.E. = Gregorian year + 543), as Thai government
documents write them: 6 สิงหาคม 2566 for 2023-08-06. Babel formats the Gregorian calendar only,
so for Thai the CLDR pattern is rewritten before formatting: each year field becomes the
Buddhist-era year as a quoted literal, and the era field (ค.ศ., "Christian era") is dropped.
Rewriting the pattern, not the formatted text, keeps two-digit years and digits of the day or
time that happen to equal the year correct.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import get_group_symbol
from flask_babel import (format_currency, format_date, format_datetime, format_decimal, format_scientific, get_locale,
                         to_user_timezone)
from jinja2 import pass_context
from markupsafe import Markup, escape

BUDDHIST_ERA_OFFSET = 543
BUDDHIST_ERA_LOCALES = ("th",)
# The date pattern of each interface language: a CLDR length or a Babel pattern.
# vi: dd/MM/yyyy, as Vietnamese administrative documents and the national portal write dates
# (CLDR's short form has a two-digit year, its medium form "6 thg 8, 2023" is unusual).
DATE_FORMATS = {"vi": "dd/MM/y", "th": "long", "en": "medium"}
# Date part of a date and time (time part: the locale's short time, joined the locale's way).
DATETIME_DATE_FORMATS = {"vi": "dd/MM/y", "th": "medium", "en": "medium"}
_PATTERN_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def _language(locale: Locale) -> str:
    return str(locale).split("_")[0]


def _unshowable(value) -> bool:
    """NaN and infinities have no amount to show (stored before validation refused them)."""
    return isinstance(value, float) and not math.isfinite(value)


def vnd(amount) -> str:
    """An amount in Vietnamese đồng, the locale's way: 1.500.000 ₫ (vi), ₫1,500,000 (en, th)."""
    if amount is None or _unshowable(amount):
        return "—"
    try:
        return format_currency(amount, "VND")
    except (InvalidOperation, OverflowError, ValueError):
        # Beyond what a Decimal of 28 digits holds (1e308 đồng): scientific, never a 500.
        return format_scientific(amount) + " ₫"


def number(value, digits: int = 0) -> str:
    if value is None or _unshowable(value):
        return "—"
    if type(value) is int and value >= 0:
        # Whole counts are most numbers on a page (a filter list has hundreds): grouping by
        # thousands with the locale's separator is what "#,##0" gives, without parsing it each time.
        return f"{value:,}".replace(",", _group_symbol(get_locale()))
    try:
        return format_decimal(value, format="#,##0" + ("." + "#" * digits if digits else ""))
    except (InvalidOperation, OverflowError, ValueError):
        return format_scientific(value)


@lru_cache(maxsize=16)
def _group_symbol(locale: Locale) -> str:
    return get_group_symbol(locale)


def buddhist_era_pattern(pattern: str, year: int) -> str:
    """Rewrite a CLDR date pattern for the Buddhist era: ``y`` fields become the year + 543 as a
    quoted literal (two digits for ``yy``), ``G`` fields (the era name) are dropped.

    >>> buddhist_era_pattern("d MMMM G y", 2023)
    "d MMMM '2566'"
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "'":  # a quoted literal ('' is a quote): copy it unchanged
            j = i + 1
            while j < n:
                if pattern[j] == "'":
                    if j + 1 < n and pattern[j + 1] == "'":
                        j += 2
                        continue
                    break
                j += 1
            out.append(pattern[i:j + 1])
            i = j + 1
            continue
        if ch in _PATTERN_LETTERS:
            j = i
            while j < n and pattern[j] == ch:
                j += 1
            run = pattern[i:j]
            if ch == "y":
                be = year + BUDDHIST_ERA_OFFSET
                out.append(f"'{be % 100:02d}'" if len(run) == 2 else f"'{be:0{len(run)}d}'")
            elif ch in "YuU":
                raise ValueError(f"pattern field {run!r} has no Buddhist-era rewrite: {pattern!r}")
            elif ch == "G":
                # Drop the era and the space that separated it: "d MMMM G y" -> "d MMMM y".
                if out and out[-1] == " ":
                    out.pop()
                elif j < n and pattern[j] == " ":
                    j += 1
            else:
                out.append(run)
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _date_pattern(locale: Locale, format: str) -> str:
    if format in ("short", "medium", "long", "full"):
        return locale.date_formats[format].pattern
    return format


def _datetime_pattern(locale: Locale, date_format: str) -> str:
    """One pattern for a date and time: the locale's glue ("{1} {0}", "{1}, {0}"...) around the
    date pattern and the locale's short time pattern."""
    glue = str(locale.datetime_formats["medium"])
    return glue.replace("{1}", _date_pattern(locale, date_format)).replace(
        "{0}", locale.time_formats["short"].pattern)


def format_day(value: date) -> str:
    """A date in the interface locale (Buddhist era in Thai)."""
    locale = _locale()
    language = _language(locale)
    pattern = _date_pattern(locale, DATE_FORMATS.get(language, "medium"))
    if language in BUDDHIST_ERA_LOCALES:
        pattern = buddhist_era_pattern(pattern, value.year)
    return format_date(value, format=pattern)


def format_moment(value: datetime) -> str:
    """A date and time (stored as naive UTC) in the user's time zone and interface locale."""
    locale = _locale()
    language = _language(locale)
    pattern = _datetime_pattern(locale, DATETIME_DATE_FORMATS.get(language, "medium"))
    if language in BUDDHIST_ERA_LOCALES:
        # The year of the shown (local) time: 31 Dec 20:00 UTC is already 1 Jan in Hanoi.
        pattern = buddhist_era_pattern(pattern, to_user_timezone(value).year)
    return format_datetime(value, format=pattern)


def _time_element(machine: str, shown: str) -> Markup:
    return Markup('<time datetime="%s">%s</time>') % (machine, shown)


def day(value) -> str:
    """Template filter: a date as ``<time datetime="2023-08-06">6 สิงหาคม 2566</time>``."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return escape(value)
    return _time_element(value.isoformat(), format_day(value))


def moment(value: datetime | str | None) -> str:
    """Template filter: a date and time (naive UTC, or an ISO string of one) in a ``<time>``
    element whose datetime attribute is in UTC."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return escape(value)
    machine = value.strftime("%Y-%m-%dT%H:%MZ") if value.tzinfo is None else value.isoformat()
    return _time_element(machine, format_moment(value))


def as_json(value) -> str:
    """Compact JSON with readable non-ASCII text (the template autoescapes it)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _count(value):
    """The count of an ngettext call as the locale writes numbers (1.661 in vi, 1,661 in en)."""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return number(value)
    return value


def _counts_formatted(env) -> None:
    """Make the templates' ngettext/npgettext write their ``num`` the locale's way: Jinja's i18n
    extension passes the raw integer, which showed 1661 beside Babel's 3.105 on one page."""
    plural, plural_with_context = env.globals["ngettext"], env.globals.get("npgettext")

    @pass_context
    def ngettext(context, singular, plural_text, count, /, **variables):
        if "%(num)s" in singular:  # a %(num)d placeholder wants the number itself
            variables.setdefault("num", _count(count))
        return plural(context, singular, plural_text, count, **variables)

    env.globals["ngettext"] = ngettext
    if plural_with_context is not None:
        @pass_context
        def npgettext(context, message_context, singular, plural_text, count, /, **variables):
            if "%(num)s" in singular:
                variables.setdefault("num", _count(count))
            return plural_with_context(context, message_context, singular, plural_text, count, **variables)

        env.globals["npgettext"] = npgettext


def register(app) -> None:
    _counts_formatted(app.jinja_env)
    app.add_template_filter(as_json)
    app.add_template_filter(vnd)
    app.add_template_filter(number)
    app.add_template_filter(day)
    app.add_template_filter(moment)
