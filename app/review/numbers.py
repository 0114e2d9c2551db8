"""Numbers typed in the mark form, read the way the interface language writes them.

A Vietnamese reviewer writes twenty thousand đồng as "20.000" and one and a half hours as
"1,5"; an English or Thai one writes "20,000" and "1.5". The form reads each number with the
interface locale (Babel's strict parser) before the services see it, and refuses what could
be read two ways rather than guess: "20,000" in Vietnamese is twenty by the rules but twenty
thousand by habit. The services keep taking plain numbers (the CLI and tests call them so).
"""
from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from app.web.filters import vnd

# Spaces people type (or copy from a formatted amount) between groups of three digits.
SPACE_GROUPS = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?$")
# One separator with one to three digits before it and exactly three after: "20,000" or
# "1.500" means a thousand-fold different number to readers of the two conventions.
ONE_SEPARATOR_THREE_DIGITS = re.compile(r"^[1-9]\d{0,2}[.,]\d{3}$")
CURRENCY_SIGNS = ("₫", "đ", "vnd", "VND", "đồng")
MONEY_FIELDS = ("fees_saved_vnd", "other_saved_vnd", "params.amount_vnd")
HOURS_FIELDS = ("hours_saved_per_case",)
# The inputs of the mark form that hold numbers (the rest is text or a choice).
NUMBER_FIELDS = (*HOURS_FIELDS, *MONEY_FIELDS, "params.copies", "params.value")


class Unreadable(str):
    """What the user typed, kept for the form, with the reason it could not be read."""

    message: str

    def __new__(cls, text: str, message: str) -> Unreadable:
        value = super().__new__(cls, text)
        value.message = message
        return value


def _decimal_sign(locale) -> str:
    symbols = locale.number_symbols
    return symbols.get("latn", symbols).get("decimal", ".")


def example(locale=None) -> str:
    """How this locale writes 1500000 and 0.5, for hints and messages: "1.500.000 / 0,5"."""
    locale = locale or get_locale()
    return f"{format_decimal(1500000, locale=locale)} / {format_decimal(Decimal('0.5'), locale=locale)}"


def read_number(text: str, locale=None, *, money: bool = False) -> Decimal | None:
    """The number in ``text`` as the locale writes it; None when empty.

    Raises ``ValueError`` with a message for the user when it cannot be read, is negative, or
    could mean two numbers a thousand-fold apart.
    """
    locale = locale or get_locale()
    shown = (text or "").strip()
    if not shown:
        return None
    plain = shown
    if money:
        for sign in CURRENCY_SIGNS:
            plain = plain.removesuffix(sign).removeprefix(sign).strip()
    if SPACE_GROUPS.match(plain):
        plain = re.sub(r"[ \u00a0\u202f]", "", plain)
    decimal_sign = _decimal_sign(locale)
    if plain.startswith(("-", "−")):
        raise ValueError(_("Enter a number of zero or more."))
    if not re.fullmatch(r"[0-9.,]+", plain):
        raise ValueError(_("“%(text)s” is not a number. Write it like %(example)s.", text=shown,
                           example=example(locale)))
    if ONE_SEPARATOR_THREE_DIGITS.match(plain) and decimal_sign in plain:
        whole, fraction = plain.split(decimal_sign)
        raise ValueError(_("“%(text)s” could be read as %(large)s or as %(small)s. Write %(plain)s if you mean "
                           "%(large)s.", text=shown, plain=whole + fraction,
                           large=format_decimal(Decimal(whole + fraction), locale=locale),
                           small=format_decimal(Decimal(f"{whole}.{fraction}"), locale=locale)))
    try:
        number = parse_decimal(plain, locale=locale, strict=True)
    except NumberFormatError as exc:
        if exc.suggestions:
            raise ValueError(_("“%(text)s” is not written the way this language writes numbers. "
                               "Did you mean %(choices)s?", text=shown,
                               choices=" / ".join(exc.suggestions))) from None
        raise ValueError(_("“%(text)s” is not a number. Write it like %(example)s.", text=shown,
                           example=example(locale))) from None
    if not number.is_finite() or number < 0:
        raise ValueError(_("Enter a number of zero or more."))
    return number


def read_field(name: str, text: str, locale=None) -> Decimal | Unreadable | None:
    """A number input of the mark form: the number, None when empty, or the text kept with why
    it was refused (``Unreadable``), which the rules report beside the input."""
    try:
        return read_number(text, locale, money=name in MONEY_FIELDS)
    except ValueError as exc:
        return Unreadable(text, str(exc))


def echo(name: str, value: Decimal | None) -> str:
    """The number as it will be saved, formatted back: "= 20.000 ₫", "= 1,5 hours"."""
    if value is None:
        return _("(not estimated)")
    if name in MONEY_FIELDS:
        return "= " + vnd(value)
    if name in HOURS_FIELDS:
        # The plural form only tells one from more (a Decimal count is not accepted by gettext).
        return "= " + ngettext("%(hours)s hour", "%(hours)s hours", 1 if value == 1 else 2,
                               hours=format_decimal(value, format="#,##0.##########", locale=get_locale()))
    return "= " + format_decimal(value, format="#,##0.##########", locale=get_locale())


def in_form(value) -> str:
    """A stored number as the form shows it for editing, in the interface locale without
    grouping ("0,5", "20000"), so that saving it again reads the same number."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value  # what the user typed (an Unreadable, or a text not yet cleaned)
    if isinstance(value, bool):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return format_decimal(number, format="0.##########", locale=get_locale())
