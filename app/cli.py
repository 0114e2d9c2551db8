"""``flask bootstrap``: prepare an empty installation (first admin, demo catalog, starter synonyms, search index)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth.services import ensure_first_admin
from app.catalog.demo import catalog_is_empty, load_demo
from app.extensions import db
from app.review.settings import INCOME_PER_HOUR, current_year, seed_setting
from app.search import services as search
from app.search import synonym_lists


# About the average monthly income of a Vietnamese worker (7.7 million VND) over 176 working hours:
# a plausible figure so that the demo shows costs in money, not the official one.
DEMO_INCOME_PER_HOUR = 44_000


@click.command("bootstrap")
@with_appcontext
def bootstrap_command():
    """Create the first admin, load the demo catalog, store the starter synonyms and build the
    search index, where missing."""
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
        year = current_year()
        if seed_setting(INCOME_PER_HOUR, DEMO_INCOME_PER_HOUR, year):
            db.session.commit()
            click.echo(f"Demo income per hour for {year}: {DEMO_INCOME_PER_HOUR:,} VND "
                       "(an illustration; admins change it under Review settings).")
    if synonym_lists.store_starter_set():
        db.session.commit()
        click.echo("Stored the starter set of search synonyms (admins edit them under Search synonyms).")
    if not search.index_exists():
        state = search.reindex()
        click.echo(f"Built the search index: {state['documents']} procedures.")
