"""Error pages that keep the layout and say what happened, for pages and fragments alike."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db


def _render(status: int, title: str, message: str):
    template = "errors/fragment.html" if request.headers.get("HX-Request") else "errors/page.html"
    return render_template(template, status=status, title=title, message=message), status


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("The form has expired"),
                       _("The security token of this form is missing or out of date. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {
            403: _("Not allowed"),
            404: _("Not found"),
            405: _("Method not allowed"),
            413: _("File too large"),
        }
        messages = {
            403: _("Your role does not allow this page or action."),
            404: _("There is nothing at this address."),
            413: _("The file is larger than the upload limit."),
        }
        return _render(error.code or 500, titles.get(error.code, error.name),
                       messages.get(error.code, error.description or ""))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unexpected error")
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return _render(500, _("Something went wrong"),
                       _("The error was logged. Nothing was saved by this request."))
