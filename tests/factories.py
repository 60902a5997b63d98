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


# ---- referrals: programme referrals, forum referrals, Clare's Law cases (referrals issue) ---------

REFERRAL_PATHS = {
    "identified": (),
    "referred": ("referred",),
    "screened": ("referred", "screened"),
    "accepted": ("referred", "screened", "accepted"),
    "declined": ("referred", "screened", "declined"),
    "started": ("referred", "screened", "accepted", "started"),
    "completed": ("referred", "screened", "accepted", "started", "completed"),
    "dropped_out": ("referred", "screened", "accepted", "started", "dropped_out"),
    "withdrawn": ("withdrawn",),
}


def make_referral(person: Person, state: str = "identified", *, programme: str = "drive", on: date | None = None):
    """A programme referral walked to `state` through the real moves service."""
    from app.referrals.programmes import services as referrals
    from app.referrals.programmes.models import SCREENING_ITEMS

    actor = Actor("test-setup")
    referral = referrals.identify(person, actor=actor, identified_on=on)
    for to_state in REFERRAL_PATHS[state]:
        if to_state == "completed":  # a programme is completed only after a session attended
            referrals.add_attendance(
                referral, session_on=on or referral.state_on, attendance="attended", note=None, actor=actor
            )
        referrals.move(
            referral,
            to_state,
            moved_on=on or referral.state_on,
            reason="Set up for a test" if to_state in ("declined", "dropped_out", "withdrawn") else None,
            programme_code=programme if to_state == "referred" else None,
            screening={code: "yes" for code in SCREENING_ITEMS} if to_state == "screened" else None,
            expected_version=referral.version_id,
            actor=actor,
        )
    return referral


def make_forum_referral(forum: str = "marac", *, at_risk=None, perpetrator=None, criterion=None, referred_on=None):
    from app.base import today
    from app.referrals.forums import services as forums

    values = forums.ForumInput(
        forum=forum,
        person_at_risk_ref=at_risk.ref if at_risk else None,
        perpetrator_ref=perpetrator.ref if perpetrator else None,
        criterion=criterion or ("professional_judgement" if forum == "marac" else None),
        reason="Set up for a test",
        referred_on=referred_on or today(),
    )
    return forums.create_forum_referral(values, actor=Actor("test-setup"))


def make_clare_case(subject: Person, at_risk: Person, *, route: str = "know", application_on: date, **values):
    from app.referrals.clares_law import services as clares_law

    if route == "ask":
        values.setdefault("applicant_name", "Rowan Testapplicant")
        values.setdefault("applicant_relationship", "parent")
    case_input = clares_law.CaseInput(
        route=route, subject_ref=subject.ref, person_at_risk_ref=at_risk.ref, application_on=application_on, **values
    )
    return clares_law.create_case(case_input, actor=Actor("test-setup"))


# ---- tasking (tasks) ----------------------------------------------------------------------------


def make_task(person: Person, *, owner: User | None = None, team=None, **values):
    """A task stored directly (no audit entry): for tests that need tasks to exist."""
    from datetime import timedelta

    from app.base import utcnow
    from app.tasking.models import Task

    task = Task(
        task_type=values.pop("task_type", "arrest"),
        title=values.pop("title", f"Arrest {person.full_name}"),
        person_id=person.id,
        owner_id=owner.id if owner else None,
        team_id=team.id if team is not None else (owner.team_id if owner else None),
        due_at=values.pop("due_at", utcnow() + timedelta(days=3)),
        priority=values.pop("priority", "normal"),
        status=values.pop("status", "open"),
        version_id=1,
        **values,
    )
    db.session.add(task)
    db.session.commit()
    return task


def compute_network_findings(**values):
    """Compute and store the network findings now, as the nightly job does (the network pages
    read what it stores)."""
    from app.network.findings import compute_findings

    return compute_findings(trigger=values.pop("trigger", "manual"), actor=Actor("test-setup"), **values)
