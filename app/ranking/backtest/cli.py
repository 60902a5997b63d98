"""`flask backtest --as-of T [--horizon DAYS] [--model VERSION] [--top 25,50,100,250] [--json]`."""

import json

import click
from flask.cli import with_appcontext

from app.ranking import services
from app.ranking.backtest import services as backtests
from app.ranking.cli import AsOfDate, ModelVersion


class Horizon(click.ParamType):
    name = "DAYS"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return backtests.parse_horizon(value)
        except services.BadInput as exc:
            self.fail(exc.message, param, ctx)


class TopSizes(click.ParamType):
    name = "N,N,..."

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            return backtests.parse_top(value)
        except services.BadInput as exc:
            self.fail(exc.message, param, ctx)


def _lines(result: backtests.Backtest) -> list[str]:
    lines = [
        f"Backtest as of {result.as_of.isoformat()}, scoring model v{result.model_version}, horizon "
        f"{result.horizon_days} days (to {result.horizon_end.isoformat()}): {result.ranked:,} ranked.",
        f"Future harm: {result.total_future_harm:,} harm days by {result.offenders:,} persons; "
        f"{result.unranked_share:.1%} of it by persons not on the list.",
        f"{'top':>7}  {'captured':>10}  {'share':>7}  {'oracle':>10}  {'efficiency':>10}  {'offenders':>9}",
    ]
    lines += [
        f"{row.n:>7,}  {row.captured:>10,}  {row.share:>7.1%}  {row.oracle:>10,}  {row.efficiency:>10.1%}  "
        f"{row.offenders:>9,}"
        for row in result.top
    ]
    return lines


@click.command("backtest")
@click.option("--as-of", "as_of", type=AsOfDate(), required=True, help="Rank as of this date (YYYY-MM-DD).")
@click.option("--horizon", type=Horizon(), default=backtests.DEFAULT_HORIZON, show_default=True, help="Days after it.")
@click.option("--model", "model", type=ModelVersion(), default=None, help="Scoring model version (default: current).")
@click.option("--top", "tops", type=TopSizes(), default="25,50,100,250", show_default=True, help="List sizes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (DESIGN.md's contract).")
@with_appcontext
def backtest_command(as_of, horizon, model, tops, as_json):
    """Does the ranking as of a day find the people who went on to cause harm? Stores nothing."""
    try:
        model = model or services.current_model()
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    result = backtests.run_backtest(as_of, horizon_days=horizon, model=model, tops=tops)
    if as_json:
        click.echo(json.dumps(result.to_json()))
        return
    for line in _lines(result):
        click.echo(line)
