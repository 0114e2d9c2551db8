"""Catalog pages: the procedure list, a procedure, its version history and diffs."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import any_role, roles_required
from app.catalog import labels, publication, services
from app.extensions import db
from app.web.htmx import render_page

bp = Blueprint("catalog", __name__)


def _sees_drafts() -> bool:
    return current_user.has_role("admin")


@bp.route("/procedures")
@any_role
def index():
    query = services.CatalogQuery.from_args(request.args, per_page=current_app.config["PAGE_SIZE"])
    include_drafts = _sees_drafts()
    page = services.list_procedures(query, include_drafts=include_drafts, locale=str(get_locale()))
    return render_page("catalog/index.html", "catalog/_results.html", push_url=request.full_path.rstrip("?"),
                       query=query, page=page)


def _load(code: str):
    procedure = services.get_procedure(code)
    if procedure is None or (procedure.status == "draft" and not _sees_drafts()):
        abort(404)
    return procedure


@bp.route("/procedures/<code>")
@any_role
def show(code: str):
    procedure = _load(code)
    number = request.args.get("version", type=int)
    if number is not None and procedure.pending_version_id and not _sees_drafts():
        pending = procedure.pending_version
        if pending and pending.number == number:
            abort(404)
    version = services.get_version(procedure, number)
    if version is None:
        abort(404)
    from app.review.cost import procedure_cost

    # The cost before and after the marks is that of the current version (the marks follow it).
    cost = procedure_cost(procedure.id) if version.id == procedure.current_version_id else None
    return render_page("catalog/procedure.html", "catalog/_procedure_body.html",
                       procedure=procedure, version=version, cost=cost)


@bp.route("/procedures/<code>/history")
@any_role
def history(code: str):
    procedure = _load(code)
    versions = services.versions_of(procedure)
    if not _sees_drafts():
        versions = [v for v in versions if v.published_at is not None]
    return render_page("catalog/history.html", "catalog/_history_list.html", procedure=procedure,
                       versions=versions)


def _visible_version(procedure, number: int | None):
    version = services.get_version(procedure, number, with_record=True) if number is not None else None
    if version is not None and version.published_at is None and not _sees_drafts():
        return None
    return version


def _render_diff(procedure, previous, version):
    versions = services.versions_of(procedure)
    if not _sees_drafts():
        versions = [v for v in versions if v.published_at is not None]
    rows = services.version_diff(previous, version)
    return render_page("catalog/diff.html", "catalog/_diff_rows.html", procedure=procedure,
                       version=version, previous=previous, rows=rows, versions=versions)


@bp.route("/procedures/<code>/versions/<int:number>/diff")
@any_role
def diff(code: str, number: int):
    """A version against the one before it, or against ``?against=N``."""
    procedure = _load(code)
    version = _visible_version(procedure, number)
    if version is None:
        abort(404)
    against = request.args.get("against", type=int)
    previous = _visible_version(procedure, against if against is not None else number - 1)
    if against is not None and previous is None:
        abort(404)
    return _render_diff(procedure, previous, version)


@bp.route("/procedures/<code>/compare")
@any_role
def compare(code: str):
    """Any two versions side by side (the history page's form; works without JavaScript)."""
    procedure = _load(code)
    old = _visible_version(procedure, request.args.get("old", type=int))
    new = _visible_version(procedure, request.args.get("new", type=int))
    if old is None or new is None:
        flash(_("Choose two versions to compare."), "error")
        return redirect(url_for("catalog.history", code=code))
    return _render_diff(procedure, old, new)


@bp.route("/procedures/<code>/publish", methods=["POST"])
@roles_required("admin")
def publish(code: str):
    procedure = _load(code)
    try:
        publication.publish_procedure(procedure, current_user)
    except publication.PublicationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Procedure %(code)s is now %(status)s.", code=code, status=labels.STATUS[procedure.status]), "success")
    return redirect(url_for("catalog.show", code=code))


@bp.route("/procedures/<code>/abolish", methods=["POST"])
@roles_required("admin")
def abolish(code: str):
    procedure = _load(code)
    try:
        publication.abolish_procedure(procedure, current_user, request.form.get("reason", "")[:500])
    except publication.PublicationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Procedure %(code)s is abolished.", code=code), "success")
    return redirect(url_for("catalog.show", code=code))
