"""``flask review export``: write the simplification plan or the review archive to a file."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from app.exports import services
from app.extensions import db


@click.command("export")
@click.option("--format", "fmt", required=True, type=click.Choice(services.FORMATS),
              help="xlsx or csv: the simplification plan; json: the archive of all review data.")
@click.option("--status", type=click.Choice(services.STATUSES), default="proposed", show_default=True,
              help="Plan rows: proposed (proposed, accepted, implemented) or accepted (accepted, implemented).")
@click.option("--agency", default=None, help="Only agencies whose name contains this text (the plan).")
@click.option("--locale", type=click.Choice(("vi", "th", "en")), default=None,
              help="Language of headers and labels (default: the app's default language).")
@click.argument("file", type=click.Path(dir_okay=False, writable=False, resolve_path=False))
@with_appcontext
def export_command(fmt, status, agency, locale, file):
    """Write the simplification plan (xlsx, csv) or the review archive (json) to FILE."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            result = services.write_export(fmt, file, status=status, agency=agency, actor=None)
        except services.ExportError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        if fmt == "json":
            counts = result.counts
            click.echo(_("Wrote %(marks)s marks, %(comments)s comments, %(settings)s settings and %(audit)s "
                         "audit rows to %(file)s.", marks=counts["marks"], comments=counts["comments"],
                         settings=counts["settings"], audit=counts["audit"], file=file))
        else:
            click.echo(_("Wrote %(rows)s plan rows of %(agencies)s agencies to %(file)s.", rows=result.rows,
                         agencies=result.counts["agencies"], file=file))
