"""The outcomes page: what tasking produced in a period, in total, by team and by officer.

Sources, so that every number can be traced:
- breaches logged: breach reports logged in the period (Breach.logged_at), counted for the officer
  who logged them and that officer's team;
- arrests, charges, recalls, orders obtained, referrals, disclosures: tasks completed in the
  period with that outcome, counted for the task's holder and the task's team (the holder's team
  when the task has none);
- tasks done on time: tasks completed in the period at or before their due time, of all tasks
  completed in the period.
The period runs from 00:00 on the first day to 24:00 on the last, UK local time.
"""

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import Team, User
from app.base import local_time, local_today
from app.extensions import db
from app.orders.models import Breach
from app.tasking.models import Task

DEFAULT_DAYS = 28
EARLIEST = date(2000, 1, 1)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The measures, in the order the page shows them; the outcome codes are catalogue.TASK_OUTCOMES.
OUTCOME_MEASURES = {
    "arrested": "Arrests",
    "charged": "Charges",
    "recalled": "Recalls",
    "order_obtained": "Orders obtained",
    "referral_made": "Referrals",
    "disclosure_made": "Disclosures",
}
MEASURES = {"breaches": "Breaches logged", **OUTCOME_MEASURES}
NO_TEAM = "No team"
NOT_ALLOCATED = "Not allocated"


class PeriodError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def check_period(start: date | None, end: date | None, *, today: date | None = None) -> tuple[date, date]:
    """The period asked for, with the default (the last 28 days) for a date left out."""
    today = today or local_today()
    end = end or today
    start = start or (end - timedelta(days=DEFAULT_DAYS - 1))
    errors = {}
    if end > today:
        errors["end"] = "The period cannot end after today."
    if start < EARLIEST:
        errors["start"] = f"Give a start date from {EARLIEST:%d %b %Y}."
    elif start > end:
        errors["start"] = "The start date must be on or before the end date."
    if errors:
        raise PeriodError(errors)
    return start, end


@dataclass
class Counts:
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    done: int = 0
    done_on_time: int = 0

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.done_on_time / self.done) if self.done else None

    @property
    def results(self) -> int:
        """Arrests, charges, recalls, orders, referrals and disclosures together."""
        return sum(self.values[k] for k in OUTCOME_MEASURES)

    def add(self, other: "Counts") -> None:
        for k, v in other.values.items():
            self.values[k] += v
        self.done += other.done
        self.done_on_time += other.done_on_time

    @property
    def empty(self) -> bool:
        return not any(self.values.values()) and not self.done


@dataclass
class Row:
    label: str
    team: str | None
    counts: Counts


@dataclass
class Outcomes:
    start: date
    end: date
    total: Counts
    by_team: list[Row]
    by_officer: list[Row]


def outcomes(start: date, end: date, *, user: User) -> Outcomes:
    """Count the period's breaches and task outcomes by team and officer (two grouped queries)."""
    since = local_time(start, time(0, 0))
    until = local_time(end + timedelta(days=1), time(0, 0))
    users = {u.id: u for u in db.session.scalars(sa.select(User))}
    teams = {t.id: t.name for t in db.session.scalars(sa.select(Team))}
    officers: dict[int | None, Counts] = {}
    by_team: dict[str, Counts] = {}

    def team_name(team_id):
        return teams.get(team_id, NO_TEAM) if team_id else NO_TEAM

    breaches = db.session.execute(
        sa.select(Breach.logged_by_id, sa.func.count())
        .where(Breach.logged_at >= since, Breach.logged_at < until)
        .group_by(Breach.logged_by_id)
    )
    for user_id, n in breaches:
        officers.setdefault(user_id, Counts()).values["breaches"] += int(n)
        holder = users.get(user_id)
        by_team.setdefault(team_name(holder.team_id if holder else None), Counts()).values["breaches"] += int(n)

    on_time = sa.func.coalesce(sa.func.sum(sa.case((Task.completed_at <= Task.due_at, 1), else_=0)), 0)
    done = db.session.execute(
        sa.select(Task.owner_id, Task.team_id, Task.outcome, sa.func.count(), on_time)
        .where(Task.status == "done", Task.completed_at >= since, Task.completed_at < until)
        .group_by(Task.owner_id, Task.team_id, Task.outcome)
    )
    for owner_id, team_id, outcome, n, n_on_time in done:
        holder = users.get(owner_id)
        team = team_name(team_id or (holder.team_id if holder else None))
        for counts in (officers.setdefault(owner_id, Counts()), by_team.setdefault(team, Counts())):
            if outcome in OUTCOME_MEASURES:
                counts.values[outcome] += int(n)
            counts.done += int(n)
            counts.done_on_time += int(n_on_time)

    total = Counts()
    for counts in by_team.values():
        total.add(counts)
    officer_rows = [
        Row(
            users[uid].display_name if uid in users else NOT_ALLOCATED,
            team_name(users[uid].team_id) if uid in users else None,
            counts,
        )
        for uid, counts in officers.items()
    ]
    result = Outcomes(
        start=start,
        end=end,
        total=total,
        by_team=sorted(
            (Row(name, None, c) for name, c in by_team.items()), key=lambda r: (r.label == NO_TEAM, r.label)
        ),
        by_officer=sorted(officer_rows, key=lambda r: (r.label == NOT_ALLOCATED, r.label.lower())),
    )
    audit.record(
        "view",
        f"viewed tasking outcomes {start.isoformat()} to {end.isoformat()}",
        object_type="outcomes",
        data={"start": start, "end": end, "totals": total.values, "done": total.done, "on_time": total.done_on_time},
        actor=Actor.of(user),
    )
    db.session.commit()
    return result
