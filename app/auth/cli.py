"""``flask users ...``: manage accounts from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.auth import services
from app.auth.models import ROLES
from app.extensions import db


@click.group("users")
def users_cli():
    """Manage user accounts."""


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="Role to grant; repeat for several.")
@click.option("--name", "display_name", default="", help="Full name shown in the app.")
@click.option("--password", default=None,
              help="Initial password; when omitted a one-time password is generated and printed.")
@with_appcontext
def create(username: str, roles: tuple[str, ...], display_name: str, password: str | None):
    """Create a user with one or more roles."""
    one_time = password is None
    password = password or services.generate_password()
    try:
        services.create_user(username, password, roles, display_name=display_name,
                             must_change_password=one_time)
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {username} with roles {', '.join(sorted(roles))}")
    if one_time:
        click.echo(f"one-time password: {password}")


@users_cli.command("list")
@with_appcontext
def list_users():
    """List users and their roles."""
    for user in services.list_users():
        state = "active" if user.active else "inactive"
        click.echo(f"{user.username}\t{','.join(sorted(user.roles))}\t{state}")


@users_cli.command("reset-password")
@click.argument("username")
@with_appcontext
def reset_password(username: str):
    """Give a user a new one-time password."""
    user = services.get_by_username(username)
    if user is None:
        raise click.ClickException(f"no user named {username}")
    password = services.reset_password(user, actor=None)
    db.session.commit()
    click.echo(f"one-time password for {user.username}: {password}")
