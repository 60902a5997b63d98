"""Outcomes counted from the records themselves, month by month, and the managed cohort's harm before
and after adoption. Not from task outcomes alone: an arrest recorded on a breach logged through the
API, or a Clare's Law disclosure, counts whether or not a task was closed for it.

The sources of each measure (so every number can be traced):
- arrests: DA events (breaches included) with the outcome arrest, by the event's date; and tasks
  done as "arrested" that are not about a breach (a warrant, an arrest task), by completion date;
- charges: the same with the outcome charge / "charged";
- recalls: breaches whose outcome is a recall to prison, by the breach's date; and tasks done as
  "recalled" that are not about a breach;
- orders obtained: orders made (or, without a made date, starting) in the month;
- disclosures: Clare's Law disclosures made in the month;
- programme starts and completions: programme referral moves to started / completed;
- breaches logged: breach reports logged in Achilles in the month.
A breach's arrest counts once: through its event, never again through its enforcement task.
Each measure is one grouped query over its table; months are calendar months (dates as recorded,
instants in UTC).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app.catalogue import OffenceCategory
from app.extensions import db
from app.offenders.models import DAEvent
from app.orders.models import Breach, Order
from app.referrals.clares_law.models import ClareCase
from app.referrals.programmes.models import ReferralMove
from app.tasking.models import CohortMember, Task

MONTHS = 12
COHORT_WINDOW_DAYS = 182  # six months either side of adoption

MEASURES = {
    "arrests": "Arrests",
    "charges": "Charges",
    "recalls": "Recalls",
    "orders": "Orders obtained",
    "disclosures": "Clare's Law disclosures",
    "programme_starts": "Programme starts",
    "programme_completions": "Programme completions",
    "breaches": "Breaches logged",
}


def month_keys(today: date, months: int = MONTHS) -> list[str]:
    """'YYYY-MM' for the last `months` calendar months, the current one last."""
    year, month = today.year, today.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return keys[::-1]


def month_of(column):
    """The calendar month of a date or timestamp column as 'YYYY-MM', on either engine."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.substr(sa.cast(column, sa.String), 1, 7)


def _grouped(column, *where) -> dict[str, int]:
    month = month_of(column)
    return {m: int(n) for m, n in db.session.execute(sa.select(month, sa.func.count()).where(*where).group_by(month))}


def _add(*counts: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in counts:
        for k, v in c.items():
            out[k] = out.get(k, 0) + v
    return out


@dataclass
class Monthly:
    months: list[str]
    counts: dict[str, dict[str, int]]  # measure -> month -> count

    def total(self, measure: str) -> int:
        return sum(self.counts[measure].get(m, 0) for m in self.months)

    def rows(self) -> list[tuple[str, list[int]]]:
        return [(m, [self.counts[k].get(m, 0) for k in MEASURES]) for m in self.months]


def monthly(today: date) -> Monthly:
    """Each measure per month over the last twelve months, from its source tables."""
    months = month_keys(today)
    start = date.fromisoformat(months[0] + "-01")
    until = today
    events = DAEvent.occurred_on.between(start, until)
    done = sa.and_(Task.status == "done", Task.breach_id.is_(None), sa.func.date(Task.completed_at) >= start)
    counts = {
        "arrests": _add(
            _grouped(DAEvent.occurred_on, events, DAEvent.outcome == "arrest"),
            _grouped(Task.completed_at, done, Task.outcome == "arrested"),
        ),
        "charges": _add(
            _grouped(DAEvent.occurred_on, events, DAEvent.outcome == "charge"),
            _grouped(Task.completed_at, done, Task.outcome == "charged"),
        ),
        "recalls": _add(
            _grouped(Breach.occurred_at, sa.func.date(Breach.occurred_at) >= start, Breach.outcome == "recall"),
            _grouped(Task.completed_at, done, Task.outcome == "recalled"),
        ),
        "orders": _grouped(
            sa.func.coalesce(Order.made_on, Order.starts_on),
            sa.func.coalesce(Order.made_on, Order.starts_on).between(start, until),
        ),
        "disclosures": _grouped(ClareCase.disclosure_on, ClareCase.disclosure_on.between(start, until)),
        "programme_starts": _grouped(
            ReferralMove.moved_on, ReferralMove.to_state == "started", ReferralMove.moved_on.between(start, until)
        ),
        "programme_completions": _grouped(
            ReferralMove.moved_on, ReferralMove.to_state == "completed", ReferralMove.moved_on.between(start, until)
        ),
        "breaches": _grouped(Breach.logged_at, sa.func.date(Breach.logged_at) >= start),
    }
    return Monthly(months=months, counts={k: {m: v for m, v in c.items() if m in months} for k, c in counts.items()})


@dataclass
class CohortHarm:
    member: CohortMember
    before: int  # harm days of DA events as suspect in the six months up to adoption
    after: int  # the same in the six months after (so far)
    days_after: int  # how much of the six months after has passed

    @property
    def complete(self) -> bool:
        return self.days_after >= COHORT_WINDOW_DAYS


@dataclass
class CohortSummary:
    rows: list[CohortHarm] = field(default_factory=list)

    def totals(self, *, complete_only: bool) -> tuple[int, int, int]:
        chosen = [r for r in self.rows if r.complete or not complete_only]
        return len(chosen), sum(r.before for r in chosen), sum(r.after for r in chosen)

    @staticmethod
    def change(before: int, after: int) -> int | None:
        return None if before == 0 else round(100 * (after - before) / before)


def cohort_harm(today: date) -> CohortSummary:
    """Harm days before and after adoption for every cohort membership: two queries."""
    members = list(
        db.session.scalars(
            sa.select(CohortMember).options(sa.orm.joinedload(CohortMember.person)).order_by(CohortMember.adopted_on)
        )
    )
    if not members:
        return CohortSummary()
    window = timedelta(days=COHORT_WINDOW_DAYS)
    earliest = min(m.adopted_on for m in members) - window
    ids = {m.person_id for m in members}
    events: dict[int, list[tuple[date, int]]] = {}
    for suspect_id, occurred_on, harm in db.session.execute(
        sa.select(DAEvent.suspect_id, DAEvent.occurred_on, OffenceCategory.harm_days)
        .join(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .where(DAEvent.suspect_id.in_(ids), DAEvent.occurred_on > earliest, DAEvent.occurred_on <= today)
    ):
        events.setdefault(suspect_id, []).append((occurred_on, harm))
    rows = []
    for m in members:
        mine = events.get(m.person_id, [])
        before = sum(h for on, h in mine if m.adopted_on - window < on <= m.adopted_on)
        after = sum(h for on, h in mine if m.adopted_on < on <= min(m.adopted_on + window, today))
        rows.append(CohortHarm(m, before, after, max(0, min((today - m.adopted_on).days, COHORT_WINDOW_DAYS))))
    return CohortSummary(rows)
