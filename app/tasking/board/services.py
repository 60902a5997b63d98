"""Lists of tasks: My tasks and the supervisors' board with workload by officer; raising a hidden-harm
visit task (the list of victims due one is the victims part's, app.victims.visits.need)."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import Team, User
from app.base import (
    local_date,
    local_time,
    local_today,
    utcnow,
)
from app.catalogue import TASK_STATUSES
from app.extensions import db
from app.offenders.models import Person
from app.tasking.models import Task
from app.tasking.tasks.checks import TaskInput
from app.tasking.tasks.rules import (
    OPEN_STATUSES,
    deferred_clause,
    is_deferred,
    is_supervisor,
    overdue_clause,
    pending_clause,
)
from app.tasking.tasks.services import create_task

HIDDEN_HARM_VISIT_DAYS = 90


HIDDEN_HARM_DUE_DAYS = 7


RECENT_DONE_DAYS = 7


@dataclass
class MyTasks:
    overdue: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    put_aside: list[Task] = field(default_factory=list)
    team_unallocated: list[Task] = field(default_factory=list)
    recently_done: list[Task] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.upcoming) + len(self.put_aside)


def my_tasks(user: User, *, now: datetime | None = None) -> MyTasks:
    """The user's open tasks as overdue / due today / upcoming / put aside, their team's tasks that
    nobody holds, and what they finished in the last week. The viewing is audited."""
    now = now or utcnow()
    today = local_date(now)
    result = MyTasks()
    load = (joinedload(Task.person), joinedload(Task.team))
    mine = db.session.scalars(
        sa.select(Task)
        .where(Task.owner_id == user.id, Task.status.in_(OPEN_STATUSES))
        .options(*load)
        .order_by(Task.due_at, Task.id)
    )
    for task in mine:
        if is_deferred(task, today):
            result.put_aside.append(task)
        elif task.due_at < now:
            result.overdue.append(task)
        elif local_date(task.due_at) == today:
            result.due_today.append(task)
        else:
            result.upcoming.append(task)
    if user.team_id is not None and user.has_any_role("officer", "supervisor"):
        result.team_unallocated = list(
            db.session.scalars(
                sa.select(Task)
                .where(Task.owner_id.is_(None), Task.team_id == user.team_id, Task.status.in_(OPEN_STATUSES))
                .options(*load)
                .order_by(Task.due_at, Task.id)
            )
        )
    result.recently_done = list(
        db.session.scalars(
            sa.select(Task)
            .where(
                Task.owner_id == user.id,
                Task.status == "done",
                Task.completed_at >= now - timedelta(days=RECENT_DONE_DAYS),
            )
            .options(*load)
            .order_by(Task.completed_at.desc(), Task.id.desc())
        )
    )
    audit.record(
        "view",
        f"viewed My tasks ({result.open_count} open, {len(result.team_unallocated)} for the team)",
        object_type="task",
        actor=Actor.of(user),
    )
    db.session.commit()
    return result


BOARD_STATUSES = {
    "active": "Open or in progress",
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
    "put_aside": "Put aside now",
    "awaiting_approval": "Put aside: awaiting approval",
    "all": "Any status",
}
BOARD_DUE = {"today": "Due today"}


UNALLOCATED = "none"


WORKLOAD_DONE_DAYS = 28


@dataclass
class BoardFilters:
    team_id: int | None = None
    owner: str | None = None  # a user id as text, or UNALLOCATED
    task_type: str | None = None
    status: str = "active"
    overdue: bool = False
    due: str | None = None  # "today": due today (UK time), open or in progress

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", False)}


@dataclass
class Workload:
    owner: User | None
    team: Team | None  # for the "not allocated" row: which team's pool
    open: int = 0
    in_progress: int = 0
    overdue: int = 0
    put_aside: int = 0
    done_recently: int = 0

    @property
    def active(self) -> int:
        return self.open + self.in_progress


@dataclass
class BoardGroup:
    owner: User | None
    tasks: list[Task]


@dataclass
class Board:
    workload: list[Workload]
    groups: list[BoardGroup]
    total: int
    page: int
    pages: int
    now: datetime


def _board_query(filters: BoardFilters, now: datetime, *, with_status: bool = True):
    query = sa.select(Task)
    if filters.team_id is not None:
        query = query.where(Task.team_id == filters.team_id)
    if filters.owner == UNALLOCATED:
        query = query.where(Task.owner_id.is_(None))
    elif filters.owner:
        query = query.where(Task.owner_id == int(filters.owner))
    if filters.task_type:
        query = query.where(Task.task_type == filters.task_type)
    if with_status:
        if filters.status == "active":
            query = query.where(Task.status.in_(OPEN_STATUSES))
        elif filters.status == "put_aside":
            query = query.where(deferred_clause(local_date(now)))
        elif filters.status == "awaiting_approval":
            query = query.where(pending_clause())
        elif filters.status in TASK_STATUSES:
            query = query.where(Task.status == filters.status)
        if filters.overdue:
            query = query.where(overdue_clause(now))
        if filters.due == "today":
            today = local_date(now)
            query = query.where(
                Task.status.in_(OPEN_STATUSES),
                Task.due_at >= local_time(today, time(0, 0)),
                Task.due_at < local_time(today + timedelta(days=1), time(0, 0)),
                sa.not_(deferred_clause(today)),
            )
    return query


def workload(filters: BoardFilters, now: datetime) -> list[Workload]:
    """Per holder (and one row per team for unallocated tasks): open, in progress, overdue, put aside,
    and done in the last four weeks. Team, officer and type filters apply; status filters do not."""
    today = local_date(now)
    base = _board_query(filters, now, with_status=False).subquery()
    t = sa.orm.aliased(Task, base)
    overdue = overdue_clause(now, t)
    put_aside = deferred_clause(today, t)

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        sa.select(
            t.owner_id,
            t.team_id,
            count(t.status == "open"),
            count(t.status == "in_progress"),
            count(overdue),
            count(put_aside),
            count(sa.and_(t.status == "done", t.completed_at >= now - timedelta(days=WORKLOAD_DONE_DAYS))),
        ).group_by(t.owner_id, t.team_id)
    ).all()
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_({r[0] for r in rows if r[0]})))}
    team_rows = {
        tm.id: tm for tm in db.session.scalars(sa.select(Team).where(Team.id.in_({r[1] for r in rows if r[1]})))
    }
    # A holder's tasks are counted together whatever their team; unallocated ones per team pool.
    by_key: dict[tuple, Workload] = {}
    for owner_id, team_id, o, ip, od, pa, dr in rows:
        key = ("user", owner_id) if owner_id else ("team", team_id)
        row = by_key.setdefault(
            key, Workload(owner=users.get(owner_id), team=None if owner_id else team_rows.get(team_id))
        )
        row.open += int(o)
        row.in_progress += int(ip)
        row.overdue += int(od)
        row.put_aside += int(pa)
        row.done_recently += int(dr)
    out = [w for w in by_key.values() if w.active or w.done_recently]
    return sorted(
        out,
        key=lambda w: (
            w.owner is None,
            (w.owner.display_name.lower() if w.owner else (w.team.name.lower() if w.team else "")),
        ),
    )


def board(
    filters: BoardFilters, *, page: int = 1, per_page: int = 50, user: User, now: datetime | None = None
) -> Board:
    """The supervisors' board: workload per officer and the tasks grouped by holder (one page).

    Within a holder, overdue tasks first, then by due time. The search is audited.
    """
    now = now or utcnow()
    query = _board_query(filters, now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    holder_name = sa.select(User.display_name).where(User.id == Task.owner_id).correlate(Task).scalar_subquery()
    tasks = list(
        db.session.scalars(
            query.options(
                joinedload(Task.person),
                joinedload(Task.owner),
                joinedload(Task.team),
                joinedload(Task.deferred_by),
                joinedload(Task.deferral_approved_by),
            )
            .order_by(
                Task.owner_id.is_(None),
                sa.func.lower(sa.func.coalesce(holder_name, "")),
                Task.owner_id,
                sa.case((overdue_clause(now), 0), else_=1),
                Task.due_at,
                Task.id,
            )
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    groups: list[BoardGroup] = []
    for task in tasks:
        if groups and groups[-1].owner is task.owner:
            groups[-1].tasks.append(task)
        else:
            groups.append(BoardGroup(task.owner, [task]))
    result = Board(workload=workload(filters, now), groups=groups, total=total, page=page, pages=pages, now=now)
    audit.record(
        "search",
        f"viewed the task board ({total} tasks)",
        object_type="task",
        data={"filters": filters.describe(), "page": page, "found": total},
        actor=Actor.of(user),
    )
    db.session.commit()
    return result


def raise_hidden_harm_visit(person: Person, *, user: User) -> tuple[Task, bool]:
    """Raise a DALO visit for a repeat victim: held by the officer who raises it, or the team's to
    allocate when a supervisor does. One open visit per person: an open one is returned instead."""
    held = db.session.scalar(
        sa.select(Task)
        .where(Task.task_type == "hidden_harm_visit", Task.person_id == person.id, Task.status.in_(OPEN_STATUSES))
        .order_by(Task.id)
        .limit(1)
    )
    if held is not None:
        return held, False
    own = not is_supervisor(user) or user.team_id is None
    task = create_task(
        TaskInput(
            task_type="hidden_harm_visit",
            title=f"Hidden-harm visit to {person.full_name}",
            detail=(
                "Repeat victim with no hidden-harm visit in the last "
                f"{HIDDEN_HARM_VISIT_DAYS} days. Visit, check the safety of the household and any children, "
                "and record what was found."
            ),
            person_ref=person.ref,
            due_on=local_today() + timedelta(days=HIDDEN_HARM_DUE_DAYS),
            priority="normal",
            owner_id=user.id if own else None,
            team_id=user.team_id,
        ),
        user=user,
    )
    return task, True
