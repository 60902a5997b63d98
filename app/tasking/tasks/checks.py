"""The checks a new or changed task must pass: its person, order and breach, due time, owner and team."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.auth.models import Team, User
from app.base import (
    local_date,
    local_time,
    stripped,
    utcnow,
)
from app.catalogue import LeverType
from app.extensions import db
from app.offenders.models import Person
from app.orders.models import Breach, Order
from app.tasking.tasks.rules import (
    TASK_OWNER_ROLES,
    is_supervisor,
)

# open -> in_progress -> done | cancelled; open may go straight to done or cancelled.


def due_moment(
    due_on: date | None, due_time: time | None, *, now: datetime | None = None
) -> tuple[datetime | None, str | None]:
    """The due instant (UK local time, stored UTC) from a date and an optional time; or an error."""
    now = now or utcnow()
    today = local_date(now)
    if due_on is None:
        return None, "Enter the date the task is due."
    if due_on < today:
        return None, "The due date has passed: give today or a later date."
    if due_on > today + timedelta(days=MAX_DUE_DAYS):
        return None, f"Give a due date within {MAX_DUE_DAYS} days."
    at = due_time
    if at is None:
        at = DEFAULT_DUE_TIME
        if local_time(due_on, at) <= now:
            at = LATEST_DUE_TIME  # due today after five: by the end of the day
    moment = local_time(due_on, at)
    if moment <= now and due_time is not None:
        return None, "That time today has passed: give a later time."
    return moment, None


def owner_and_team(owner_id, team_id, *, user: User, errors: dict) -> tuple[User | None, Team | None]:
    owner = team = None
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.active or not owner.has_any_role(*TASK_OWNER_ROLES):
            errors["owner"] = "Choose an officer or supervisor from the list."
            owner = None
    if team_id is not None:
        team = db.session.get(Team, team_id)
        if team is None:
            errors["team"] = "Choose a team from the list."
    if not is_supervisor(user) and "owner" not in errors:
        # Officers raise tasks for themselves; allocating work to others is the supervisor's job.
        if owner is not None and owner.id != user.id:
            errors["owner"] = "You can raise tasks only for yourself: a supervisor allocates tasks to others."
        owner, team = user, user.team
        errors.pop("team", None)
    if team is None and owner is not None and "team" not in errors:
        team = owner.team
    if owner is None and team is None and not errors:
        errors["owner"] = "Choose the officer who will do it, or a team to allocate it later."
    return owner, team


def check_person_link(person: Person, order: Order | None, breach: Breach | None, errors: dict) -> None:
    def concerns(o: Order) -> bool:
        return o.subject_id == person.id or any(p.id == person.id for p in o.protected_persons)

    if order is not None and not concerns(order):
        errors["order_ref"] = f"Order {order.ref} is not about {person.full_name} ({person.ref})."
    if breach is not None and not concerns(breach.order):
        errors["breach_ref"] = f"Breach {breach.ref} is not about {person.full_name} ({person.ref})."


def records_named(values: "TaskInput", errors: dict) -> tuple[Person | None, Order | None, Breach | None]:
    """The person, order and breach a new task names by reference (a breach brings its order)."""
    person = None
    person_ref = stripped(values.person_ref)
    if not person_ref:
        errors["person_ref"] = "Enter the person reference of the person the task is about."
    else:
        person = db.session.scalar(sa.select(Person).where(Person.ref == person_ref))
        if person is None:
            errors["person_ref"] = f"No person has the reference {person_ref[:MAX_REF]}."
    order = breach = None
    order_ref = stripped(values.order_ref)
    if order_ref:
        order = db.session.scalar(
            sa.select(Order).where(Order.ref == order_ref).options(selectinload(Order.protected_persons))
        )
        if order is None:
            errors["order_ref"] = f"No order has the reference {order_ref[:MAX_REF]}."
    breach_ref = stripped(values.breach_ref)
    if breach_ref:
        breach = db.session.scalar(sa.select(Breach).where(Breach.ref == breach_ref))
        if breach is None:
            errors["breach_ref"] = f"No breach has the reference {breach_ref[:MAX_REF]}."
        elif order is None:
            order = breach.order
    return person, order, breach


MAX_REF = 64


def check_lever(task_type: str | None, lever: str | None, errors: dict) -> str | None:
    """The lever a lever-action task is about: a recorded lever from the catalogue, or none."""
    lever = stripped(lever)
    if not lever:
        return None
    known = db.session.get(LeverType, lever)
    if known is None or known.derived:
        errors["lever"] = "Choose a lever from the list."
        return None
    if task_type != "lever_action":
        errors["lever"] = "Name a lever only for a lever action."
        return None
    return lever


MAX_DUE_DAYS = 366


DEFAULT_DUE_TIME = time(17, 0)


LATEST_DUE_TIME = time(23, 59)


@dataclass
class TaskInput:
    task_type: str | None
    title: str | None
    person_ref: str | None
    due_on: date | None
    due_time: time | None = None
    priority: str | None = "normal"
    detail: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    order_ref: str | None = None
    breach_ref: str | None = None
    meeting_id: int | None = None
    referral_ref: str | None = None
    lever: str | None = None
