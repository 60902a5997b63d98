"""Demo data the import cannot carry for the ranking: a first full ranking (so the target list, the
agenda and the backtest have a list to read) and the pre-release tasks the scheduled job would raise
for the demo's persons due out of custody within 14 days."""

from datetime import date

from app.audit.services import Actor
from app.ranking import services as ranking
from app.ranking.releases import raise_pre_release_tasks


def seed(*, today: date, seed: int, actor: Actor) -> str:
    ranked = ""
    if ranking.list_run() is None:
        run = ranking.run_ranking(today, "manual", actor=actor)
        ranked = f"ranked {run.ranked_count:,} persons; "
    return f"Ranking: {ranked}{raise_pre_release_tasks(today, actor=actor)} pre-release task(s) raised"
