"""`flask backup TARGET` and `flask restore SOURCE`: the commands of the runbook's backup section."""

import getpass
import logging
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.operations import backup as backups

log = logging.getLogger("achilles.operations")


def _url() -> sa.URL:
    return sa.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


@click.command("backup")
@click.argument("target", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(target: Path):
    """Back up the whole database (DATABASE_URL) to TARGET: a new file, or a directory to put a dated file in.

    PostgreSQL: pg_dump's custom format (restore with `flask restore` or pg_restore). SQLite: an
    online copy of the database file, consistent while the app runs. The file is readable by its
    owner only: it holds the whole register.
    """
    try:
        result = backups.backup(_url(), target)
    except backups.BackupError as exc:
        log.error("backup failed: %s", exc, extra={"operator": getpass.getuser()})
        raise click.ClickException(str(exc)) from exc
    log.info(
        "backup written",
        extra={"operator": getpass.getuser(), "file": str(result.path), "bytes": result.size, "engine": result.engine},
    )
    click.echo(f"Backed up the {result.engine} database to {result.path} ({result.size:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path):
    """Restore the backup SOURCE into DATABASE_URL's database, which must be new and empty.

    Then, on PostgreSQL, run deploy/postgresql/grants.sql (privileges are not restored), and
    `flask db upgrade` if the backup came from an earlier release.
    """
    try:
        result = backups.restore(_url(), source)
    except backups.BackupError as exc:
        log.error("restore failed: %s", exc, extra={"operator": getpass.getuser(), "file": str(source)})
        raise click.ClickException(str(exc)) from exc
    fields = {"operator": getpass.getuser(), "file": str(source), "engine": result.engine}
    log.info("database restored", extra=fields | {"revision": result.revision})
    click.echo(
        f"Restored {source} into the {result.engine} database: {result.tables} tables, schema revision "
        f"{result.revision}, {result.audit_entries:,} audit entries, append-only triggers "
        f"{', '.join(result.audit_triggers)}."
    )
    if result.engine == "postgresql":
        click.echo("Next: run deploy/postgresql/grants.sql as the owner role, so the app role can use the tables.")
    click.echo("If the backup came from an earlier release, run `flask db upgrade` before starting the app.")
