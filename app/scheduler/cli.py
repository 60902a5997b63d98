"""`flask scheduler run|run-job|status`: the one process that runs scheduled jobs."""

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.operations import heartbeat
from app.scheduler import jobs
from app.scheduler import services as scheduler
from app.scheduler.models import JobRun

scheduler_cli = AppGroup("scheduler", help="Run scheduled jobs (one leader process; others stand by).")


@scheduler_cli.command("run")
@click.option(
    "--every", type=click.IntRange(min=1), default=None, help="Testing and drills: run every job every N seconds."
)
@click.option(
    "--standby-poll",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between attempts to take over while another scheduler leads.",
)
def run(every, standby_poll):
    """Run the scheduler in the foreground (as a service with one replica)."""
    # Through the log, so the service writes one format (JSON in production) to its journal.
    scheduler.serve(current_app._get_current_object(), every=every, standby_poll=standby_poll, echo=scheduler.log.info)


@scheduler_cli.command("run-job")
@click.argument("name", type=click.Choice(sorted(jobs.JOBS)))
def run_job(name):
    """Run one job now, for the current period (skipped if that period has already run)."""
    ran = scheduler.run_job(current_app._get_current_object(), name)
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job == name).order_by(JobRun.id.desc()))
    state = f"{run.status}: {run.detail or ''}" if run else ""
    click.echo(f"{name}: {'ran' if ran else 'not run (already done for this period, or failed)'} — {state}")
    if run is not None and run.status == "failed":
        raise SystemExit(1)


@scheduler_cli.command("status")
def status():
    """The jobs, their schedules and their latest runs."""
    for name, spec in jobs.JOBS.items():
        last = db.session.scalar(sa.select(JobRun).where(JobRun.job == name).order_by(JobRun.started_at.desc()))
        when = f"last {last.status} {last.started_at:%Y-%m-%d %H:%M} UTC ({last.detail or ''})" if last else "never run"
        click.echo(f"{name:<25} {spec.description}; {when}")
    click.echo(heartbeat.describe())
