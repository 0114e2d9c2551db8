"""The search page and the admin page for index health and rebuilds."""
from __future__ import annotations


from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import any_role, roles_required
from app.catalog import labels
from app.search import services
from app.search.facets import LEVELS
from app.web.htmx import render_page, wants_fragment

bp = Blueprint("search", __name__)
FILTERS = ("agency", "sector", "level", "kind", "online_level", "status", "review")


def _request_from_args(args) -> services.SearchRequest:
    filters = tuple((name, tuple(sorted({v for v in args.getlist(name) if v})[:50])) for name in FILTERS
                    if any(args.getlist(name)))
    try:
        page = min(500, max(1, int(args.get("page", 1))))
    except ValueError:
        page = 1
    sort = args.get("sort", "relevance")
    return services.SearchRequest(text=(args.get("q") or "").strip(), filters=filters,
                                  sort=sort if sort in ("relevance", "code", "newest") else "relevance",
                                  page=page, per_page=20)


@bp.route("/search")
@any_role
def index():
    search_request = _request_from_args(request.args)
    results, message = None, None
    try:
        results = services.search(search_request)
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
