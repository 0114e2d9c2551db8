"""Admin pages: users, imports with progress, batch publication, the audit log."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import services as admin_jobs
from app.admin.forms import ImportForm, UserCreateForm, UserEditForm
from app.audit import presenters as audit_presenters
from app.audit import services as audit
from app.audit.labels import action_label, object_label
from app.auth import services as accounts
from app.auth.access import roles_required
from app.auth.models import User
from app.catalog import publication
from app.catalog import services as catalog
from app.catalog.models import ImportBatch
from app.core import jobs
from app.extensions import db
from app.web.htmx import render_page

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required("admin")


@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users():
    form = UserCreateForm()
    new_password = None
    status = 200
    if form.validate_on_submit():
        password = form.password.data or accounts.generate_password()
        try:
            user = accounts.create_user(form.username.data, password, form.roles.data or [], actor=current_user,
                                        display_name=form.display_name.data or "", must_change_password=True)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.username.errors.append(str(exc))
            status = 400
        else:
            db.session.commit()
            flash(_("User %(name)s was created.", name=user.username), "success")
            if not form.password.data:
                new_password = (user.username, password)
            form = UserCreateForm(formdata=None)
    elif request.method == "POST":
        status = 400
    return render_template("admin/users.html", form=form, users=accounts.list_users(),
                           new_password=new_password), status


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=None if request.method == "POST" else user,
                        data=None if request.method == "POST" else {
                            "roles": sorted(user.roles),
                            "languages": [code for code in (user.translator_locales or "").split(",")
                                                   if code]})
    status = 200
    if form.validate_on_submit():
        try:
            accounts.update_user(user, actor=current_user, roles=form.roles.data or [], active=form.active.data,
                                 display_name=form.display_name.data or "",
                                 translator_locales=form.languages.data or [])
        except accounts.AccountError as exc:
            db.session.rollback()
            form.roles.errors.append(str(exc))
            status = 400
        else:
            db.session.commit()
            flash(_("User %(name)s was saved.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST":
        status = 400
    return render_template("admin/user_edit.html", form=form, user=user), status


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_only
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    password = accounts.reset_password(user, actor=current_user)
    db.session.commit()
    return render_template("admin/password_reset.html", user=user, password=password)


@bp.route("/imports", methods=["GET", "POST"])
@admin_only
def imports():
    form = ImportForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        name = admin_jobs.save_upload(upload)
        job = admin_jobs.start_import_job(name, filename=upload.filename or "upload.jsonl",
                                          publish=form.publish.data, user=current_user, locale=get_locale())
        return redirect(url_for("admin.import_job", job_id=job.id))
    if request.method == "POST":
        status = 400
    return render_page("admin/imports.html", "admin/_batches.html", status=status, form=form,
                       batches=catalog.recent_batches())


@bp.route("/imports/jobs/<job_id>")
@admin_only
def import_job(job_id: str):
    job = jobs.get(job_id, admin_jobs.JOB_KIND)
    if job is None:
        abort(404)
    batch = db.session.get(ImportBatch, job.result["batch_id"]) if job.state == "done" else None
    return render_page("admin/import_job.html", "admin/_import_job.html", job=job, batch=batch,
                       can_rerun=admin_jobs.can_rerun(job))


@bp.route("/imports/jobs/<job_id>/rerun", methods=["POST"])
@admin_only
def rerun_import(job_id: str):
    """Run an interrupted import again from its kept upload."""
    job = jobs.get(job_id, admin_jobs.JOB_KIND)
    if job is None:
        abort(404)
    if not admin_jobs.can_rerun(job):
        flash(_("This import cannot be run again: upload the file again."), "error")
        return redirect(url_for("admin.imports"))
    return redirect(url_for("admin.import_job", job_id=jobs.rerun(job).id), 303)


@bp.route("/imports/<int:batch_id>/publish", methods=["POST"])
@admin_only
def publish_batch(batch_id: int):
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        abort(404)
    try:
        count = publication.publish_batch(batch, current_user)
    except publication.PublicationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(ngettext("Batch %(id)s published: %(num)s procedure changed status.",
                       "Batch %(id)s published: %(num)s procedures changed status.", count, id=batch.id),
              "success")
    return redirect(url_for("admin.imports"))


@bp.route("/audit")
@admin_only
def audit_log():
    chosen = audit.AuditFilter(
        action=_choice(request.args.get("action")), object_type=_choice(request.args.get("object_type")),
        actor=_choice(request.args.get("actor")), object_id=_choice(request.args.get("object_id")),
        since=_day(request.args.get("since")), until=_day(request.args.get("until")),
        zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    page = audit.search(chosen, page=_page_number(request.args.get("page")))
    options = {name: audit.distinct_values(name) for name in ("action", "object_type", "actor")}
    return render_page("admin/audit.html", "admin/_audit_rows.html", page=page, chosen=chosen,
                       rows=[audit_presenters.present(entry) for entry in page.entries],
                       actions=sorted(((code, action_label(code)) for code in options["action"]),
                                      key=lambda pair: pair[1].casefold()),
                       object_types=[(code, object_label(code)) for code in options["object_type"]],
                       actors=options["actor"])


def _choice(value: str | None) -> str:
    """A filter value from the query string: bounded, printable, or nothing."""
    value = (value or "").strip()
    if len(value) > 120 or any(ord(ch) < 32 for ch in value):
        return ""
    return value


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else 1