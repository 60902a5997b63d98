"""A draft model version before an admin publishes it: its backtest beside the current version's, and
how the top 50 of today's list would change (who enters, who leaves, who moves). Writes nothing but
the audit entry; persons are shown by reference only (admins have no access to personal records)."""

from dataclasses import dataclass, field
from datetime import date

from app.audit import services as audit
from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.ranking import facts, services
from app.ranking.backtest import services as backtests
from app.ranking.model_versions.services import draft_params
from app.ranking.models import ScoringModel

TOP = 50


@dataclass(frozen=True)
class Change:
    person_ref: str
    before: int | None  # place in the current version's top 50
    after: int | None  # place in the draft's top 50
    priority_before: int | None
    priority_after: int | None

    @property
    def moved(self) -> int:
        return (self.before or 0) - (self.after or 0)


@dataclass
class Preview:
    base: ScoringModel
    current: ScoringModel
    params: dict
    as_of: date
    entering: list[Change] = field(default_factory=list)
    leaving: list[Change] = field(default_factory=list)
    moving: list[Change] = field(default_factory=list)
    staying: int = 0
    view: backtests.BacktestView | None = None


def top_difference(current: list, draft: list) -> tuple[list[Change], list[Change], list[Change], int]:
    """Who enters the top 50, who leaves it and who moves within it, from two ranked lists."""
    before = {s.person_ref: (n, s.priority) for n, s in enumerate(current[:TOP], 1)}
    after = {s.person_ref: (n, s.priority) for n, s in enumerate(draft[:TOP], 1)}
    everyone = {s.person_ref: s.priority for s in current}
    later = {s.person_ref: s.priority for s in draft}
    entering = [
        Change(ref, None, n, everyone.get(ref), priority) for ref, (n, priority) in after.items() if ref not in before
    ]
    leaving = [
        Change(ref, n, None, priority, later.get(ref)) for ref, (n, priority) in before.items() if ref not in after
    ]
    both = [Change(ref, before[ref][0], n, before[ref][1], p) for ref, (n, p) in after.items() if ref in before]
    moving = sorted((c for c in both if c.moved), key=lambda c: (-abs(c.moved), c.after))
    return entering, leaving, moving, sum(1 for c in both if not c.moved)


def preview(values, *, based_on: int, horizon_days: int, dates: list[date], actor: Actor) -> Preview:
    """The draft's numbers checked (ModelInvalid names bad fields), its backtest as of `dates`
    beside the current version's, and today's top-50 difference."""
    base, params = draft_params(values, based_on=based_on)
    current = services.current_model()
    today = local_today()
    result = Preview(base=base, current=current, params=params, as_of=today)
    now = services.compute_ranking(today, current)
    drafted = facts.scores(today, params, base.rules)
    result.entering, result.leaving, result.moving, result.staying = top_difference(now, drafted)
    result.view = backtests.backtest_view(
        dates,
        horizon_days=horizon_days,
        models=[current],
        actor=actor,
        extra=lambda as_of: backtests.draft_backtest(as_of, params, base.rules, horizon_days=horizon_days),
    )
    audit.record(
        "view",
        f"previewed a draft of the scoring model from version {base.version} against version {current.version}: "
        f"{len(result.entering)} would enter today's top {TOP}, {len(result.leaving)} leave, {len(result.moving)} move",
        object_type="scoring_model",
        object_ref=str(base.version),
        data={"based_on": base.version, "current": current.version, "as_of": today},
        actor=actor,
    )
    db.session.commit()
    return result
