"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""
import os

from app import create_app

app = create_app()

if "FLASK_RUN_FROM_CLI" not in os.environ:
    # A web server's worker (not a ``flask`` command): open the search index in the background
    # now, so that the worker's first search does not wait for it.
    from app.search.services import warm_up

    warm_up(app)
