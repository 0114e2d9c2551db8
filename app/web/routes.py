"""Small routes that belong to no feature: the root redirect and a health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from sqlalchemy import text

from app.auth.access import public
from app.extensions import db

bp = Blueprint("web", __name__)


@bp.route("/")
@public
def root():
    return redirect(url_for("catalog.index"))


@bp.route("/healthz")
@public
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
