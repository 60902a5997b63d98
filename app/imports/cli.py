"""`flask import-data DIR`."""

import click
from flask.cli import with_appcontext

from app.audit.services import Actor
from app.imports import services


def report(result: services.ImportResult) -> None:
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not result.ok:
        click.echo(f"Nothing was imported: {len(result.errors)} problem(s) found.", err=True)
        for error in result.errors:
            click.echo(f"  {error}", err=True)
        raise SystemExit(1)
    for line in result.summary_lines():
        click.echo(line)


@click.command("import-data")
@click.argument("directory", type=click.Path(file_okay=False))
@with_appcontext
def import_data_command(directory):
    """Load persons.csv, events.csv, orders.csv, levers.csv and custody.csv (any subset) from DIRECTORY."""
    report(services.import_directory(directory, actor=Actor.cli()))
