"""``flask review export``: write the simplification plan or the review archive to a file."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("export")
@with_appcontext
def export_command():
    """Write the simplification plan (xlsx, csv) or the review archive (json) to FILE."""
    raise click.ClickException("Exports are not available yet.")
