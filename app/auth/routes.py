"""Login, logout and password change."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.access import any_role, public
from app.auth.forms import ChangePasswordForm, LoginForm
from app.extensions import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("catalog.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.username.data, form.password.data, request.remote_addr or "")
        except services.SignInThrottled as exc:
            db.session.commit()
            status = 429
            form.password.errors.append(str(exc))
        except services.AccountError as exc:
            db.session.commit()
            status = 401
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            # A fresh session: nothing of the signed-out visitor's session is carried over.
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            login_user(user, remember=form.remember.data)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@any_role
def logout():
    """Sign out here and everywhere: the account's other sessions and remember cookies end too."""
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@any_role
def change_password():
    form = ChangePasswordForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            db.session.commit()
            # The other sessions ended with the old version; this one continues with the new one.
            login_user(current_user._get_current_object(), remember=bool(request.cookies.get(
                current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))))
            flash(_("Your password was changed."), "success")
            return redirect(url_for("catalog.index"))
    return render_template("auth/change_password.html", form=form), status
