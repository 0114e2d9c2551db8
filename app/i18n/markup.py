"""Translations never carry markup into a page.

Jinja's i18n extension (as Flask-Babel installs it, ``newstyle=True``) wraps whatever the catalog
returns in ``Markup``, and Flask-Babel's lazy strings declare ``__html__``: a translation is
trusted as HTML, in text and in attribute position (``aria-label="{{ _('Main') }}"``). The catalog
check refuses quotes and angle brackets a msgid does not have, but a catalog can reach the app by
other ways than the editor, so the templates do not rely on it: a translation is escaped, and only
the HTML tags its msgid itself contains are kept as markup. A msgid (the developers' English text)
is shown as written.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape

from app.i18n.catalogs import html_tags


def neutralise(translation: str, *sources: str) -> Markup:
    """A translation as safe markup: escaped, except tags that occur in its msgid."""
    if translation in sources:
        return Markup(translation)
    safe = str(escape(translation))
    for tag in html_tags(" ".join(sources)):
        safe = safe.replace(str(escape(tag)), tag)
    return Markup(safe)


def _result(context, translation: str, *sources: str):
    if not context.eval_ctx.autoescape:
        return translation
    return neutralise(translation, *sources)


def install(app: Flask) -> None:
    """Replace the gettext callables Flask-Babel gave Jinja with escaping ones, and make lazy
    strings escape themselves when a template prints them."""

    @pass_context
    def gettext(context, string):
        return _result(context, get_translations().ugettext(string), string)

    @pass_context
    def ngettext(context, singular, plural, num):
        return _result(context, get_translations().ungettext(singular, plural, num), singular, plural)

    @pass_context
    def pgettext(context, ctxt, string):
        return _result(context, get_translations().upgettext(ctxt, string), string)

    @pass_context
    def npgettext(context, ctxt, singular, plural, num):
        return _result(context, get_translations().unpgettext(ctxt, singular, plural, num), singular, plural)

    app.jinja_env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True,
                                            pgettext=pgettext, npgettext=npgettext)
    # Flask-Babel's LazyString.__html__ returns the translation unescaped.
    LazyString.__html__ = lambda self: str(escape(str(self)))
