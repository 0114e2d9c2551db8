"""The search page and the admin page for index health and rebuilds."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import any_role, roles_required
from app.catalog import labels
from app.core import jobs
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
                                  page=page, per_page=20, literal=args.get("exact") == "1")


@bp.route("/search")
@any_role
def index():
    search_request = _request_from_args(request.args)
    results, message = None, None
    try:
        results = services.search(search_request)
    except services.QueryTooExpensive:
        message = _("This search would take too long. Use fewer words, a shorter distance after a phrase (~), "
                    "or more letters before *.")
    except services.QueryError:
        message = _("This search could not be read. Check quotes and brackets, or search for plain words.")
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
    return render_page("search/admin.html", "search/_health.html", health=services.health(),
                       report=services.check(), job=services.rebuild_status())


@bp.route("/admin/search/rebuild", methods=["POST"])
@roles_required("admin")
def rebuild():
    # One rebuild at a time across processes: the rebuild's lock decides; this check only
    # avoids queueing a job that would be refused at once. The job is this node's: its
    # worker rebuilds this node's index folder.
    if not services.rebuild_running():
        jobs.enqueue(services.REBUILD_JOB_KIND, label=_("Search index rebuild"), owner_id=current_user.id,
                     node=current_app.config["NODE_NAME"])
    return redirect(url_for("search.admin"))


@bp.route("/admin/search/progress")
@roles_required("admin")
def progress():
    """The rebuild's progress (the fragment polls itself while it runs); read from the index
    folder, so any web worker answers it."""
    status = services.rebuild_status()
    if status.state == "none":
        abort(404)
    if wants_fragment():
        return render_page("search/admin.html", "search/_rebuild.html", job=status)
    return render_page("search/admin.html", "search/_rebuild.html", health=services.health(),
                       report=services.check(), job=status)
