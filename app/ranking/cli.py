"""`flask rank [--as-of YYYY-MM-DD] [--json] [--limit N] [--model VERSION]`: the ranked list on the command
line. (`flask backtest` is app.ranking.backtest.cli.)"""

import json

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.audit.services import Actor
from app.extensions import db
from app.offenders.models import Person
from app.ranking import services
from app.ranking.models import ScoringModel


class AsOfDate(click.ParamType):
    """YYYY-MM-DD, not in the future: the same rule (and message) as the API's as_of."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        try:
            return services.parse_as_of(value)
        except services.BadInput as exc:
            self.fail(exc.message, param, ctx)


class ModelVersion(click.ParamType):
    """A published scoring model version by number; the message names the versions there are."""

    name = "VERSION"

    def convert(self, value, param, ctx):
        if isinstance(value, ScoringModel):
            return value
        try:
            return services.parse_model(value)
        except services.BadInput as exc:
            self.fail(exc.message, param, ctx)


def _names(person_ids: list[int]) -> dict[int, str]:
    names = {}
    for start in range(0, len(person_ids), 1000):
        chunk = person_ids[start : start + 1000]
        for person in db.session.scalars(sa.select(Person).where(Person.id.in_(chunk))):
            names[person.id] = person.full_name
    return names


def _table(scores, names: dict[int, str]) -> list[str]:
    header = ("#", "Person", "Name", "Priority", "Harm", "Opp", "R", "F", "G", "V", "Levers", "Flags")
    numeric = {0, 3, 4, 5, 6, 7, 8, 9}
    lines = [
        (
            str(position),
            s.person_ref,
            names.get(s.person_id, ""),
            str(s.priority),
            str(s.harm),
            str(s.opportunity),
            str(s.r),
            str(s.f),
            str(s.g),
            str(s.v),
            ", ".join(f"{name} {weight}" for name, weight in s.levers.items()) or "-",
            ", ".join(s.flags) or "-",
        )
        for position, s in enumerate(scores, 1)
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]

    def render(row):
        cells = [
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [render(header), *(render(row) for row in lines)]


@click.command("rank")
@click.option("--as-of", "as_of", type=AsOfDate(), default=None, help="Score as of this date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of the ranked objects.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show only the first N ranked persons.")
@click.option("--model", "model", type=ModelVersion(), default=None, help="Scoring model version (default: current).")
@with_appcontext
def rank_command(as_of, as_json, limit, model):
    """Print the ranked list of perpetrators (priority = harm + opportunity)."""
    as_of = as_of or services.parse_as_of(None)
    try:
        model = model or services.current_model()
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    scores = services.compute_ranking(as_of, model)
    # Every `rank` is stored as a manual score run (the whole list, whatever --limit shows) and
    # audited: the history then holds what the operator saw, and the output never depends on it.
    # With the current model and as of today it also becomes the target list; with --model of
    # another version or a past --as-of it is history only.
    run = services.record_run(scores, as_of=as_of, model=model, trigger="manual", actor=Actor.cli())
    click.echo(f"Stored as score run {run.id}{' (now the target list)' if run.listed else ''}.", err=True)
    shown = scores[:limit] if limit else scores
    if as_json:
        click.echo(json.dumps([s.to_json() for s in shown]))
        return
    click.echo(
        f"Ranked list as of {as_of.isoformat()} (scoring model v{model.version}): "
        f"{len(scores)} ranked{f', showing the first {len(shown)}' if len(shown) < len(scores) else ''}."
    )
    if shown:
        for line in _table(shown, _names([s.person_id for s in shown])):
            click.echo(line)
