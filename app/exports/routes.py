"""Pages of the exports package: choose an export, follow its job, download the file.

Leads and admins use these pages (the plan is the leads' submission to the agencies; see
``services`` for who exports what). Reviewers see the marks on the procedure pages.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, send_file, url_for
from flask_babel import get_locale
from flask_login import current_user

from app.auth.access import roles_required
from app.exports import services
from app.exports.forms import ExportForm
from app.exports.plan import plan_agencies
from app.web.htmx import render_page

bp = Blueprint("exports", __name__)
leads = roles_required("lead", "admin")


@bp.route("/exports", methods=["GET", "POST"])
@leads
def index():
    form = ExportForm(services.allowed_formats(current_user))
    status = 200
    if form.validate_on_submit():
        try:
            job = services.start_export_job(form.format.data, status=form.status.data, agency=form.agency.data,
                                            user=current_user, locale=get_locale())
        except services.ExportError as exc:
            form.format.errors.append(str(exc))
            status = 400
        else:
            return redirect(url_for("exports.job", export_id=job.id))
    elif request.method == "POST":
        status = 400
    return render_page("exports/index.html", "exports/_exports.html", status=status, form=form,
                       agencies=plan_agencies(), exports=services.recent_exports(current_user),
                       format_labels=services.FORMAT_LABELS, status_labels=services.STATUS_LABELS, keep=services.KEEP)


def _export_or_404(export_id: str):
    """The export's job and its record (both from the database, so any node answers)."""
    job = services.job_of(export_id)
    if job is None:
        abort(404)
    if not (current_user.has_role("admin") or job.owner_id == current_user.id):
        abort(403)
    return job, services.get_export(export_id)


@bp.route("/exports/<export_id>")
@leads
def job(export_id: str):
    job, meta = _export_or_404(export_id)
    state = "running" if job.active else job.state
    available = meta["state"] == "done" and services.export_file(meta).exists()
    return render_page("exports/job.html", "exports/_job.html", export_id=export_id, job=job, meta=meta,
                       state=state, available=available, format_labels=services.FORMAT_LABELS,
                       status_labels=services.STATUS_LABELS)


@bp.route("/exports/<export_id>/download")
@leads
def download(export_id: str):
    meta = services.get_export(export_id)
    if meta is None or meta["state"] != "done":
        abort(404)
    if not services.may_see(current_user, meta):
        abort(403)
    path = services.export_file(meta)
    if not path.exists():
        abort(404)
    # The print view opens in the browser (to print from there); the other formats are files.
    return send_file(path, mimetype=services.MIMETYPES[meta["format"]], as_attachment=meta["format"] != "html",
                     download_name=services.download_name(meta), max_age=0)
