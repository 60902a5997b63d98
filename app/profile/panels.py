"""The profile as a working page: what is live about the person now (orders in force with their
conditions, open tasks, open referrals and Clare's Law cases, the managed cohort, custody), read
from each owner in a fixed number of queries, above the timeline."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.offenders.models import Person
from app.orders.models import Order
from app.referrals.clares_law.models import ClareCase
from app.referrals.forums.models import ForumReferral
from app.referrals.programmes import services as programmes
from app.tasking.cohort import services as cohort
from app.tasking.models import CohortMember, Task
from app.tasking.tasks import rules

# The timeline's kinds, in the order the filter offers them.
TIMELINE_KINDS = {
    "event": "DA events",
    "breach": "Breaches",
    "order": "Orders",
    "lever": "Levers",
    "task": "Tasks",
    "referral": "Referrals",
}
# The endpoint of "Record custody" (the custody panel itself is offenders/_custody.html).
CUSTODY_ENDPOINT = "offenders.new_custody"


@dataclass
class Panels:
    orders_in_force: list[Order] = field(default_factory=list)  # the person is the subject
    protecting: list[Order] = field(default_factory=list)  # the person is protected
    open_tasks: list[Task] = field(default_factory=list)
    overdue_ids: set[int] = field(default_factory=set)
    programme_referral: object | None = None
    forum_referrals: list[ForumReferral] = field(default_factory=list)
    clare_cases: list[ClareCase] = field(default_factory=list)
    cohort: CohortMember | None = None


def panels(
    person: Person, *, as_of: date, can_read_clare: bool, held_orders: list[Order], held_tasks: list[Task]
) -> Panels:
    """The panels, from the orders and tasks the profile has already read (no second reading)."""
    in_force = [o for o in held_orders if o.in_force_on(as_of)]
    if in_force:
        # Conditions for every order in force in one query (the list above did not load them).
        db.session.scalars(
            sa.select(Order).where(Order.id.in_([o.id for o in in_force])).options(selectinload(Order.conditions))
        ).all()
    found = Panels(
        orders_in_force=sorted(
            (o for o in in_force if o.subject_id == person.id), key=lambda o: (o.ends_on is None, o.ends_on or as_of)
        ),
        protecting=[o for o in in_force if o.subject_id != person.id],
        open_tasks=sorted((t for t in held_tasks if t.status in rules.OPEN_STATUSES), key=lambda t: (t.due_at, t.id)),
        programme_referral=programmes.open_referral_of(person),
        forum_referrals=list(
            db.session.scalars(
                sa.select(ForumReferral)
                .where(
                    sa.or_(ForumReferral.perpetrator_id == person.id, ForumReferral.person_at_risk_id == person.id),
                    ForumReferral.outcome.is_(None),
                )
                .order_by(ForumReferral.referred_on.desc())
            )
        ),
        cohort=cohort.open_membership(person.id),
    )
    found.overdue_ids = {t.id for t in found.open_tasks if rules.is_overdue(t)}
    if can_read_clare:
        found.clare_cases = list(
            db.session.scalars(
                sa.select(ClareCase)
                .where(
                    sa.or_(ClareCase.subject_id == person.id, ClareCase.person_at_risk_id == person.id),
                    ClareCase.closed_on.is_(None),
                )
                .order_by(ClareCase.application_on)
            )
        )
    return found


def filter_timeline(items: list, kinds: list[str]) -> list:
    """The timeline items of the kinds asked for (all of them when none, or none known, is asked)."""
    wanted = {k for k in kinds if k in TIMELINE_KINDS}
    return [i for i in items if i.kind in wanted] if wanted else items
