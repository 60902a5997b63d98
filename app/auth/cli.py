"""`flask users create|token`: the user-management contract of DESIGN.md."""

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.audit.services import Actor
from app.auth import services
from app.auth.models import User
from app.auth.passwords import random_password
from app.catalogue import ROLES
from app.extensions import db

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


@users_cli.command("revoke-tokens")
@click.argument("name")
def revoke_tokens(name):
    """Revoke every API token of user NAME at once (rotation, or a token that may have leaked)."""
    user = db.session.scalar(sa.select(User).where(User.username == name.lower()))
    if user is None:
        raise click.ClickException(f"No user called {name!r}.")
    click.echo(f"{services.revoke_tokens(user, actor=Actor.cli())} API token(s) revoked for {user.username}.")


DEMO_USERS = [
    ("supervisor", "Demo Supervisor", ["supervisor"], "Proactive Team North"),
    ("officer", "Demo Officer", ["officer"], "Proactive Team North"),
    ("referral", "Demo Referral Worker", ["referral"], None),
    ("analyst", "Demo Analyst", ["analyst"], None),
    ("admin", "Demo Administrator", ["admin"], None),
]


@users_cli.command("demo")
@with_appcontext
def demo_users():
    """Create one demo user per role with generated passwords (development only), and print them.

    The passwords are printed and kept in instance/demo-credentials.txt (readable by the owner
    only) so a later run can show them again; nothing is hard-coded.
    """
    if current_app.config["ACHILLES_ENV"] == "production":
        raise click.ClickException("Demo users are never created in production.")
    path = Path(current_app.instance_path) / "demo-credentials.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    known = {line.split()[0] for line in lines if line.strip()}
    for username, display, roles, team in DEMO_USERS:
        if username in known or db.session.scalar(sa.select(User.id).where(User.username == username)):
            continue
        password = random_password(username=username, display_name=display, nbytes=12)
        services.create_user(username, roles, password, actor=Actor.cli(), display_name=display, team=team, demo=True)
        lines.append(f"{username:<11} {password}   ({', '.join(roles)})")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    click.echo("Sign in at http://127.0.0.1:5000 with one of these demo users (username, password, roles):")
    for line in lines:
        click.echo("  " + line)
    click.echo(f"(kept in {path})")
