"""Pages of the queues package: the work queues with their tabs, and the assignment of
agencies and sectors to reviewers. Every change is a plain form post (then a redirect); with
HTMX the same post answers with the changed table row."""
from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.auth.access import roles_required
from app.extensions import db
from app.queues import services
from app.review.services import MarkInvalid
from app.queues.models import SCOPES
from app.review.labels import ACTION, FLAG, REASON, STATUS, TARGET_KIND, label
from app.web.htmx import render_page, wants_fragment

bp = Blueprint("queues", __name__)
QUEUE_USERS = ("reviewer", "lead", "admin")
ASSIGNERS = ("lead", "admin")


def element_url(code: str, element_key: str | None) -> str:
    """The procedure page, at the element when there is one (anchors are ``#el-<eid>``)."""
    url = url_for("catalog.show", code=code)
    return url + "#el-" + element_key.split(":", 1)[1] if element_key else url


def mark_url(mark_id: int, code: str, element_key: str | None) -> str:
    """A mark's page where the app has one, else the procedure at the marked element."""
    if "review.mark" in current_app.view_functions:
        return url_for("review.mark", mark_id=mark_id)
    return element_url(code, element_key)


def row_id(scope: str, value: str) -> str:
    """A stable HTML id for the row of an agency or sector (its text may hold anything)."""
    return f"cover-{scope}-" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]


def _review_labels() -> dict:
    return {"action": ACTION, "flag": FLAG, "reason": REASON, "status": STATUS, "target_kind": TARGET_KIND,
            "label": label}


@bp.route("/queues")
@roles_required(*QUEUE_USERS)
def index():
    query = services.QueueRequest.from_args(request.args, current_user,
                                            per_page=current_app.config["PAGE_SIZE"])
    return _queue_page(query, push_url=request.full_path.rstrip("?"))


def _queue_page(query, *, status: int = 200, push_url: str | None = None, **extra):
    restricted = query.queue == "unreviewed" and services.restricted_to_assignments(current_user, query)
    return render_page(
        "queues/index.html", "queues/_queue.html", status=status, push_url=push_url,
        batch=extra.get("batch"), batch_errors=extra.get("batch_errors") or {},
        typed_comment=extra.get("typed_comment", ""),
        query=query, page=services.queue_page(current_user, query),
        counts=services.queue_counts(current_user, query),
        status_counts=services.status_counts(current_user) if query.queue == "mine" else {},
        options=services.scope_values() if query.queue in ("unreviewed", "decide") else {},
        has_assignments=services.has_assignments(current_user),
        my_assignments=services.assignments_of(current_user) if query.queue == "unreviewed" else [],
        restricted=restricted, element_url=element_url, mark_url=mark_url, review=_review_labels(),
        batch_messages=batch_messages,
    )


@bp.route("/queues/decide", methods=["POST"])
@roles_required("lead", "admin")
def decide_many():
    """Accept or reject the ticked proposals of the "decide" queue with one comment. Each mark
    is decided in its own transaction (``services.decide_many``); rows that could not be decided
    are listed with the reason. HTMX: the queue again with the outcome; otherwise PRG."""
    query = services.QueueRequest.from_args({**request.form.to_dict(), "queue": "decide"}, current_user,
                                            per_page=current_app.config["PAGE_SIZE"])
    ticked = request.form.getlist("mark")
    if request.form.get("page_all") == "1":
        ticked = request.form.getlist("shown")  # "select all on this page" without JS
    comment = request.form.get("comment", "")[:20_000]
    try:
        outcome = services.decide_many(services.parse_choices(ticked), request.form.get("decision", ""),
                                       comment, current_user)
    except MarkInvalid as exc:
        db.session.rollback()
        if wants_fragment():
            return _queue_page(query, status=422, batch_errors=exc.errors, typed_comment=comment)
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for("queues.index", **query.args()), 303)
    if wants_fragment():
        return _queue_page(query, batch=outcome, push_url=url_for("queues.index", **query.args()))
    for message, category in batch_messages(outcome):
        flash(message, category)
    return redirect(url_for("queues.index", **query.args()), 303)


def batch_messages(outcome) -> list[tuple[str, str]]:
    """The outcome of a batch decision as flash messages: the count, then each refused row."""
    messages = []
    if outcome.decided:
        count = len(outcome.decided)
        text = (ngettext("%(num)s proposal accepted.", "%(num)s proposals accepted.", count)
                if outcome.decision == "accepted"
                else ngettext("%(num)s proposal rejected.", "%(num)s proposals rejected.", count))
        messages.append((text, "success"))
    for mark_id, reason in outcome.refused.items():
        messages.append((_("Mark %(id)s was not decided: %(reason)s", id=mark_id, reason=reason), "error"))
    return messages


@bp.route("/queues/assignments")
@roles_required(*ASSIGNERS)
def assignments():
    return render_page(
        "queues/assignments.html", "queues/_coverage.html",
        coverage={scope: services.coverage(scope) for scope in SCOPES},
        reviewers=services.assignable_reviewers(), row_id=row_id, errors={}, changed=None,
    )


def _after_change(scope: str, value: str, errors: dict | None = None, status: int = 200):
    """HTMX: the changed row; otherwise back to the page at that row (PRG)."""
    if wants_fragment():
        rows = services.coverage(scope, value)
        return render_page("queues/assignments.html", "queues/_coverage_row.html", status=status,
                           row=rows[0], reviewers=services.assignable_reviewers(), row_id=row_id,
                           errors=errors or {}, changed=None if errors else value)
    if errors:
        for message in errors.values():
            flash(message, "error")
    anchor = row_id(scope, value) if scope in SCOPES else None
    return redirect(url_for("queues.assignments", _anchor=anchor))


@bp.route("/queues/assignments", methods=["POST"])
@roles_required(*ASSIGNERS)
def assign():
    scope, value = request.form.get("scope", ""), request.form.get("value", "")
    user_id = request.form.get("user_id", type=int)
    try:
        assignment = services.assign(user_id, scope, value, current_user)
    except services.AssignmentForbidden:
        db.session.rollback()
        abort(403)
    except services.AssignmentInvalid as exc:
        db.session.rollback()
        if scope not in SCOPES:
            abort(400)
        return _after_change(scope, value, exc.errors, status=422)
    db.session.commit()
    if not wants_fragment():
        flash(_("%(user)s is assigned to %(value)s.", user=assignment.user.label, value=assignment.value),
              "success")
    return _after_change(assignment.scope, assignment.value)


@bp.route("/queues/assignments/<int:assignment_id>/delete", methods=["POST"])
@roles_required(*ASSIGNERS)
def unassign(assignment_id: int):
    try:
        old = services.unassign(assignment_id, current_user)
    except services.AssignmentForbidden:
        db.session.rollback()
        abort(403)
    except services.AssignmentNotFound:
        db.session.rollback()
        abort(404)
    db.session.commit()
    if not wants_fragment():
        flash(_("%(user)s is no longer assigned to %(value)s.", user=old["user"], value=old["value"]), "success")
    return _after_change(old["scope"], old["value"])
