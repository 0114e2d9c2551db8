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
        # Werkzeug's names and descriptions are English only: every status shown gets our text.
        titles = {
            400: _("Bad request"),
            401: _("Sign-in required"),
            403: _("Not allowed"),
            404: _("Not found"),
            405: _("Method not allowed"),
            413: _("File too large"),
        }
        messages = {
            400: _("The request could not be understood. Go back and try again."),
            401: _("Sign in to see this page."),
            403: _("Your role does not allow this page or action."),
            404: _("There is nothing at this address."),
            405: _("This address does not accept this kind of request."),
            413: _("The file is larger than the upload limit."),
        }
        code = error.code or 500
        return _render(code, titles.get(code, _("Error")),
                       messages.get(code, _("The request could not be completed.")))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("unexpected error")
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return _render(500, _("Something went wrong"),
                       _("The error was logged. Nothing was saved by this request."))
