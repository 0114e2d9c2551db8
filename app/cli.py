"""``flask bootstrap``: prepare an empty installation (first admin, demo catalog, search index)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth.services import ensure_first_admin
from app.catalog.demo import catalog_is_empty, load_demo
from app.search import services as search


@click.command("bootstrap")
@with_appcontext
def bootstrap_command():
    """Create the first admin, load the demo catalog and build the search index, where missing."""
    password = ensure_first_admin()
    if password:
        click.echo("=" * 64)
        click.echo("First start: an admin account was created.")
        click.echo("  username: admin")
        click.echo(f"  one-time password: {password}")
        click.echo("You will be asked to choose a new password at first login.")
        click.echo("=" * 64)
    if current_app.config["LOAD_DEMO_DATA"] and catalog_is_empty():
        result = load_demo()
        click.echo(f"Loaded the demo catalog: {result.new_procedures} procedures.")
    if not search.index_exists():
        state = search.reindex()
        click.echo(f"Built the search index: {state['documents']} procedures.")
