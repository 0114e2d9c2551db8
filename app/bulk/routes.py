"""Pages of bulk marking: the form (from a search), the preview, the confirmation that starts
the job, and the job's self-polling progress page."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from app.auth.access import roles_required
from app.bulk import forms, services
from app.catalog.labels import LEVEL, TIME_UNIT
from app.catalog.models import LEVELS, TIME_UNITS
from app.core import jobs
from app.review.labels import ACTION, DATABASE, REASON, TARGET_KIND
from app.review.models import DATABASES, REASONS
from app.review.rules import COPY_FORMS
from app.search import services as search
from app.web.htmx import render_page

bp = Blueprint("bulk", __name__)
reviewers = roles_required("reviewer", "admin")
# Rows of the preview tables; the counts above them are complete.
PREVIEW_ROWS = 300
RESULT_ROWS = 500


def _endpoint(name: str) -> bool:
    """Whether a page another package provides exists (links to it only then)."""
    return name in current_app.view_functions


def _selection_info(selection: services.Selection) -> dict:
    """The size of the selection, chosen codes that do not exist, and the way back to the search."""
    args = {"q": selection.text or None, **{name: list(values) for name, values in selection.filters}}
    info = {"back_url": url_for("search.index", **args), "count": 0, "missing": [], "error": None}
    if not selection.all_matching and not selection.codes:
        return info
    try:
        ids, info["missing"] = services.selected_procedure_ids(selection)
        info["count"] = len(ids)
    except (search.QueryError, search.IndexUnavailable):
        info["error"] = True
    return info


def _page(bulk_request: services.BulkRequest, *, status: int = 200, errors=None, plan=None, token=None):
    kind = bulk_request.kind if bulk_request.kind in services.KINDS else services.KINDS[0]
    actions = services.actions_for(kind)
    return render_page(
        "bulk/index.html", "bulk/_main.html", status=status, req=bulk_request, kind=kind, actions=actions,
        param_names=forms.params_of(bulk_request.action, kind), selection=_selection_info(bulk_request.selection),
        errors=errors or {}, plan=plan, token=token, preview_rows=PREVIEW_ROWS, skip_reasons=services.skip_reasons(),
        choices=_choices(), kinds=services.KINDS, count_text=services.count_text,
        has_mark_page=_endpoint("review.mark"))


def _choices() -> dict:
    return {"reason": [(code, REASON[code]) for code in REASONS],
            "database": [(code, DATABASE[code]) for code in DATABASES],
            "level": [(code, LEVEL[code]) for code in LEVELS],
            "unit": [(code, TIME_UNIT[code]) for code in TIME_UNITS],
            "form": [(code, forms.COPY_FORM[code]) for code in COPY_FORMS],
            "action": ACTION, "target": TARGET_KIND}


@bp.route("/bulk", methods=["GET", "POST"])
@reviewers
def start():
    """The bulk form for a selection from the search page (GET with the search's parameters, or
    the search page's form posted); with HTMX, the form again for a new kind or action."""
    return _page(forms.request_from(request.values))


@bp.route("/bulk/preview", methods=["POST"])
@reviewers
def preview():
    bulk_request = forms.request_from(request.form)
    try:
        plan = services.plan(bulk_request, current_user)
    except services.BulkForbidden:
        abort(403)
    except services.BulkInvalid as exc:
        return _page(bulk_request, status=422, errors=exc.errors)
    token = services.sign_plan(plan, current_user) if plan.targets else None
    return _page(bulk_request, plan=plan, token=token)


@bp.route("/bulk/confirm", methods=["POST"])
@reviewers
def confirm():
    """Start the job for a signed preview; the job checks the matches again before writing."""
    try:
        job = services.start_job(request.form.get("plan", ""), current_user, get_locale())
    except services.BulkError as exc:
        flash(str(exc), "error")
        return redirect(url_for("bulk.start"), 303)
    return redirect(url_for("bulk.job", job_id=job.id), 303)


@bp.route("/bulk/jobs/<job_id>")
@reviewers
def job(job_id: str):
    found = jobs.get(job_id, services.JOB_KIND)
    if found is None or (
            found.owner_id != current_user.id and not current_user.has_role("admin")):
        abort(404)
    return render_page("bulk/job.html", "bulk/_job.html", job=found, result_rows=RESULT_ROWS,
                       queue_url=url_for("queues.index") if _endpoint("queues.index") else None,
                       has_mark_page=_endpoint("review.mark"))


@bp.route("/bulk/jobs/<job_id>/rerun", methods=["POST"])
@reviewers
def rerun(job_id: str):
    """Run an interrupted bulk marking again (its plan is checked again before anything is written)."""
    found = jobs.get(job_id, services.JOB_KIND)
    if found is None or (found.owner_id != current_user.id and not current_user.has_role("admin")):
        abort(404)
    if found.state != "interrupted":
        return redirect(url_for("bulk.job", job_id=found.id), 303)
    return redirect(url_for("bulk.job", job_id=jobs.rerun(found).id), 303)
