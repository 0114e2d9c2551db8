"""Pages of the review: marking a procedure and its elements inline, a mark's page with its
comment thread and workflow, and the conflict page of concurrent edits.

Every action is a plain form post that redirects (PRG) and, for HTMX requests, answers with
the fragment the page includes: an element's review block on the procedure page, the body of
a mark's page, or its comment thread. State changes go through ``services``; the views read
the form, commit or roll back, and turn the services' errors into responses:
``MarkInvalid`` 422 (the form again, with each message beside its input), ``MarkForbidden``
403, ``MarkNotFound`` 404, ``MarkStateError`` and ``MarkConflict`` 409 (what changed, and for
an edit a merge form that saves against the new revision).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from app.auth.access import roles_required
from app.catalog import services as catalog
from app.catalog.labels import CHANNEL, LEVEL, TIME_UNIT, duration_label
from app.catalog.models import LEVELS, TIME_UNITS
from app.catalog.records import flatten
from app.extensions import db
from app.review import numbers, permissions, presenters, services
from app.review.forms import mark_values
from app.review.labels import ACTION, DATABASE, FLAG, REASON, STATUS, TARGET_KIND, label
from app.review.models import ACTIONS, DATABASES, REASONS
from app.review.rules import ACTION_TARGETS, COPY_FORMS, EFFECT_FIELDS
from app.web.filters import number, vnd
from app.web.htmx import render_page, trigger_header, wants_fragment

bp = Blueprint("review", __name__)
presenters.register(bp)

markers = roles_required("reviewer", "admin")
# Who reads marks (a translator alone does not: permissions.can_read_marks).
mark_readers = roles_required(*permissions.REVIEWING_ROLES)
deciders = roles_required("lead", "admin")
discussants = roles_required("reviewer", "lead", "admin")

# -- labels --------------------------------------------------------------------------------------

COPY_FORM = {"copy": _l("A copy"), "e_copy": _l("An electronic copy")}
FIELD = {
    "action": _l("Action"),
    # TRANSLATORS: the values an action takes (a database, a new fee, other steps...).
    "params": _l("Action values"),
    "reason": _l("Reason"),
    "rationale": _l("Rationale"),
    "legal_number": _l("Legal basis number"),
    "legal_text": _l("Legal text to amend (free text)"),
    "hours_saved_per_case": _l("Hours saved per case"),
    "fees_saved_vnd": _l("Fees saved per case (VND)"),
    "other_saved_vnd": _l("Other costs saved per case (VND)"),
    "status": _l("Status"),
    "flag": _l("Flag"),
    "decision_comment": _l("Decision comment"),
    "version": _l("Version"),
    "target": lazy_pgettext("what a mark is about", "Target"),
    "text": _l("Comment"),
    "comment": _l("Comment"),
    "decision": _l("Decision"),
    "element_key": _l("Element"),
}
HISTORY_ACTION = {
    "mark.created": _l("Created"),
    "mark.updated": _l("Edited"),
    "mark.proposed": _l("Proposed"),
    "mark.withdrawn": _l("Proposal withdrawn"),
    "mark.accepted": _l("Accepted"),
    "mark.rejected": _l("Rejected"),
    "mark.implemented": _l("Implementation recorded"),
    "mark.rechecked": _l("Re-checked against the new text"),
    # TRANSLATORS: a new version of the procedure was published and the mark was carried over or flagged.
    "mark.reconciled": _l("Carried over to a new version"),
    "mark.commented": _l("Commented"),
    "mark.deleted": _l("Deleted"),
}
# The inputs of the actions (``params.<name>``), for labels and for messages about them.
PARAM_FIELD = {
    "code": _l("Code of the procedure to merge with"),
    "key": _l("Element to merge with"),
    "level": _l("New level"),
    "by": _l("Replaced by"),
    "database": _l("Database"),
    "name": _l("Name of the other database"),
    "form": _l("Accepted instead of the original"),
    "copies": _l("Number of copies"),
    "value": _l("New processing time"),
    "unit": _l("Time unit"),
    "amount_vnd": _l("New fee (VND)"),
    "steps": _l("Other steps"),
}
# The parts of a created mark its history shows (the rest is in the values on the page).
CREATED_FIELDS = ("target", "action", "params", "reason", "rationale", "legal_number", "legal_text",
                  *EFFECT_FIELDS)
# Inputs of the actions, grouped so that a form has each parameter name once: merging steps
# and running them in parallel both name "the other steps".
PARAM_GROUPS = {
    "code": ("merge_with",),
    "key": ("merge_with",),
    "level": ("change_level",),
    "by": ("replace",),
    "database": ("reuse_from_database",),
    "form": ("accept_copy",),
    "copies": ("fewer_copies",),
    "time": ("shorten_time",),
    "amount": ("reduce_fee",),
    "steps": ("merge_steps", "parallel_steps"),
}
# Actions whose effect on the cost is fixed: the form hides the estimate for them.
NO_ESTIMATE_ACTIONS = ("keep", "abolish")


# -- presentation helpers ----------------------------------------------------------------------

@bp.app_template_filter("plain_number")
def plain_number(value: Any) -> str:
    """A number as a form shows it back: a decimal point, no exponent, no trailing zeros."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    text = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def block_id(target: str) -> str:
    """The DOM id of a target's review block: ``review-block-field-d1.f3``."""
    return "review-block-" + target.replace(":", "-")


def element_text(record: dict[str, Any], target: str | None) -> tuple[str, bool]:
    """What a target says in a version, and whether that is procedure text (in the record's
    language) rather than interface text (a channel's kind)."""
    if target in (None, "procedure"):
        return record.get("title") or "", True
    data = flatten(record).get(target)
    if data is None:
        return "", True
    kind = target.partition(":")[0]
    if kind == "channel":
        return str(CHANNEL.get(data.get("channel"), data.get("channel") or "")), False
    if kind == "document":
        return data.get("name") or "", True
    if kind == "field":
        return data.get("label") or "", True
    if kind == "fee" and data.get("name"):
        return f"{data['name']}: {data.get('text') or ''}", True
    return data.get("text") or "", True


def target_name(target: str) -> str:
    """A target named for the interface: "Form field d1.f3", "Procedure"."""
    if target == "procedure":
        return label(TARGET_KIND, "procedure")
    kind, _sep, eid = target.partition(":")
    return _("%(kind)s %(id)s", kind=label(TARGET_KIND, kind), id=eid)


def params_rows(action: str | None, params: dict[str, Any] | None) -> list[tuple[Any, str]]:
    """The values of an action, each as (label, readable value)."""
    params = params or {}
    rows: list[tuple[str, str]] = []
    if "code" in params:
        rows.append((PARAM_FIELD["code"], str(params["code"])))
    if "key" in params:
        rows.append((PARAM_FIELD["key"], str(params["key"])))
    if "level" in params:
        rows.append((PARAM_FIELD["level"], label(LEVEL, params["level"])))
    if "by" in params:
        rows.append((PARAM_FIELD["by"], str(params["by"])))
    if "database" in params:
        shown = label(DATABASE, params["database"])
        if params.get("name"):
            shown = f"{shown}: {params['name']}"
        rows.append((PARAM_FIELD["database"], shown))
    if "form" in params:
        rows.append((PARAM_FIELD["form"], label(COPY_FORM, params["form"])))
    if "copies" in params:
        rows.append((PARAM_FIELD["copies"], _plain_or_text(params["copies"])))
    if "value" in params or "unit" in params:
        try:
            shown = duration_label(float(params.get("value")), params.get("unit"))
        except (TypeError, ValueError):
            shown = f"{params.get('value', '')} {label(TIME_UNIT, params.get('unit'))}".strip()
        rows.append((PARAM_FIELD["value"], shown))
    if "amount_vnd" in params:
        rows.append((PARAM_FIELD["amount_vnd"], _money(params["amount_vnd"])))
    if "steps" in params:
        steps = params["steps"] if isinstance(params["steps"], list | tuple) else [params["steps"]]
        rows.append((PARAM_FIELD["steps"], ", ".join(str(step) for step in steps)))
    return rows


def _plain_or_text(value: Any) -> str:
    return plain_number(value) if isinstance(value, int | float) else str(value)


def _money(value: Any) -> str:
    try:
        return vnd(float(value))
    except (TypeError, ValueError):
        return str(value)


def show_value(name: str, value: Any) -> str:
    """A stored value as a person reads it (labels for codes, formatted numbers, — for none)."""
    if value is None or value == "" or value == {}:
        return "—"
    if name == "action" and isinstance(value, dict):  # an action with its values (conflicts)
        shown = label(ACTION, value.get("action")) or "—"
        rows = params_rows(value.get("action"), value.get("params"))
        return "; ".join([shown, *(f"{key}: {item}" for key, item in rows)])
    mapping = {"action": ACTION, "reason": REASON, "status": STATUS, "flag": FLAG}.get(name)
    if mapping is not None:
        return label(mapping, value)
    if name == "params":
        return "; ".join(f"{key}: {item}" for key, item in params_rows(None, value)) or "—"
    if name == "hours_saved_per_case":
        try:
            return number(float(value), 2)
        except (TypeError, ValueError):
            return str(value)
    if name in ("fees_saved_vnd", "other_saved_vnd"):
        return _money(value)
    if name == "version":
        return _("version %(number)s", number=value)
    if name == "target":
        return target_name(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass
class HistoryRow:
    entry: Any
    title: str
    changes: list[tuple[str, str, str]]  # (field, before, after)


def history_rows(entries) -> list[HistoryRow]:
    """The audit trail of a mark, readable: what each step changed, old -> new."""
    rows = []
    for entry in entries:
        if entry.action == "mark.commented":
            continue  # the thread shows comments
        old, new = entry.old or {}, entry.new or {}
        if entry.action == "mark.created":
            names = [name for name in CREATED_FIELDS if new.get(name) not in (None, "", {})]
            changes = [(str(FIELD.get(name, name)), "", show_value(name, new.get(name))) for name in names]
        elif entry.action == "mark.deleted":
            changes = [(str(FIELD["status"]), show_value("status", old.get("status")), "—")]
        else:
            names = list(dict.fromkeys([*old, *new]))
            changes = [(str(FIELD.get(name, name)), show_value(name, old.get(name)), show_value(name, new.get(name)))
                       for name in names]
        rows.append(HistoryRow(entry, str(HISTORY_ACTION.get(entry.action, entry.action)), changes))
    return rows


# -- the procedure page ------------------------------------------------------------------------

@dataclass
class ReviewPanel:
    """What the procedure page needs of the review: the marks by target, and whether the
    user may mark here (the current version of a published procedure, a reviewer or admin)."""

    procedure: Any
    version: Any
    marks: services.PageMarks
    active: bool
    can_mark: bool

    def shows(self, target: str) -> bool:
        """Whether a target has a review block: marks to show, or a Mark button."""
        return self.can_mark or bool(self.marks.of(target))

    def counts(self) -> list[tuple[str, int]]:
        found: dict[str, int] = {}
        for mark in self.marks.all:
            found[mark.status] = found.get(mark.status, 0) + 1
        return [(status, found[status]) for status in STATUS if status in found]


def review_panel(procedure, version) -> ReviewPanel:
    active = (procedure.status == "published" and version is not None
              and version.id == procedure.current_version_id)
    marks = (services.page_marks(procedure, version) if permissions.can_read_marks(current_user)
             else services.PageMarks({}, []))
    return ReviewPanel(procedure, version, marks, active, active and permissions.can_create(current_user))


@bp.app_context_processor
def _review_context() -> dict[str, Any]:
    return {"review_panel": review_panel, "review_block_id": block_id,
            "review_labels": {"action": ACTION, "reason": REASON, "status": STATUS, "flag": FLAG,
                              "database": DATABASE, "target_kind": TARGET_KIND, "copy_form": COPY_FORM,
                              "field": FIELD, "param": PARAM_FIELD, "level": LEVEL,
                              "time_unit": TIME_UNIT}}


def _procedure_or_404(code: str):
    procedure = catalog.get_procedure(code)
    if procedure is None or (procedure.status == "draft" and not current_user.has_role("admin")):
        abort(404)
    return procedure


def _target_arg(procedure) -> str:
    """The ``element`` argument: an element key of the current version, or the procedure."""
    key = (request.values.get("element") or "").strip()
    if not key or key == "procedure":
        return "procedure"
    if key.startswith("legal:") or key not in flatten(procedure.current_version.record):
        abort(404)
    return key


def _element_url(procedure, target: str, version=None) -> str:
    number_arg = None
    if version is not None and version.id != procedure.current_version_id:
        number_arg = version.number
    anchor = "review-panel" if target == "procedure" else "el-" + target.partition(":")[2]
    return url_for("catalog.show", code=procedure.code, version=number_arg, _anchor=anchor)


def mark_form(version, target: str, *, mode: str, action_url: str, values: dict[str, Any] | None = None,
              errors: dict[str, str] | None = None, revision: int | None = None, seen: str | None = None,
              cancel_url: str | None = None, cancel_hx: str | None = None) -> dict[str, Any]:
    """Everything the mark form template needs: the actions and inputs that fit the target,
    the choices taken from the version, and the values and errors to show.

    ``mode``: "inline" (procedure page, HTMX), "page" (the no-JS page), "edit" (a mark's
    page) or "merge" (the conflict page)."""
    record = version.record
    kind = "procedure" if target == "procedure" else target.partition(":")[0]
    actions = [action for action in ACTIONS if kind in ACTION_TARGETS[action]]
    groups = {name for name, group in PARAM_GROUPS.items() if set(group) & set(actions)}
    groups.discard("key" if kind == "procedure" else "code")
    elements = flatten(record)
    merge_targets = [(key, *element_text(record, key)) for key in elements
                     if key.startswith(kind + ":") and key != target]
    other_steps = [(key, *element_text(record, key)) for key in elements
                   if key.startswith("step:") and key != target]
    values = dict(values or {})
    params = values.get("params") if isinstance(values.get("params"), dict) else {}
    steps = params.get("steps") if isinstance(params.get("steps"), list) else []
    fid = "mark-form-" + target.replace(":", "-")
    if mode in ("edit", "merge"):
        fid = f"mark-edit-{target.replace(':', '-')}"
    return {
        "id": fid, "mode": mode, "target": target, "kind": kind, "action_url": action_url,
        "actions": actions, "groups": groups, "merge_targets": merge_targets, "other_steps": other_steps,
        "legal_numbers": [item.get("number") for item in record.get("legal_basis") or []],
        "lang": version.lang, "values": values, "params": params, "steps": steps, "errors": errors or {},
        "revision": revision, "seen": seen, "cancel_url": cancel_url, "cancel_hx": cancel_hx,
        "reasons": REASONS, "databases": DATABASES, "levels": LEVELS, "time_units": TIME_UNITS,
        "copy_forms": COPY_FORMS, "param_groups": PARAM_GROUPS, "no_estimate": NO_ESTIMATE_ACTIONS,
    }


def _block_response(procedure, target: str, *, form: dict | None = None, status: int = 200,
                    announce: str | None = None):
    version = procedure.current_version
    review = review_panel(procedure, version)
    html = render_template("review/_review_block.html", procedure=procedure, version=version, review=review,
                           key=target, form=form)
    if announce:
        # A save changed the procedure's counts: the panel follows out of band.
        html += render_template("review/_panel_counts.html", review=review, oob=True)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    if announce:
        response.headers["HX-Trigger-After-Settle"] = trigger_header({"review:announce": announce})
    return response


def _new_form(procedure, target: str, *, values=None, errors=None, inline: bool) -> dict[str, Any]:
    new_url = url_for("review.new_mark", code=procedure.code, element=None if target == "procedure" else target)
    block_url = url_for("review.block", code=procedure.code, element=None if target == "procedure" else target)
    return mark_form(procedure.current_version, target, mode="inline" if inline else "page", action_url=new_url,
                     values=values, errors=errors, cancel_url=_element_url(procedure, target),
                     cancel_hx=block_url if inline else None)


@bp.route("/procedures/<code>/marks/new", methods=["GET", "POST"])
@markers
def new_mark(code: str):
    """The form for a new mark on the procedure or one element (``?element=document:d2``):
    inline in the element's review block for HTMX, as a page of its own without JS."""
    procedure = _procedure_or_404(code)
    if not permissions.can_create(current_user):
        return _message(403, _("Only reviewers and admins create marks."))
    if procedure.status != "published" or procedure.current_version is None:
        return _message(409, _("Only published procedures are reviewed; %(code)s is not published.", code=code))
    target = _target_arg(procedure)
    inline = wants_fragment()
    if request.method == "GET":
        form = _new_form(procedure, target, inline=inline)
        if inline:
            return _block_response(procedure, target, form=form)
        return _new_page(procedure, target, form)

    values = mark_values(request.form)
    propose = request.form.get("intent") == "propose"
    try:
        mark = services.create_mark(procedure.id, None if target == "procedure" else target, values, current_user)
        if propose:
            services.propose_mark(mark.id, mark.revision, current_user)
    except services.MarkInvalid as exc:
        db.session.rollback()
        form = _new_form(procedure, target, values=values, errors=exc.errors, inline=inline)
        if inline:
            return _block_response(procedure, target, form=form, status=422)
        return _new_page(procedure, target, form, status=422)
    except services.MarkStateError as exc:
        db.session.rollback()
        form = _new_form(procedure, target, values=values, errors={"": str(exc)}, inline=inline)
        if inline:
            return _block_response(procedure, target, form=form, status=409)
        return _new_page(procedure, target, form, status=409)
    except services.MarkError as exc:
        return _refused(exc)
    db.session.commit()
    message = _("Mark saved and proposed.") if propose else _("Mark saved.")
    if inline:
        return _block_response(procedure, target, announce=message)
    flash(message, "success")
    return redirect(_element_url(procedure, target), 303)


def _new_page(procedure, target: str, form: dict, status: int = 200):
    version = procedure.current_version
    text, is_content = element_text(version.record, target)
    return render_template("review/new_mark.html", procedure=procedure, version=version, target=target,
                           target_label=target_name(target), target_text=text, target_is_content=is_content,
                           form=form, back_url=_element_url(procedure, target)), status


@bp.route("/marks/read-number")
@markers
def read_number():
    """Inline check of one number input of the mark form (``?field=<name>&<name>=<text>``):
    the number as it will be saved, or why it cannot be read. Only the text, for HTMX."""
    name = request.args.get("field", "")
    if name not in numbers.NUMBER_FIELDS:
        abort(400)
    value = numbers.read_field(name, (request.args.get(name) or "")[:100].strip())
    if isinstance(value, numbers.Unreadable):
        html = render_template("review/_number_echo.html", error=value.message)
    else:
        html = render_template("review/_number_echo.html", text=presenters.number_echo_text(name, value)
                               if value is not None else "")
    response = make_response(html)
    response.vary.add("HX-Request")
    return response


@bp.route("/procedures/<code>/marks/block")
@mark_readers
def block(code: str):
    """An element's review block as the procedure page shows it (the inline form's Cancel)."""
    procedure = _procedure_or_404(code)
    if procedure.current_version is None:
        abort(404)
    target = _target_arg(procedure)
    if not wants_fragment():
        return redirect(_element_url(procedure, target))
    return _block_response(procedure, target)


# -- a mark's page -----------------------------------------------------------------------------

def _seen_json(mark) -> str:
    """The editable values of a mark as its form shows them, sent back with the form so that
    a conflict can tell what the user changed from what someone else changed."""
    return json.dumps({name: getattr(mark, name) for name in services.EDITABLE_FIELDS},
                      ensure_ascii=False, sort_keys=True)


def _posted_seen() -> dict[str, Any] | None:
    raw = request.form.get("seen") or ""
    if not raw or len(raw) > 100_000:
        return None
    try:
        seen = json.loads(raw)
    except ValueError:
        return None
    return seen if isinstance(seen, dict) else None


def _edit_form(mark, *, values=None, errors=None, mode: str = "edit", seen: str | None = None) -> dict[str, Any]:
    if values is None:
        values = {name: getattr(mark, name) for name in services.EDITABLE_FIELDS}
    return mark_form(mark.version, mark.target, mode=mode, values=values, errors=errors,
                     action_url=url_for("review.update", mark_id=mark.id), revision=mark.revision,
                     seen=seen or _seen_json(mark), cancel_url=url_for("review.mark", mark_id=mark.id))


def _mark_context(mark, **extra) -> dict[str, Any]:
    procedure, version = mark.procedure, mark.version
    text, is_content = element_text(version.record, mark.target)
    actor = current_user
    may = {
        "edit": permissions.can_edit(actor, mark), "propose": permissions.can_propose(actor, mark),
        "withdraw": permissions.can_withdraw(actor, mark), "delete": permissions.can_delete(actor, mark),
        "decide": permissions.can_decide(actor, mark), "decides_own": permissions.decides_own(actor, mark),
        "implement": permissions.can_implement(actor, mark), "recheck": permissions.can_recheck(actor, mark),
        "comment": permissions.can_comment(actor, mark),
    }
    context = {
        "mark": mark, "procedure": procedure, "version": version, "target_label": target_name(mark.target),
        "target_text": text, "target_is_content": is_content,
        "target_url": _element_url(procedure, mark.target, version),
        "on_current": version.id == procedure.current_version_id,
        "params": params_rows(mark.action, mark.params), "may": may,
        "history": history_rows(services.mark_history(mark.id)),
        "form": _edit_form(mark) if may["edit"] else None,
        "notice": None, "step_errors": {}, "typed": {},
    }
    context.update(extra)
    # A proposal refused as incomplete: its messages also go beside the inputs of the edit form.
    content_errors = {name: message for name, message in context["step_errors"].items()
                      if name not in ("comment", "text", "decision")}
    if content_errors and may["edit"] and "form" not in extra:
        context["form"] = _edit_form(mark, errors=content_errors)
        context["form"]["summary"] = False  # the workflow section says what is missing
    context["content_errors"] = content_errors
    return context


def _mark_page(mark_id: int, status: int = 200, announce: str | None = None, **extra):
    try:
        mark = services.get_mark(mark_id)
    except services.MarkNotFound as exc:
        return _refused(exc)
    response = render_page("review/mark.html", "review/_mark_body.html", status=status,
                           **_mark_context(mark, **extra))
    if announce and wants_fragment():
        response.headers["HX-Trigger-After-Settle"] = trigger_header({"review:announce": announce})
    return response


@bp.route("/marks/<int:mark_id>")
@mark_readers
def mark(mark_id: int):
    """A mark: its target, values, status, who and when, workflow buttons, thread, history."""
    return _mark_page(mark_id)


def _revision() -> int:
    revision = request.form.get("revision", type=int)
    if revision is None:
        abort(400)
    return revision


def _done(mark_id: int, message: str):
    """After a successful step: the page again (HTMX) or a redirect to it (PRG)."""
    db.session.commit()
    if wants_fragment():
        return _mark_page(mark_id, announce=message, notice=message)
    flash(message, "success")
    return redirect(url_for("review.mark", mark_id=mark_id), 303)


@bp.route("/marks/<int:mark_id>", methods=["POST"])
@markers
def update(mark_id: int):
    """Save the edit form of a draft (also the merge form of a conflict). ``merge.<part>``
    set to "theirs" keeps the stored value of that part: it is left out of the change."""
    revision = _revision()
    values = mark_values(request.form)
    for part in services.MERGE_UNITS:
        if request.form.get(f"merge.{part}") == "theirs":
            for name in (("action", "params") if part == "action" else (part,)):
                values.pop(name, None)
    seen = _posted_seen()
    propose = request.form.get("intent") == "propose"
    try:
        edited = services.update_mark(mark_id, revision, values, current_user)
        if propose:
            services.propose_mark(edited.id, edited.revision, current_user)
    except services.MarkConflict as conflict:
        db.session.rollback()
        return _conflict(mark_id, conflict, attempted=values, seen=seen)
    except services.MarkInvalid as exc:
        db.session.rollback()
        return _invalid_edit(mark_id, revision, values, exc.errors, seen)
    except services.MarkStateError as exc:
        db.session.rollback()
        return _conflict(mark_id, None, state_message=str(exc), attempted=values, seen=seen)
    except services.MarkError as exc:
        return _refused(exc)
    return _done(mark_id, _("Mark saved and proposed.") if propose else _("Mark saved."))


def _invalid_edit(mark_id: int, revision: int, values, errors, seen):
    """The edit form again with the typed values and the messages (422)."""
    try:
        mark = services.get_mark(mark_id)
    except services.MarkNotFound as exc:
        return _refused(exc)
    seen_json = json.dumps(seen, ensure_ascii=False, sort_keys=True) if seen is not None else None
    form = _edit_form(mark, values={**{n: getattr(mark, n) for n in services.EDITABLE_FIELDS}, **values},
                      errors=errors, seen=seen_json)
    # Keep the revision the user started from: saving again still detects a concurrent change.
    form["revision"] = revision
    return render_page("review/mark.html", "review/_mark_body.html", status=422,
                       **_mark_context(mark, form=form))


def _step(mark_id: int, step_name: str, do, message: str):
    """A workflow step: the service call with the revision the user saw, then the page."""
    revision = _revision()
    try:
        do(revision)
    except services.MarkConflict as conflict:
        db.session.rollback()
        return _conflict(mark_id, conflict, step_name=step_name)
    except services.MarkStateError as exc:
        db.session.rollback()
        return _conflict(mark_id, None, step_name=step_name, state_message=str(exc))
    except services.MarkInvalid as exc:
        db.session.rollback()
        return _mark_page(mark_id, status=422, step_errors=exc.errors, typed=request.form.to_dict())
    except services.MarkError as exc:
        return _refused(exc)
    return _done(mark_id, message)


@bp.route("/marks/<int:mark_id>/propose", methods=["POST"])
@markers
def propose(mark_id: int):
    return _step(mark_id, _("Propose"), lambda rev: services.propose_mark(mark_id, rev, current_user),
                 _("The mark is proposed."))


@bp.route("/marks/<int:mark_id>/withdraw", methods=["POST"])
@markers
def withdraw(mark_id: int):
    return _step(mark_id, _("Withdraw the proposal"),
                 lambda rev: services.withdraw_mark(mark_id, rev, current_user),
                 _("The proposal was withdrawn; the mark is a draft again."))


@bp.route("/marks/<int:mark_id>/decide", methods=["POST"])
@deciders
def decide(mark_id: int):
    decision = request.form.get("decision", "")
    comment = request.form.get("comment", "")[:20_000]
    step_name = _("Accept") if decision == "accepted" else _("Reject")
    message = _("The proposal was accepted.") if decision == "accepted" else _("The proposal was rejected.")
    return _step(mark_id, step_name,
                 lambda rev: services.decide_mark(mark_id, rev, decision, comment, current_user), message)


@bp.route("/marks/<int:mark_id>/implement", methods=["POST"])
@deciders
def implement(mark_id: int):
    comment = request.form.get("comment", "")[:20_000]
    return _step(mark_id, _("Record the implementation"),
                 lambda rev: services.implement_mark(mark_id, rev, current_user, comment),
                 _("The implementation was recorded."))


@bp.route("/marks/<int:mark_id>/recheck", methods=["POST"])
@discussants
def recheck(mark_id: int):
    return _step(mark_id, _("Confirm for the new text"),
                 lambda rev: services.recheck_mark(mark_id, rev, current_user),
                 _("The mark was re-checked against the current version."))


@bp.route("/marks/<int:mark_id>/delete", methods=["POST"])
@markers
def delete(mark_id: int):
    """Delete a draft; back to the procedure page, where the mark was."""
    revision = _revision()
    try:
        mark = services.get_mark(mark_id)
        procedure, target = mark.procedure, mark.target
        services.delete_draft(mark_id, revision, current_user)
    except services.MarkConflict as conflict:
        db.session.rollback()
        return _conflict(mark_id, conflict, step_name=_("Delete the draft"))
    except services.MarkStateError as exc:
        db.session.rollback()
        return _conflict(mark_id, None, step_name=_("Delete the draft"), state_message=str(exc))
    except services.MarkError as exc:
        return _refused(exc)
    db.session.commit()
    flash(_("The draft was deleted."), "success")
    target_url = _element_url(procedure, target)
    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target_url
        return response
    return redirect(target_url, 303)


@bp.route("/marks/<int:mark_id>/comments", methods=["POST"])
@discussants
def comment(mark_id: int):
    """Add to the thread; HTMX swaps the thread, without JS the page reloads at it."""
    text = request.form.get("text", "")[:20_000]
    errors: dict[str, str] = {}
    try:
        services.add_comment(mark_id, text, current_user)
    except services.MarkInvalid as exc:
        db.session.rollback()
        errors = exc.errors
    except services.MarkError as exc:
        return _refused(exc)
    else:
        db.session.commit()
    if not wants_fragment():
        if errors:
            return _mark_page(mark_id, status=422, step_errors=errors, typed={"text": text})
        flash(_("Comment added."), "success")
        return redirect(url_for("review.mark", mark_id=mark_id, _anchor="mark-comments"), 303)
    try:
        mark = services.get_mark(mark_id)
    except services.MarkNotFound as exc:
        return _refused(exc)
    response = make_response(render_template(
        "review/_comments.html", mark=mark, may={"comment": permissions.can_comment(current_user, mark)},
        step_errors=errors, typed={"text": text} if errors else {}), 422 if errors else 200)
    response.vary.add("HX-Request")
    if not errors:
        response.headers["HX-Trigger-After-Settle"] = trigger_header({"review:announce": _("Comment added.")})
    return response


# -- errors and conflicts ----------------------------------------------------------------------

def _message(status: int, message: str):
    """An error page (or fragment for HTMX) with the service's own message."""
    titles = {403: _("Not allowed"), 404: _("Not found"), 409: _("This cannot be done now"),
              400: _("Bad request")}
    template = "errors/fragment.html" if request.headers.get("HX-Request") else "errors/page.html"
    response = make_response(render_template(template, status=status, title=titles.get(status, _("Error")),
                                             message=message), status)
    response.vary.add("HX-Request")
    return response


def _refused(exc: services.MarkError):
    db.session.rollback()
    if isinstance(exc, services.MarkNotFound):
        return _message(404, str(exc))
    if isinstance(exc, services.MarkForbidden):
        return _message(403, str(exc))
    if isinstance(exc, services.MarkInvalid):
        return _message(400, str(exc))
    return _message(409, str(exc))


def _conflict(mark_id: int, conflict: services.MarkConflict | None, *, attempted: dict | None = None,
              seen: dict | None = None, step_name: str | None = None, state_message: str | None = None):
    """409: the mark changed (or is in another state) since the user loaded it. Both versions
    side by side; for an edit the user may still change, a merge form against the new
    revision; otherwise what changed and a way to reload."""
    try:
        mark = services.get_mark(mark_id)
    except services.MarkNotFound:
        mark = None
    last = services.last_change(mark_id)
    rows, form = [], None
    if mark is not None and attempted is not None:
        rows = services.merge_fields(mark, attempted, seen)
        if permissions.can_edit(current_user, mark):
            chosen = {row.name: row.default for row in rows if row.differs}
            merged = {name: getattr(mark, name) for name in services.EDITABLE_FIELDS}
            # The inputs start from the user's values; "keep theirs" leaves a part out.
            merged.update(services.comparable_values(mark, attempted))
            form = _edit_form(mark, values=merged, mode="merge", seen=_seen_json(mark))
            form["choices"] = chosen
    context = {"mark": mark, "mark_id": mark_id, "last": last,
               "last_action": str(HISTORY_ACTION.get(last.action, last.action)) if last else None,
               "rows": rows, "form": form, "step_name": step_name, "state_message": state_message,
               "expected": conflict.expected_revision if conflict else None,
               "show_value": show_value, "field_labels": FIELD}
    if mark is not None:
        context.update(procedure=mark.procedure, target_label=target_name(mark.target),
                       target_url=_element_url(mark.procedure, mark.target, mark.version))
    return render_page("review/conflict.html", "review/_conflict.html", status=409, **context)
