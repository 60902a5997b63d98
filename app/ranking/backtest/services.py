"""The backtest of DESIGN.md "Backtest": rank as of T with a model version, then measure how much of
the harm of the next `horizon` days the top of the list held, against the best any list could do.

Nothing is stored and no person is named here: the answer is counts and shares. The capture curves
(share of the future harm against share of the ranked list, for the model and for the oracle that
knew the future) are drawn by app.ranking.backtest.chart.
"""

import heapq
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app.audit import services as audit
from app.extensions import db
from app.offenders.models import DAEvent
from app.ranking import facts, scoring, services
from app.ranking.models import ScoringModel

DEFAULT_HORIZON = 365
DEFAULT_TOP = (25, 50, 100, 250)
MAX_HORIZON = 3660
MAX_TOP = 100_000
CURVE_POINTS = 120


def _share(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0


@dataclass(frozen=True)
class TopRow:
    n: int
    captured: int
    share: float
    oracle: int
    efficiency: float
    offenders: int

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "captured": self.captured,
            "share": self.share,
            "oracle": self.oracle,
            "efficiency": self.efficiency,
            "offenders": self.offenders,
        }


@dataclass
class Backtest:
    """One model version's backtest as of T: the figures of the JSON contract and the curves."""

    as_of: date
    horizon_days: int
    model_version: int
    rules: int
    ranked: int
    total_future_harm: int
    offenders: int
    unranked_share: float
    top: list[TopRow]
    # (share of the ranked list, share of the future harm) along the list, and the oracle's.
    curve: list[tuple[float, float]] = field(default_factory=list)
    oracle_curve: list[tuple[float, float]] = field(default_factory=list)
    # Future harm of the ranked persons in list order (for the head of the list, drawn by count).
    ranked_harm: list[int] = field(default_factory=list, repr=False)
    best_harm: list[int] = field(default_factory=list, repr=False)

    @property
    def horizon_end(self) -> date:
        return self.as_of + timedelta(days=self.horizon_days)

    def to_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "horizon_days": self.horizon_days,
            "model_version": self.model_version,
            "ranked": self.ranked,
            "total_future_harm": self.total_future_harm,
            "offenders": self.offenders,
            "unranked_share": self.unranked_share,
            "top": [row.to_json() for row in self.top],
        }


def future_harm(as_of: date, horizon_days: int, harm_days: dict) -> dict[int, int]:
    """{person id: harm days of their events as suspect with T < occurred_on <= T + horizon}, for
    everyone with such an event (0 for a person whose events carry no harm days). One GROUP BY."""
    end = as_of + timedelta(days=horizon_days)
    harm: dict[int, int] = {}
    for person_id, offence, count in db.session.execute(
        sa.select(DAEvent.suspect_id, DAEvent.offence, sa.func.count())
        .where(DAEvent.occurred_on > as_of, DAEvent.occurred_on <= end)
        .group_by(DAEvent.suspect_id, DAEvent.offence)
    ):
        harm[person_id] = harm.get(person_id, 0) + count * harm_days.get(offence, 0)
    return harm


def _curve(values: list[int], total: int, persons: int) -> list[tuple[float, float]]:
    """Cumulative share of `total` after each of the first persons, sampled to CURVE_POINTS points."""
    if not persons or not total:
        return [(0.0, 0.0), (1.0, 0.0)] if persons else []
    step = max(1, persons // CURVE_POINTS)
    points, running = [(0.0, 0.0)], 0
    for k, value in enumerate(values[:persons], 1):
        running += value
        if k % step == 0 or k == persons:
            points.append((k / persons, running / total))
    return points


def backtest_scores(
    scores: list[scoring.Score],
    future: dict[int, int],
    *,
    as_of: date,
    horizon_days: int,
    model: ScoringModel,
    tops=DEFAULT_TOP,
) -> Backtest:
    """The backtest figures of a ranked list (in its order) against everyone's future harm."""
    total = sum(future.values())
    ranked_harm = [future.get(s.person_id, 0) for s in scores]
    in_list = sum(ranked_harm)
    biggest = heapq.nlargest(max([*tops, len(scores)]), future.values())
    top = []
    for n in tops:
        captured = sum(ranked_harm[:n])
        oracle = sum(biggest[:n])
        top.append(
            TopRow(
                n=n,
                captured=captured,
                share=_share(captured, total),
                oracle=oracle,
                efficiency=_share(captured, oracle),
                offenders=sum(1 for s in scores[:n] if s.person_id in future),
            )
        )
    return Backtest(
        as_of=as_of,
        horizon_days=horizon_days,
        model_version=model.version,
        rules=model.rules,
        ranked=len(scores),
        total_future_harm=total,
        offenders=len(future),
        unranked_share=_share(total - in_list, total),
        top=top,
        curve=_curve(ranked_harm, total, len(scores)),
        oracle_curve=_curve(biggest, total, len(scores)),
        ranked_harm=ranked_harm[:1000],
        best_harm=biggest[:1000],
    )


def run_backtest(
    as_of: date, *, horizon_days: int = DEFAULT_HORIZON, model: ScoringModel | None = None, tops=DEFAULT_TOP
) -> Backtest:
    """Rank as of T with the model (default: the current one) and measure the next horizon's harm.
    A horizon that runs past today counts the events recorded so far."""
    model = model or services.current_model()
    scores = services.compute_ranking(as_of, model)
    future = future_harm(as_of, horizon_days, model.params["harm_days"])
    return backtest_scores(scores, future, as_of=as_of, horizon_days=horizon_days, model=model, tops=tops)


def draft_backtest(as_of: date, params: dict, rules: int, *, horizon_days: int, tops=DEFAULT_TOP) -> Backtest:
    """The backtest of numbers not yet published (an admin's draft), as version "draft" (0)."""
    draft = ScoringModel(version=0, params=params, rules=rules, is_current=False)
    scores = facts.scores(as_of, params, rules)
    future = future_harm(as_of, horizon_days, params["harm_days"])
    return backtest_scores(scores, future, as_of=as_of, horizon_days=horizon_days, model=draft, tops=tops)


# ---- parsing what a user asks for --------------------------------------------------------------


def parse_horizon(text) -> int:
    """Days after T to look at: a whole number from 1 to 3,660; empty means 365."""
    if text is None or not str(text).strip():
        return DEFAULT_HORIZON
    text = str(text).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 5 or not 1 <= int(text) <= MAX_HORIZON:
        raise services.BadInput(
            "horizon", f"{text!r} is not a horizon: give the days after the as-of date, from 1 to {MAX_HORIZON:,}."
        )
    return int(text)


def parse_top(text) -> tuple[int, ...]:
    """The list sizes to report, e.g. "25,50,100,250": whole numbers of at least 1, in any order."""
    if text is None or not str(text).strip():
        return DEFAULT_TOP
    sizes = []
    for part in str(text).split(","):
        part = part.strip()
        if not part.isascii() or not part.isdigit() or len(part) > 6 or not 1 <= int(part) <= MAX_TOP:
            raise services.BadInput(
                "top",
                f"{text!r} is not a list of sizes: give whole numbers from 1 separated by commas, e.g. 25,50,100.",
            )
        sizes.append(int(part))
    return tuple(sorted(set(sizes)))


def quarter_ends(before: date, count: int = 4) -> list[date]:
    """The last `count` quarter ends (31 Mar, 30 Jun, 30 Sep, 31 Dec) strictly before a day, oldest first."""
    ends = []
    year, quarter = before.year, (before.month - 1) // 3  # quarters finished this year
    while len(ends) < count:
        if quarter == 0:
            year, quarter = year - 1, 4
        month = quarter * 3
        end = date(year, month, 31 if month in (3, 12) else 30)
        if end < before:
            ends.append(end)
        quarter -= 1
    return sorted(ends)


def parse_dates(text) -> list[date]:
    """One to four as-of dates, separated by commas or spaces, each a past day (YYYY-MM-DD)."""
    parts = [part for part in str(text or "").replace(",", " ").split() if part]
    if not parts:
        raise services.BadInput("as_of", "Give at least one as-of date, for example 2025-09-30.")
    if len(parts) > MAX_DATES:
        raise services.BadInput("as_of", f"Give at most {MAX_DATES} as-of dates at once.")
    return sorted({services.parse_as_of(part) for part in parts})


MAX_DATES = 4


@dataclass
class BacktestView:
    """The backtests of some model versions as of some days, for the page (and the draft preview)."""

    horizon_days: int
    tops: tuple[int, ...]
    by_date: list[tuple[date, list[Backtest]]] = field(default_factory=list)


def backtest_view(
    dates: list[date], *, horizon_days: int, models: list[ScoringModel], tops=DEFAULT_TOP, actor, extra=None
) -> BacktestView:
    """Every model's backtest as of every day (and `extra(as_of)` -> Backtest, a draft's), audited.
    Counts and shares only: nobody is named."""
    view = BacktestView(horizon_days=horizon_days, tops=tops)
    for as_of in dates:
        results = [run_backtest(as_of, horizon_days=horizon_days, model=model, tops=tops) for model in models]
        if extra is not None:
            results.append(extra(as_of))  # nosec B610 (a draft's backtest, not Django's QuerySet.extra)
        view.by_date.append((as_of, results))
    audit.record(
        "view",
        f"ran the backtest as of {', '.join(d.isoformat() for d in dates)} (horizon {horizon_days} days; model "
        f"version(s) {', '.join(str(m.version) for m in models)}{' and a draft' if extra else ''})",
        object_type="backtest",
        data={
            "as_of": [d.isoformat() for d in dates],
            "horizon_days": horizon_days,
            "models": [m.version for m in models],
            "draft": extra is not None,
        },
        actor=actor,
    )
    db.session.commit()
    return view
