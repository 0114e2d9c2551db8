"""The search page, the admin page for index health and rebuilds, and the synonyms page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import any_role, roles_required
from app.catalog import labels
from app.extensions import db
from app.search import services, synonym_format, synonym_lists
from app.search import synonyms as synonyms_module
from app.search.analysis import tokenize
from app.search.facets import LEVELS
from app.web.htmx import render_page, wants_fragment

bp = Blueprint("search", __name__)
@bp.route("/search")
@any_role
def index():
    search_request = services.request_from_args(request.args)
    results, message = None, None
    try:
        results = services.search(search_request)
    except services.QueryTooExpensive:
        message = _("This search would take too long. Use fewer words, a shorter distance after a phrase (~), "
                    "or more letters before *.")
    except services.QueryError:
        message = _("This search could not be read. Check quotes and brackets, or search for plain words.")
    except services.IndexUnavailable as exc:
        message = (_("The search index of this server is being built; search is available again in a few "
                     "minutes. The catalog can be browsed meanwhile.") if exc.reason == "missing" else
                   _("The search index of this server is unavailable: it was found damaged and is being "
                     "rebuilt. Search is available again in a few minutes; the catalog can be browsed "
                     "meanwhile."))
    return render_page("search/index.html", "search/_results.html", push_url=request.full_path.rstrip("?"),
                       search=search_request, results=results, message=message,
                       chosen=search_request.filter_dict(), level_order=LEVELS,
                       facet_labels=_facet_labels())


def _facet_labels() -> dict[str, dict]:
    return {"level": labels.LEVEL, "kind": labels.KIND, "online_level": labels.ONLINE_LEVEL,
            "status": labels.STATUS, "review": labels.REVIEW_STATE}


@bp.route("/admin/search")
@roles_required("admin")
def admin():
    return _admin_page()


def _admin_page():
    """The admin page, or for HTMX its swappable part (``#search-health``, which the rebuild
    button targets and selects)."""
    return render_page("search/admin.html", "search/_health.html", health=services.health(),
                       report=services.check(checksums=False), nodes=services.rebuilds_overview())


@bp.route("/admin/search/rebuild", methods=["POST"])
@roles_required("admin")
def rebuild():
    """Ask every server's search worker to rebuild its index (a request in the database)."""
    services.request_rebuild(current_user.id)
    if wants_fragment():
        return _admin_page()
    return redirect(url_for("search.admin"))


@bp.route("/admin/search/progress")
@roles_required("admin")
def progress():
    """The rebuilds' progress on every server (the fragment polls itself while one runs); read
    from the database, so any web worker of any server answers it."""
    if wants_fragment():
        return render_page("search/admin.html", "search/_rebuild.html", nodes=services.rebuilds_overview())
    return _admin_page()


SYNONYM_LANGUAGES = {"vi": "Tiếng Việt", "th": "ไทย", "en": "English"}
MAX_TRY_LENGTH = 200


@bp.route("/admin/search/synonyms", methods=["GET", "POST"])
@roles_required("admin")
def synonyms():
    """One language's synonym list, edited as text (the file format without its heading), and
    a box to try a query against the lists in force."""
    lang = request.values.get("lang", "vi")
    if lang not in SYNONYM_LANGUAGES:
        lang = "vi"
    context = {"lang": lang, "languages": SYNONYM_LANGUAGES, "problems": [], "conflict": False, "saved": None,
               "tried": request.args.get("try", "").strip()[:MAX_TRY_LENGTH]}
    status = 200
    text = None
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            expected = int(request.form.get("revision", ""))
        except ValueError:
            expected = None
        try:
            result = synonym_lists.save_language(lang, text, current_user, expected_revision=expected)
        except synonym_lists.SynonymListError as exc:
            db.session.rollback()
            context["problems"], status = exc.problems, 422
        except synonym_lists.SynonymConflict:
            db.session.rollback()
            context["conflict"], status = True, 409
        else:
            db.session.commit()
            synonym_lists_changed()
            added, removed = result.changed.get(lang, (0, 0))
            message = _("The %(language)s list was saved: %(added)s entries added, %(removed)s removed. "
                        "Searches use it at once.", language=SYNONYM_LANGUAGES[lang], added=added, removed=removed)
            if not wants_fragment():
                flash(message, "success")
                return redirect(url_for("search.synonyms", lang=lang))
            context["saved"], text = message, None
    lists = synonym_lists.current_lists()
    context.update(
        revision=synonym_lists.revision() or 0,
        stored=synonym_lists.stored(),
        counts={code: len(lists.get(code, ())) for code in SYNONYM_LANGUAGES},
        text=synonym_format.format_entries(lists.get(lang, ())) if text is None else text,
        current_text=synonym_format.format_entries(lists.get(lang, ())),
        tried_words=tokenize(context["tried"], subwords=False),
        limits={"entries": synonym_format.MAX_ENTRIES, "terms": synonym_format.MAX_TERMS,
                "words": synonym_format.MAX_TERM_WORDS, "chars": synonym_format.MAX_LINE_CHARS},
    )
    context["alternatives"] = synonyms_module.alternatives(context["tried_words"]) if context["tried"] else None
    return render_page("search/synonyms.html", "search/_synonyms.html", status=status, **context)


def synonym_lists_changed() -> None:
    """This process looks at the revision again at once; the others within a second."""
    synonyms_module.forget()
