"""Model factories for tests: small, explicit, synthetic data only."""

import itertools
from datetime import date

import sqlalchemy as sa

from app.audit.services import Actor
from app.auth import services as auth_services
from app.auth.models import User
from app.extensions import db
from app.offenders.models import DAEvent, Lever, Person, PersonCategory
from app.orders.models import Order, OrderCondition

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(username: str | None = None, *roles: str, team: str | None = None) -> User:
    username = username or f"user{next(_counter)}"
    roles = roles or ("officer",)
    return auth_services.create_user(username, list(roles), PASSWORD, actor=Actor("test-setup"), team=team)


def make_person(ref: str | None = None, **values) -> Person:
    n = next(_counter)
    person = Person(
        ref=ref or f"P{n:05d}",
        surname=values.pop("surname", f"Testperson{n}"),
        forenames=values.pop("forenames", "Alex"),
        version_id=1,
        **values,
    )
    db.session.add(person)
    db.session.commit()
    return person


def make_event(
    suspect: Person, victim: Person, occurred_on: date, offence: str = "common_assault", **values
) -> DAEvent:
    event = DAEvent(
        ref=values.pop("ref", f"E{next(_counter):06d}"),
        occurred_on=occurred_on,
        offence=offence,
        suspect_id=suspect.id,
        victim_id=victim.id,
        relationship_type=values.pop("relationship_type", "partner"),
        source=values.pop("source", "import"),
        version_id=1,
        **values,
    )
    db.session.add(event)
    for person, category in ((suspect, "suspect"), (victim, "victim")):
        if not db.session.get(PersonCategory, (person.id, category)):
            db.session.add(PersonCategory(person_id=person.id, category=category))
    db.session.commit()
    return event


def make_order(
    subject: Person,
    protected: Person,
    order_type: str = "non_molestation",
    *,
    starts_on: date,
    ends_on: date | None = None,
    conditions=("Not to contact the protected person",),
    **values,
) -> Order:
    order = Order(
        ref=values.pop("ref", f"O{next(_counter):05d}"),
        order_type=order_type,
        subject_id=subject.id,
        starts_on=starts_on,
        ends_on=ends_on,
        version_id=1,
        **values,
    )
    order.protected_persons = [protected]
    order.conditions = [OrderCondition(number=i, text=t) for i, t in enumerate(conditions, 1)]
    db.session.add(order)
    db.session.commit()
    return order


def make_lever(person: Person, lever: str, noted_on: date, active: bool = True, detail: str | None = None) -> Lever:
    row = Lever(person_id=person.id, lever=lever, noted_on=noted_on, active=active, detail=detail, version_id=1)
    db.session.add(row)
    db.session.commit()
    return row


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))
