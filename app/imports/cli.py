"""`flask import-data DIR` and `flask demo-data [--scale N]`."""

import tempfile

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.audit.services import Actor
from app.extensions import db
from app.imports import services
from app.offenders.models import Person


def _report(result: services.ImportResult) -> None:
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
    """Load persons.csv, events.csv, orders.csv and levers.csv (any subset) from DIRECTORY."""
    _report(services.import_directory(directory, actor=Actor.cli()))


@click.command("demo-data")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.01, max=50),
    default=1.0,
    show_default=True,
    help="1 gives about 2,000 persons and 5,000 events; 22.5 is force scale (about 45k and 120k).",
)
@click.option("--seed", type=int, default=2022, show_default=True)
@click.option("--force-scale", is_flag=True, help="Shorthand for the force-scale dataset.")
@click.option("--keep", type=click.Path(file_okay=False), default=None, help="Also keep the generated CSVs here.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the register already holds persons.")
@with_appcontext
def demo_data_command(scale, seed, force_scale, keep, if_empty):
    """Write a seeded synthetic dataset through the import path. Invented names only."""
    from app.imports import demo

    if if_empty and db.session.scalar(sa.select(Person.id).limit(1)) is not None:
        click.echo("The register already holds persons: demo data not loaded.")
        return

    if force_scale:
        scale = demo.FORCE_SCALE
    with tempfile.TemporaryDirectory() as tmp:
        target = keep or tmp
        stats = demo.write_csvs(target, scale=scale, seed=seed)
        click.echo("Generated " + ", ".join(f"{n} {k}" for k, n in stats.items()))
        _report(services.import_directory(target, actor=Actor.cli()))
