"""Procedure Review Workbench: the application factory."""
from __future__ import annotations

import logging
from pathlib import Path

import flask_babel
from flask import Flask, request
from flask_login import current_user

from app.config import PROJECT_ROOT, check_production, load_config
from app.extensions import babel, csrf, db, htmx, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI, then request hooks."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
        instance_path=str(Path(config.get("INSTANCE_DIR")) if config and config.get("INSTANCE_DIR")
                          else PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    # The remember cookie is as secure as the session cookie unless set on its own.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    check_production(app.config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    _init_extensions(app)
    from app.web import params

    # Before the routes are added: their <int:...> parts take the bounded converter.
    params.register_converters(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_web(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.i18n.locale import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Translations are escaped when rendered: a catalog cannot add markup to a page.
    from app.i18n import markup

    markup.install(app)
    # {% trans %} blocks render with their whitespace trimmed, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Flask-Babel keeps the chosen locale on ``g``, which lives as long as the app context; a
    # context that spans several requests (the test suite's) must not reuse an earlier choice.
    app.before_request(flask_babel.refresh)
    # A translation saved by the catalog editor (in any process, on any node) shows within
    # CATALOG_CHECK_SECONDS.
    from app.i18n.stored import refresh_if_changed

    app.before_request(lambda: refresh_if_changed())
    if app.config.get("PSEUDO_LOCALE"):
        from app.i18n.catalogs import PSEUDO_LOCALE, po_path

        folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
        if not any(po_path(PSEUDO_LOCALE, Path(folder)).with_suffix(".mo").exists() for folder in folders):
            app.logger.warning("PSEUDO_LOCALE is on but there is no %s catalog: run `flask translate pseudo`",
                               PSEUDO_LOCALE)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from app.auth.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        from app.auth.services import user_for_session

        return user_for_session(user_id)

    # Import every model so that metadata (and Alembic) see all tables.
    import app.audit.models  # noqa: F401
    import app.core.jobs  # noqa: F401
    import app.core.storage  # noqa: F401  (the cleanup job)
    import app.i18n.stored  # noqa: F401
    import app.catalog.models  # noqa: F401
    import app.review.models  # noqa: F401
    import app.queues.models  # noqa: F401
    import app.notifications.models  # noqa: F401
    import app.search.models  # noqa: F401
    import app.search_lists.models  # noqa: F401
    import app.review.changes  # noqa: F401  (counts mark changes for the caches that read all marks)
    from app.catalog.signals import versions_published
    from app.review.services import reconcile_published

    # Marks follow republished procedures (carried over, or flagged for re-check / orphaned).
    versions_published.connect(reconcile_published)


def _register_blueprints(app: Flask) -> None:
    from app.admin.routes import bp as admin_bp
    from app.auth.routes import bp as auth_bp
    from app.bulk.routes import bp as bulk_bp
    from app.catalog.routes import bp as catalog_bp
    from app.dashboard.routes import bp as dashboard_bp
    from app.exports.routes import bp as exports_bp
    from app.i18n.routes import bp as i18n_bp
    from app.notifications.routes import bp as notifications_bp
    from app.queues.routes import bp as queues_bp
    from app.review.routes import bp as review_bp
    from app.search.routes import bp as search_bp
    from app.search_lists.routes import bp as search_lists_bp
    from app.web.routes import bp as web_bp

    for blueprint in (auth_bp, catalog_bp, search_bp, search_lists_bp, review_bp, queues_bp, dashboard_bp, bulk_bp,
                      exports_bp, admin_bp, i18n_bp, notifications_bp, web_bp):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.catalog.cli import procedures_cli
    from app.cli import bootstrap_command
    from app.core.cli import jobs_cli
    from app.exports.cli import export_command
    from app.i18n.cli import translate_cli
    from app.review.cli import review_cli
    from app.search.cli import search_cli

    review_cli.add_command(export_command)
    app.cli.add_command(review_cli)

    app.cli.add_command(search_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(procedures_cli)
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(translate_cli)
    app.cli.add_command(jobs_cli)


def _register_web(app: Flask) -> None:
    from app.auth.access import enforce_access_policy
    from app.web import errors, filters, params, template_context

    app.before_request(enforce_access_policy)
    params.register_checks(app)
    if app.config["SEARCH_INDEXER"] == "thread":
        from app.search.indexer import runner

        # Started by the first request, not by CLI commands that also build the app.
        @app.before_request
        def start_indexer():
            runner.start(app, interval=app.config["SEARCH_INDEXER_INTERVAL"])
    if app.config["JOB_RUNNER"] == "thread":
        from app.core.jobs import runner as job_runner

        @app.before_request
        def start_job_runner():
            job_runner.start(app, interval=app.config["JOB_RUNNER_INTERVAL"])
    errors.register(app)
    filters.register(app)
    template_context.register(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        if app.config["SESSION_COOKIE_SECURE"]:
            # Only when the app is served over HTTPS (SESSION_COOKIE_SECURE says so).
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint != "static" and current_user.is_authenticated:
            # Signed-in pages hold review data: no copy in the browser's or a proxy's cache.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
