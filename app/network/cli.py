"""`flask network-findings [--as-of DAY]`: compute and store the network findings now (the
scheduler does it every night and the import after each import)."""

import click
from flask.cli import with_appcontext

from app.audit.services import Actor
from app.network.findings import FindingsFailed, compute_findings


@click.command("network-findings")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Default: today.")
@with_appcontext
def network_findings_command(as_of):
    """Compute every network finding and replace the stored ones (kept as they were on failure)."""
    try:
        run = compute_findings(trigger="manual", actor=Actor.cli(), as_of=as_of.date() if as_of else None)
    except FindingsFailed as exc:
        click.echo(f"The network findings could not be computed; the previous ones are kept: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(
        f"{run.persons} persons in {run.networks} linked networks; {run.serial} serial perpetrators, "
        f"{run.repeat_victims} repeat victims, {run.candidates} Right-to-Know candidates ({run.seconds:.1f} s)."
    )
