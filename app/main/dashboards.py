"""The home page's dashboards, one per role: read-only counts, each from one or two grouped
queries whatever the size of the force, each linking to the list it counts.

- supervisor: overdue and due-today tasks by officer; breaches not yet actioned; orders ending in
  the next 7 days; releases due from custody; alerts; movers in the target
  list since the run before the latest;
- officer: my tasks due today, my overdue tasks, breaches I logged awaiting an outcome;
- referral: programme referrals waiting at each step;
- analyst: data freshness (latest event, last import), the last full ranking, records due review.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.alerts.models import Alert
from app.alerts.services import alerts_for
from app.audit.models import AuditEntry
from app.auth.models import User
from app.base import local_time, utcnow
from app.catalogue import BREACH_OFFENCES
from app.extensions import db
from app.offenders.custody import services as custody
from app.offenders.levers.services import BREACH_LEVER_DAYS
from app.offenders.models import DAEvent, Person
from app.orders.models import Breach, Order
from app.ranking import services as ranking
from app.ranking.models import ScoreRow
from app.referrals.programmes.models import OPEN_STATES, ProgrammeReferral
from app.tasking.models import Task
from app.tasking.tasks.rules import OPEN_STATUSES, deferral_in_effect, pending_clause

ORDERS_ENDING_DAYS = 7
RELEASES_DUE_DAYS = 28
MOVERS_TOP = 50
MOVERS_SHOWN = 5
# A breach is acted on once its event's outcome is an arrest or a charge (the scoring's rule).
ACTIONED = ("arrest", "charge")


@dataclass
class OfficerLine:
    owner: User | None
    overdue: int = 0
    due_today: int = 0


@dataclass
class Mover:
    person: Person
    position: int
    before: int | None  # None: new in the top of the list


@dataclass
class SupervisorDashboard:
    team_id: int | None
    by_officer: list[OfficerLine] = field(default_factory=list)
    awaiting_approval: int = 0
    unactioned_breaches: int = 0
    orders_ending: int = 0
    releases_due: int | None = None  # persons in custody expected out in 28 days
    alerts: int = 0
    movers: list[Mover] = field(default_factory=list)
    run_as_of: date | None = None
    previous_as_of: date | None = None

    @property
    def overdue(self) -> int:
        return sum(line.overdue for line in self.by_officer)

    @property
    def due_today(self) -> int:
        return sum(line.due_today for line in self.by_officer)


def _end_of(today: date) -> datetime:
    return local_time(today + timedelta(days=1), time(0, 0))


def tasks_by_officer(today: date, now: datetime, *, team_id: int | None) -> list[OfficerLine]:
    """Overdue and due-today open tasks per holder (the team's, if the viewer has one): one query."""
    end = _end_of(today)
    live = sa.not_(deferral_in_effect(today))

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    query = (
        sa.select(Task.owner_id, count(Task.due_at < now), count(sa.and_(Task.due_at >= now, Task.due_at < end)))
        .where(Task.status.in_(OPEN_STATUSES), live, Task.due_at < end)
        .group_by(Task.owner_id)
    )
    if team_id is not None:
        query = query.where(Task.team_id == team_id)
    rows = [r for r in db.session.execute(query).all() if r[1] or r[2]]
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_([r[0] for r in rows if r[0]])))}
    lines = [OfficerLine(users.get(owner_id), int(o), int(d)) for owner_id, o, d in rows]
    return sorted(lines, key=lambda line: (line.owner is None, line.owner.display_name.lower() if line.owner else ""))


def unactioned_breaches_query(today: date):
    """Breaches of the last 90 days whose event is neither an arrest nor a charge (the derived lever)."""
    return (
        sa.select(Breach)
        .join(DAEvent, DAEvent.id == Breach.event_id)
        .where(
            DAEvent.offence.in_(BREACH_OFFENCES),
            DAEvent.occurred_on >= today - timedelta(days=BREACH_LEVER_DAYS),
            DAEvent.occurred_on <= today,
            sa.or_(DAEvent.outcome.is_(None), DAEvent.outcome.not_in(ACTIONED)),
        )
    )


def awaiting_outcome_query(user: User):
    """Breaches the user logged that have no outcome recorded yet."""
    return sa.select(Breach).where(Breach.logged_by_id == user.id, Breach.outcome.is_(None))


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def movers(today: date) -> tuple[list[Mover], date | None, date | None]:
    """Who moved up into or within the top of the latest full ranking since the run before it:
    the top rows joined to the same persons' rows of the run before (one indexed query)."""
    run = ranking.latest_full_run()
    if run is None:
        return [], None, None
    previous_run = ranking.latest_full_run(before=run)
    if previous_run is None:
        return [], run.as_of, None
    before = sa.orm.aliased(ScoreRow)
    rows = db.session.execute(
        sa.select(ScoreRow.person_id, ScoreRow.position, before.position)
        .outerjoin(before, sa.and_(before.run_id == previous_run.id, before.person_id == ScoreRow.person_id))
        .where(ScoreRow.run_id == run.id, ScoreRow.position <= MOVERS_TOP)
    ).all()
    # Up the list, biggest climb first (someone not ranked before climbed furthest), then by position.
    moved = [(pid, pos, prev) for pid, pos, prev in rows if prev is None or prev > pos]
    moved.sort(key=lambda m: (-((m[2] or 10**9) - m[1]), m[1]))
    shown = moved[:MOVERS_SHOWN]
    people = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_([m[0] for m in shown])))}
    return [Mover(people[pid], pos, prev) for pid, pos, prev in shown if pid in people], run.as_of, previous_run.as_of


def releases_due(today: date) -> int:
    """Persons in custody expected out in the next 28 days (the target list's custody view)."""
    return custody.releases_due(today, RELEASES_DUE_DAYS)


def supervisor(user: User, today: date, now: datetime | None = None) -> SupervisorDashboard:
    now = now or utcnow()
    team_id = user.team_id
    board = SupervisorDashboard(team_id=team_id)
    board.by_officer = tasks_by_officer(today, now, team_id=team_id)
    board.awaiting_approval = _count(sa.select(Task.id).where(pending_clause()))
    board.unactioned_breaches = _count(unactioned_breaches_query(today))
    board.orders_ending = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(
            Order.ends_on.between(today, today + timedelta(days=ORDERS_ENDING_DAYS)),
            Order.starts_on <= today,
            sa.or_(Order.revoked_on.is_(None), Order.revoked_on > today),
        )
    )
    board.releases_due = releases_due(today)
    board.alerts = _count(alerts_for(user))
    board.movers, board.run_as_of, board.previous_as_of = movers(today)
    return board


@dataclass
class OfficerDashboard:
    due_today: int
    overdue: int
    awaiting_outcome: int
    team_to_take: int


def officer(user: User, today: date, now: datetime | None = None) -> OfficerDashboard:
    now = now or utcnow()
    end = _end_of(today)
    live = sa.not_(deferral_in_effect(today))

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    mine = db.session.execute(
        sa.select(count(Task.due_at < now), count(sa.and_(Task.due_at >= now, Task.due_at < end))).where(
            Task.owner_id == user.id, Task.status.in_(OPEN_STATUSES), live
        )
    ).one()
    to_take = 0
    if user.team_id is not None:
        to_take = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Task)
            .where(Task.owner_id.is_(None), Task.team_id == user.team_id, Task.status.in_(OPEN_STATUSES))
        )
    return OfficerDashboard(
        due_today=int(mine[1]),
        overdue=int(mine[0]),
        awaiting_outcome=_count(awaiting_outcome_query(user)),
        team_to_take=to_take,
    )


def referral_steps() -> dict[str, int]:
    """Open programme referrals at each step: one grouped query."""
    found = dict(
        db.session.execute(
            sa.select(ProgrammeReferral.state, sa.func.count())
            .where(ProgrammeReferral.state.in_(OPEN_STATES))
            .group_by(ProgrammeReferral.state)
        ).all()
    )
    return {state: int(found.get(state, 0)) for state in OPEN_STATES}


@dataclass
class AnalystDashboard:
    latest_event_on: date | None
    latest_event_recorded: datetime | None
    last_import: AuditEntry | None
    last_full_run: object | None
    records_due_review: int


def analyst(user: User) -> AnalystDashboard:
    latest_on, latest_recorded = db.session.execute(
        sa.select(sa.func.max(DAEvent.occurred_on), sa.func.max(DAEvent.created_at))
    ).one()
    if isinstance(latest_recorded, str):  # SQLite returns max() of a timestamp as text
        latest_recorded = datetime.fromisoformat(latest_recorded)
    last_import = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id.desc()).limit(1)
    )
    return AnalystDashboard(
        latest_event_on=latest_on if not isinstance(latest_on, str) else date.fromisoformat(latest_on),
        latest_event_recorded=latest_recorded,
        last_import=last_import,
        last_full_run=ranking.latest_full_run(),
        records_due_review=_count(alerts_for(user).where(Alert.kind == "record_review")),
    )
