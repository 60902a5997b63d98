"""Releases from custody that need planning: 14 days before the expected release of anyone ranked in
the top 100 before custody, or the subject of an order protecting a victim, supervisors get a
pre-release task (asked of tasking through app.signals). Run daily by the scheduler."""

from datetime import date, timedelta

import sqlalchemy as sa

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.extensions import db
from app.offenders.custody import services as custody
from app.offenders.custody.models import CustodyPeriod
from app.offenders.models import Person
from app.orders.models import Order
from app.ranking import current
from app.ranking.models import ScoreRow, ScoreRun

NOTICE_DAYS = 14
TOP_BEFORE_CUSTODY = 100


def place_before_custody(period: CustodyPeriod) -> int | None:
    """The person's place in the last full ranking (one that was the target list) as of a day before
    custody began; with none that old, their place in the current list, where time inside has not
    aged their events (scoring model v2) so it is the place they held going in."""
    run_id = db.session.scalar(
        sa.select(ScoreRun.id)
        .where(ScoreRun.partial.is_(False), ScoreRun.listed.is_(True), ScoreRun.as_of < period.custody_from)
        .order_by(ScoreRun.as_of.desc(), ScoreRun.id.desc())
        .limit(1)
    )
    if run_id is None:
        return current.position_of(period.person_id)
    return db.session.scalar(
        sa.select(ScoreRow.position).where(ScoreRow.run_id == run_id, ScoreRow.person_id == period.person_id)
    )


def protective_orders(person_id: int, day: date) -> list[Order]:
    """Orders of which the person is the subject that protect someone and are in force on the day."""
    orders = db.session.scalars(
        sa.select(Order).where(Order.subject_id == person_id, Order.starts_on <= day).order_by(Order.starts_on)
    )
    return [order for order in orders if order.in_force_on(day) and order.protected_persons]


def reasons_for(period: CustodyPeriod) -> list[str]:
    reasons = []
    place = place_before_custody(period)
    if place is not None and place <= TOP_BEFORE_CUSTODY:
        reasons.append(f"ranked {place} on the target list before custody")
    for order in protective_orders(period.person_id, period.expected_release_on):
        reasons.append(f"subject of {order.type.label} {order.ref}, in force on release, protecting a victim")
    return reasons


def raise_pre_release_tasks(today: date, *, actor: Actor) -> int:
    """Ask for a pre-release task for each expected release from today to 14 days ahead that needs
    one and has not had one for that day; returns how many were raised."""
    raised = 0
    for period in custody.releases_between(today, today + timedelta(days=NOTICE_DAYS)):
        reasons = reasons_for(period)
        if not reasons:
            continue
        person = db.session.get(Person, period.person_id)
        if signals.answer(signals.pre_release_task_wanted.send(period, person=person, reasons=reasons, actor=actor)):
            custody.mark_release_task(period, period.expected_release_on)
            raised += 1
    audit.record("create", f"{raised} pre-release task(s) asked for", object_type="task", actor=actor)
    db.session.commit()
    return raised
