"""`flask users create|token`: the user-management contract of DESIGN.md."""

import sys

import click
from flask.cli import AppGroup

from app.audit.services import Actor
from app.auth import services
from app.catalogue import ROLES

users_cli = AppGroup("users", help="Create users and issue API tokens.")


@users_cli.command("create")
@click.argument("name")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice(sorted(ROLES)), help="Repeat for several roles."
)
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.option("--display-name", default=None)
@click.option("--team", default=None, help="Team name (created if new).")
def create_user(name, roles, password_stdin, display_name, team):
    """Create user NAME with the given roles; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = services.create_user(
            name, list(roles), password, actor=Actor.cli(), display_name=display_name, team=team
        )
    except services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created user {user.username} with roles: {', '.join(sorted(user.role_names))}")


@users_cli.command("token")
@click.argument("name")
def token(name):
    """Print a new API token for user NAME (shown once, stored hashed)."""
    try:
        click.echo(services.issue_token(name, actor=Actor.cli()))
    except services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
