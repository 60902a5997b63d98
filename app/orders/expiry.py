"""The protection gap: orders about to end, an application task for a new order, and the daily
expiry alerts to supervisors."""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import signals
from app.alerts.models import Alert
from app.alerts.services import raise_alert
from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import (
    local_today,
)
from app.extensions import db
from app.orders.models import Order
from app.orders.services import PROTECTION_GAP_DAYS, in_force_clause

# References made by Achilles start with this; the import refuses it, so the two never collide.


def expiring_orders(as_of: date | None = None, days: int = PROTECTION_GAP_DAYS) -> list[Order]:
    """Orders in force on `as_of` (not revoked) whose end date falls within `days` days of it."""
    as_of = as_of or local_today()
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(in_force_clause(as_of), Order.ends_on.is_not(None), Order.ends_on <= as_of + timedelta(days=days))
            .options(selectinload(Order.subject), selectinload(Order.protected_persons))
            .order_by(Order.ends_on, Order.ref)
        )
    )


def open_application_tasks(order_ids: list[int]) -> dict:
    """The open order-application task of each order, if one has been raised (asked of tasking)."""
    tasks = signals.answer(
        signals.tasks_wanted.send("order", ids=order_ids, task_type="order_application", open_only=True), {}
    )
    return {order_id: found[-1] for order_id, found in tasks.items()}


def raise_application_task(order: Order, *, user: User):
    """Ask tasking for an "apply for a new order" task for an order about to end: (task, raised now)."""
    return signals.answer(signals.order_application_wanted.send(order, user=user))


def view_expiring(orders: list[Order], *, actor: Actor | None = None) -> None:
    audit.record(
        "search",
        f"viewed orders ending within {PROTECTION_GAP_DAYS} days ({len(orders)})",
        object_type="order",
        data={"orders": [o.ref for o in orders]},
        actor=actor,
    )
    db.session.commit()


def raise_expiry_alerts(as_of: date, *, actor: Actor, days: int = PROTECTION_GAP_DAYS) -> list[Alert]:
    """Raise an "order_expiring" alert for supervisors for each order ending within `days` days.

    Called daily by the scheduler. One alert per order and end date: a repeated run raises none,
    and an order whose end date is varied gets a new alert for its new date. Returns the alerts
    raised by this call.
    """
    orders = expiring_orders(as_of, days)
    if not orders:
        return []
    raised = []
    for order in orders:
        left = (order.ends_on - as_of).days
        alert = raise_alert(
            kind="order_expiring",
            object_type="order",
            object_ref=order.ref,
            due_on=order.ends_on,
            message=(
                f"{order.type.label} {order.ref} (subject {order.subject.full_name}, {order.subject.ref}) ends on "
                f"{order.ends_on:%d %b %Y}, "
                + ("today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}")
                + ". Consider applying for a new order."
            ),
            role="supervisor",
        )
        if alert is not None:
            raised.append(alert)
    if not raised:
        return []
    audit.record(
        "create",
        f"raised {len(raised)} order-expiry alert{'s' if len(raised) != 1 else ''} as of {as_of.isoformat()}",
        object_type="alert",
        data={"as_of": as_of, "orders": [a.object_ref for a in raised]},
        actor=actor,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another run raised the same alerts between our check and our insert: theirs stand.
        db.session.rollback()
        return []
    return raised
