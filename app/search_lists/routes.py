"""Saved searches (a page of one's own, saving from the search page) and result list files."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import any_role
from app.extensions import db
from app.search import services as search
from app.search_lists import services
from app.web.htmx import render_page, wants_fragment

bp = Blueprint("search_lists", __name__)


@bp.app_template_global("search_query_string")
def search_query_string(args) -> str:
    return services.canonical_query(args)


@bp.app_template_global("search_query_pairs")
def search_query_pairs(args) -> list[tuple[str, str]]:
    return services.query_pairs(args)


@bp.route("/saved-searches")
@any_role
def index():
    return _list_page()


def _list_page(status: int = 200, error: str | None = None):
    saved = services.saved_of(current_user)
    return render_page("search_lists/index.html", "search_lists/_list.html", status=status, saved=saved,
                       describe=services.describe, error=error)


@bp.route("/saved-searches", methods=["POST"])
@any_role
def save():
    args = request.form
    try:
        saved = services.save(current_user, args.get("name", ""), args)
    except services.SavedSearchError as exc:
        db.session.rollback()
        if wants_fragment():
            return render_page("search_lists/_save_note.html", "search_lists/_save_note.html", status=422,
                               error=str(exc), saved=None)
        flash(str(exc), "error")
        return redirect(url_for("search.index") + "?" + services.canonical_query(args))
    db.session.commit()
    if wants_fragment():
        return render_page("search_lists/_save_note.html", "search_lists/_save_note.html", error=None,
                           saved=saved)
    flash(_("The search was saved as “%(name)s”.", name=saved.name), "success")
    return redirect(url_for("search.index") + "?" + saved.query)


@bp.route("/saved-searches/<int:saved_id>/delete", methods=["POST"])
@any_role
def delete(saved_id: int):
    if not services.remove(current_user, saved_id):
        abort(404)
    db.session.commit()
    if wants_fragment():
        return _list_page()
    flash(_("The saved search was removed."), "success")
    return redirect(url_for("search_lists.index"))


@bp.route("/search/results.<any(csv, xlsx):fmt>")
@any_role
def download(fmt: str):
    """Every procedure the search and its filters match (code order), as CSV or XLSX."""
    wanted = search.request_from_args(request.args)
    try:
        ids = search.matching_ids(wanted)
    except (search.QueryError, search.IndexUnavailable):
        flash(_("This search could not be run, so there is nothing to download."), "error")
        return redirect(url_for("search.index") + "?" + services.canonical_query(request.args))
    if len(ids) > services.MAX_EXPORT_ROWS:
        flash(_("This search matches %(count)s procedures; a list holds at most %(max)s. Narrow it with a filter.",
                count=len(ids), max=services.MAX_EXPORT_ROWS), "error")
        return redirect(url_for("search.index") + "?" + services.canonical_query(request.args))
    rows = services.rows(ids)
    if fmt == "csv":
        body, mimetype = services.write_csv(rows), "text/csv; charset=utf-8"
    else:
        body = services.write_xlsx(rows, wanted.text)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="search-results.{fmt}"'
    return response
