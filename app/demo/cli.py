"""`flask demo-data [--scale N]`: the synthetic dataset, invented people only, for the quick start
and the benchmarks."""

import tempfile

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.audit.services import Actor
from app.base import local_today
from app.demo import network, referrals, register, reviews, tasking, victims
from app.demo import ranking as ranking_demo
from app.extensions import db
from app.imports import demo, services
from app.imports.cli import report
from app.offenders.models import Person

# What the import cannot carry, seeded through each part's own services after the import, in this
# order. Each is `seed(*, today, seed, actor) -> str` (a line saying what it added), deterministic
# for a seed, and adds nothing to a register that already holds its records.
# tasking first after the register (and the review and duplicate records): it adds nothing once any
# task is held, and victims and ranking raise tasks (contact before an order ends, pre-release);
# tasking also runs the past rankings that referrals and ranking read. The network's families come
# before the ranking, which ranks everyone last.
SEEDERS: tuple = (
    register.seed,
    reviews.seed,
    tasking.seed,
    referrals.seed,
    victims.seed,
    network.seed,
    ranking_demo.seed,
)


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
    if current_app.config["ACHILLES_ENV"] == "production":
        # Demo records overwrite real ones that share a reference: never against a live register.
        raise click.ClickException("Demo data is loaded in development only, never in production.")
    if if_empty and db.session.scalar(sa.select(Person.id).limit(1)) is not None:
        click.echo("The register already holds persons: demo data not loaded.")
        return

    if force_scale:
        scale = demo.FORCE_SCALE
    with tempfile.TemporaryDirectory() as tmp:
        target = keep or tmp
        stats = demo.write_csvs(target, scale=scale, seed=seed)
        click.echo("Generated " + ", ".join(f"{n} {k}" for k, n in stats.items()))
        report(services.import_directory(target, actor=Actor.cli()))
    for seeder in SEEDERS:
        click.echo(seeder(today=local_today(), seed=seed, actor=Actor.cli()))
