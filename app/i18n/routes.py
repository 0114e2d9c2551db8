"""The language switcher shown on every page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user

from app.auth.access import public
from app.extensions import db
from app.i18n.locale import selectable_locales

bp = Blueprint("i18n", __name__)


@bp.route("/locale", methods=["POST"])
@public
def switch_locale():
    locale = request.form.get("locale", "")
    if locale in selectable_locales():
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        target = url_for("catalog.index")
    return redirect(target)
