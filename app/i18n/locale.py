"""Locale choice: the user's saved preference, else the switcher's choice, else Accept-Language.

The developers' pseudo-locale ``xx`` (``flask translate pseudo``) is selectable the same ways
only when the configuration says ``PSEUDO_LOCALE``; the switcher never offers it.
"""
from __future__ import annotations

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user

PSEUDO_LOCALE = "xx"


def pseudo_locale() -> Locale:
    """The pseudo-locale: English CLDR data (dates, numbers) with the message catalog of ``xx``.

    ``xx`` has no CLDR data, so ``Locale.parse("xx")`` fails; this Locale loads English data
    and then names itself ``xx``, which is the folder Flask-Babel reads the catalog from.
    """
    locale = Locale("en")
    locale.language = PSEUDO_LOCALE
    return locale


def selectable_locales() -> tuple[str, ...]:
    """The locales a request may choose: the supported ones, plus xx in pseudo-locale mode."""
    supported = tuple(current_app.config["SUPPORTED_LOCALES"])
    if current_app.config.get("PSEUDO_LOCALE"):
        return supported + (PSEUDO_LOCALE,)
    return supported


def as_locale(code: str) -> str | Locale:
    """A locale code as Flask-Babel takes it (the pseudo-locale has no CLDR data of its own)."""
    return pseudo_locale() if code == PSEUDO_LOCALE else code


def select_locale() -> str | Locale:
    if not has_request_context():
        # Commands and background jobs: the default, unless wrapped in force_locale().
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    selectable = selectable_locales()
    if current_user and current_user.is_authenticated and current_user.locale in selectable:
        return as_locale(current_user.locale)
    chosen = session.get("locale")
    if chosen in selectable:
        return as_locale(chosen)
    best = request.accept_languages.best_match(selectable)
    return as_locale(best) if best else current_app.config["BABEL_DEFAULT_LOCALE"]
