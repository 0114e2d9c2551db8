"""The language switcher shown on every page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.audit import services as audit
from app.auth.access import public, roles_required
from app.extensions import db
from app.i18n import catalogs, editor, stored
from app.i18n.locale import selectable_locales
from app.web.htmx import render_page, wants_fragment

bp = Blueprint("i18n", __name__)


@bp.route("/locale", methods=["POST"])
@public
def switch_locale():
    locale = request.form.get("locale", "")
    if locale in selectable_locales():
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = url_for("catalog.index")
    return redirect(target)


# --- the catalog editor ---------------------------------------------------------------------

translators = roles_required("translator", "admin")


def _locale_or_abort(locale: str) -> str:
    if locale not in editor.editable_locales():
        abort(404)
    if locale not in editor.allowed_locales(current_user):
        abort(403)
    if not editor.has_catalog(locale):
        abort(404)
    return locale


def _listing_args(locale: str | None = None) -> dict:
    source = request.values
    status = source.get("status") or ""
    if status not in editor.FILTERS:
        # Opening the editor: what needs work, or everything when nothing does.
        status = editor.opening_filter(locale) if locale else "todo"
    try:
        page = max(1, int(source.get("page", 1)))
    except ValueError:
        page = 1
    return {"status": status, "q": source.get("q", "").strip()[:200], "page": page}


@bp.route("/translations")
@translators
def editor_index():
    allowed = editor.allowed_locales(current_user)
    return render_template("i18n/index.html",
                           stats=[s for s in editor.locale_stats() if s.locale in allowed])


@bp.route("/translations/<locale>")
@translators
def editor_catalog(locale: str):
    _locale_or_abort(locale)
    args = _listing_args(locale)
    reference = _reference(locale)
    page = editor.entries(locale, args["status"], args["q"], args["page"], reference=reference)
    return render_page("i18n/catalog.html", "i18n/_entries.html", locale=locale, result=page, args=args,
                       reference=reference, references=_reference_choices(locale),
                       push_url=url_for("i18n.editor_catalog", locale=locale, **args,
                                        **({"ref": request.args["ref"]} if request.args.get("ref") else {})))


def _reference(locale: str) -> str | None:
    """The translation shown beside the source: ``?ref=`` (``none`` for none) or the default."""
    chosen = request.values.get("ref")
    if chosen == "none":
        return None
    if chosen in _reference_choices(locale):
        return chosen
    return editor.default_reference(locale)


def _reference_choices(locale: str) -> list[str]:
    return [code for code in editor.editable_locales() if code not in (locale, "en") and editor.has_catalog(code)]


@bp.route("/translations/<locale>/next")
@translators
def editor_next(locale: str):
    """The next entry that needs work (after ``after``), on its page of the "todo" list."""
    _locale_or_abort(locale)
    found = editor.next_to_do(locale, request.args.get("after") or None)
    if found is None:
        flash(_("Every entry of this language is translated."), "success")
        return redirect(url_for("i18n.editor_catalog", locale=locale, status="all"))
    entry, page = found
    return redirect(url_for("i18n.editor_catalog", locale=locale, status="todo", page=page)
                    + f"#entry-{entry.key}")


@bp.route("/translations/<locale>/entry", methods=["POST"])
@translators
def editor_save(locale: str):
    _locale_or_abort(locale)
    key = request.form.get("key", "")
    base = request.form.get("base", "")
    if not key:
        abort(400)
    count = sum(1 for name in request.form if name.startswith("msgstr_"))
    forms = [request.form.get(f"msgstr_{index}", "") for index in range(count)] or [request.form.get("msgstr", "")]
    forms = [form.replace("\r\n", "\n") for form in forms]
    fuzzy = bool(request.form.get("fuzzy"))
    translator = f"{current_user.display_name or current_user.username} <{current_user.username}>"
    args = _listing_args()
    try:
        result = editor.save_entry(locale, key, forms, fuzzy, base, translator=translator)
    except editor.EntryNotFound:
        abort(404)
    except editor.EntryRefused as refused:
        refused.entry.errors = refused.problems
        return _entry_response(locale, refused.entry, args, 422)
    except editor.EditConflict as conflict:
        return _entry_response(locale, conflict.attempted, args, 409, stored=conflict.stored)
    if result.changed:
        audit.record(current_user, "translation.updated", "translation", f"{locale}:{result.entry.msgid}",
                     old=result.old, new=result.new)
        db.session.commit()
        stored.refresh_if_changed(force=True)  # this process shows it at once; the others within seconds
    if not wants_fragment():
        flash(_("The translation was saved."), "success")
        return redirect(url_for("i18n.editor_catalog", locale=locale, **args))
    return _entry_response(locale, result.entry, args, 200, saved=True)


def _entry_response(locale, entry, args, status, stored=None, saved=False):
    template = "i18n/_entry.html" if wants_fragment() else "i18n/entry_page.html"
    return render_template(template, locale=locale, entry=entry, args=args, stored=stored,
                           saved=saved, reference=None), status


@bp.route("/translations/<locale>/download")
@translators
def editor_download(locale: str):
    _locale_or_abort(locale)
    data = editor.po_text(locale).encode("utf-8")
    response = current_app.response_class(data, mimetype="text/x-gettext-translation")
    response.headers["Content-Disposition"] = f'attachment; filename="{locale}-{catalogs.DOMAIN}.po"'
    response.headers["Cache-Control"] = "no-store"
    return response
