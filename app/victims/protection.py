"""Orders protecting a victim: read for the victim page, and the daily job that raises a task to
contact each protected person 7 days before their order ends.

The task is raised through tasking's service, once per order and protected person (whatever later
happens to it), when the order is in force and ends within 7 days: on the 7th day before the end,
or on the first run after an order already that close is recorded. It is held by the officer who
last logged a contact with the victim (their DALO), if still active; otherwise it waits on the
board for a supervisor to allocate. It is due by 17:00 UK time two days after it is raised, and
never later than 17:00 on the day before the order ends (nor sooner than four hours from now).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import local_time, local_today, utcnow
from app.extensions import db
from app.offenders.models import Person
from app.orders.expiry import expiring_orders
from app.orders.models import Order, order_protected_persons
from app.tasking.models import Task
from app.tasking.tasks import requests as tasking
from app.tasking.tasks.rules import TASK_OWNER_ROLES
from app.victims.contacts.services import latest_contact_user

CONTACT_BEFORE_END_DAYS = 7
DUE_AFTER_DAYS = 2
DUE_AT = time(17, 0)


def contact_due_at(order: Order, today: date, now: datetime | None = None) -> datetime:
    """17:00 two days after today, but no later than 17:00 the day before the order ends, and never
    sooner than four hours from now."""
    now = now or utcnow()
    day = min(today + timedelta(days=DUE_AFTER_DAYS), order.ends_on - timedelta(days=1))
    return max(local_time(day, DUE_AT), now + timedelta(hours=4))


def _dalo(victim: Person) -> User | None:
    user_id = latest_contact_user(victim)
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and user.active and user.has_any_role(*TASK_OWNER_ROLES) else None


def raise_contact_tasks(as_of: date, *, actor: Actor) -> int:
    """For every order in force ending within 7 days of `as_of`, a task to contact each person it
    protects, unless one was raised for that order and person before. Returns how many were raised."""
    raised = 0
    orders = expiring_orders(as_of, CONTACT_BEFORE_END_DAYS)
    held = tasking.victim_contact_tasks([o.id for o in orders])
    for order in orders:
        for victim in order.protected_persons:
            if (order.id, victim.id) in held:
                continue
            _, new = tasking.raise_victim_contact_task(
                order, victim, due_at=contact_due_at(order, as_of), owner=_dalo(victim), actor=actor
            )
            raised += new
    audit.record(
        "create",
        f"{raised} victim-contact task(s) raised for orders ending within {CONTACT_BEFORE_END_DAYS} days",
        object_type="task",
        actor=actor,
    )
    db.session.commit()
    return raised


@dataclass
class ProtectingOrder:
    order: Order
    in_force: bool
    ends_in_days: int | None  # None: until further order
    contact_task: Task | None


def orders_protecting(person: Person, as_of: date | None = None) -> list[ProtectingOrder]:
    """The orders that protect this person, in force first and the soonest to end first, each with
    the contact task raised before its end, if any."""
    as_of = as_of or local_today()
    orders = list(
        db.session.scalars(
            sa.select(Order)
            .join(order_protected_persons, order_protected_persons.c.order_id == Order.id)
            .where(order_protected_persons.c.person_id == person.id)
            .options(selectinload(Order.subject))
        )
    )
    tasks = tasking.victim_contact_tasks([o.id for o in orders])
    rows = [
        ProtectingOrder(
            order=o,
            in_force=o.in_force_on(as_of),
            ends_in_days=(o.ends_on - as_of).days if o.ends_on else None,
            contact_task=tasks.get((o.id, person.id)),
        )
        for o in orders
    ]
    far = date.max.toordinal()
    return sorted(rows, key=lambda r: (not r.in_force, r.order.ends_on.toordinal() if r.order.ends_on else far))
