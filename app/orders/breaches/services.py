"""Logging a breach and recording its outcome: the breach → DA event → task → re-score chain.

The web form and POST /api/v1/breaches both call `log_breach`, which writes the breach, asks the
offender register for its DA event (and the data-subject categories), tasking for the enforcement
task (app.signals.breach_logged) and ranking for the new score (app.signals.scoring_facts_changed),
and writes the audit entries, in one transaction: all of it is saved, or none of it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import EditConflict, ValidationFailed, assign_ref, local_date, local_today, placeholder_ref, utcnow
from app.extensions import db
from app.offenders.events import services as events
from app.offenders.models import DAEvent, Person
from app.orders.models import Breach, Order

BREACH_REF_PREFIX = "ACH-B-"

REPORTED_HOW = {
    "victim_999": "Protected person called 999",
    "victim_other": "Protected person, another way",
    "third_party": "Witness or third party",
    "officer": "Seen by an officer",
    "agency": "Another agency (probation, social care, housing)",
    "monitoring": "Electronic monitoring",
    "other": "Other",
}

BREACH_OUTCOMES = {
    "arrest": "Arrest",
    "charge": "Charge",
    "caution": "Caution",
    "recall": "Recall to prison",
    "returned_to_court": "Returned to court",
    "nfa": "No further action",
}

# How a breach outcome reads on the breach's DA event (EVENT_OUTCOMES: arrest, charge, caution,
# nfa, ongoing). The scoring treats arrest and charge as "actioned", which clears the
# breach_unactioned lever.
# - recall -> arrest: a recall on licence means the police arrest the subject and return them to
#   custody (CJA 2003 s.254); the breach has been acted on by an arrest.
# - returned_to_court -> charge: for a civil order (DVPO, occupation order, bail conditions) the
#   breach is put before the court instead of charged; for the ranking that is the same step as a
#   charge, so the breach is no longer a lever waiting to be pulled.
EVENT_OUTCOME_FOR = {
    "arrest": "arrest",
    "charge": "charge",
    "caution": "caution",
    "recall": "arrest",
    "returned_to_court": "charge",
    "nfa": "nfa",
}

MAX_NARRATIVE = 10000
# A client clock a little ahead of ours is not "the future".
CLOCK_TOLERANCE = timedelta(seconds=60)


@dataclass
class BreachReport:
    """What an officer reports. `occurred_at` must be timezone-aware."""

    occurred_at: datetime
    conditions: list[int]
    narrative: str
    arrested: bool
    reported_how: str | None = None
    protected_person_told: bool | None = None
    protected_ref: str | None = None


@dataclass
class LoggedBreach:
    breach: Breach
    created: bool  # False when the submission key had already made this breach
    score: dict | None  # the subject's ranked object after the re-score (None: not ranked, or a replay)


def submission_key_for(user: User, key: str) -> str:
    """A client's key is scoped to its user: one user's key can never return another's breach."""
    return f"{user.id}:{key}"


def find_by_submission_key(user: User, key: str) -> Breach | None:
    return db.session.scalar(sa.select(Breach).where(Breach.submission_key == submission_key_for(user, key)))


def get_breach(ref: str) -> Breach | None:
    return db.session.scalar(
        sa.select(Breach).where(Breach.ref == ref).options(selectinload(Breach.conditions), selectinload(Breach.event))
    )


def breaches_of(order: Order) -> list[Breach]:
    return list(
        db.session.scalars(
            sa.select(Breach)
            .where(Breach.order_id == order.id)
            .options(selectinload(Breach.conditions), selectinload(Breach.event))
            .order_by(Breach.occurred_at.desc(), Breach.id.desc())
        )
    )


def enforcement_task(breach: Breach):
    """The breach's enforcement task (asked of tasking, which owns tasks), or None."""
    tasks = signals.answer(
        signals.tasks_wanted.send("breach", ids=[breach.id], task_type="breach_enforcement", open_only=False), {}
    )
    found = tasks.get(breach.id, [])
    return found[0] if found else None


def check_report(order: Order, report: BreachReport, *, now: datetime | None = None) -> dict[str, str]:
    """Field → message for everything wrong with the report; empty when it can be logged."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if report.occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    if report.occurred_at > now + CLOCK_TOLERANCE:
        errors["occurred_at"] = "The time of the breach cannot be in the future."
    else:
        day = local_date(report.occurred_at)
        if not order.in_force_on(day):
            errors["occurred_at"] = _not_in_force(order, day)

    numbers = {c.number for c in order.conditions}
    seen, duplicates, missing = set(), [], []
    for n in report.conditions:
        if n in seen:
            duplicates.append(n)
        seen.add(n)
        if n not in numbers:
            missing.append(n)
    listed = ", ".join(str(n) for n in sorted(numbers)) or "none"
    if not report.conditions:
        errors["conditions"] = "Name at least one condition of the order that was breached."
    elif missing:
        errors["conditions"] = (
            f"Order {order.ref} has no condition {', '.join(str(n) for n in missing)}; its conditions are {listed}."
        )
    elif duplicates:
        errors["conditions"] = f"Condition {', '.join(str(n) for n in sorted(set(duplicates)))} is given twice."

    narrative = (report.narrative or "").strip()
    if not narrative:
        errors["narrative"] = "Say what happened."
    elif len(narrative) > MAX_NARRATIVE:
        errors["narrative"] = f"Keep the account to {MAX_NARRATIVE} characters or fewer."

    if report.reported_how is not None and report.reported_how not in REPORTED_HOW:
        errors["reported_how"] = f"Choose how it was reported from: {', '.join(REPORTED_HOW)}."

    protected_refs = [p.ref for p in order.protected_persons]
    if report.protected_ref is not None and report.protected_ref not in protected_refs:
        errors["protected_ref"] = f"{report.protected_ref} is not protected by order {order.ref}."
    elif not protected_refs:
        errors["protected_ref"] = f"Order {order.ref} names no protected person; add one to the order first."
    return errors


def _not_in_force(order: Order, day) -> str:
    when = f"{day:%d %b %Y}"
    if order.starts_on > day:
        return f"Order {order.ref} was not in force on {when}: it starts on {order.starts_on:%d %b %Y}."
    if order.revoked_on is not None and order.revoked_on <= day:
        return f"Order {order.ref} was not in force on {when}: it was revoked on {order.revoked_on:%d %b %Y}."
    return f"Order {order.ref} was not in force on {when}: it ended on {order.ends_on:%d %b %Y}."


def _victim(order: Order, protected_ref: str | None) -> Person:
    # With several protected persons and none named, the first recorded (lowest id) is the victim.
    people = sorted(order.protected_persons, key=lambda p: p.id)
    if protected_ref is not None:
        return next(p for p in people if p.ref == protected_ref)
    return people[0]


def _new_breach(order: Order, report: BreachReport, event, conditions, narrative: str, *, user: User, key, now):
    """The breach row of a report, with its DA event; added by the caller."""
    return Breach(
        ref=placeholder_ref(),
        order_id=order.id,
        event=event,
        occurred_at=report.occurred_at.astimezone(UTC),
        narrative=narrative,
        reported_how=report.reported_how,
        protected_person_told=report.protected_person_told,
        arrested=report.arrested,
        outcome="arrest" if report.arrested else None,
        logged_by_id=user.id,
        logged_at=now,
        submission_key=key,
        conditions=conditions,
        version_id=1,
    )


def log_breach(order: Order, report: BreachReport, *, user: User, submission_key: str | None = None) -> LoggedBreach:
    """Log a breach and act on it, all in one transaction; return the breach and the new score.

    With a submission key already used by this user, nothing is written and the breach that the
    key made is returned (a double-clicked form, a retried API call). Raises ValidationFailed.
    """
    actor = Actor.of(user)
    key = submission_key_for(user, submission_key) if submission_key else None
    if key is not None:
        held = db.session.scalar(sa.select(Breach).where(Breach.submission_key == key))
        if held is not None:
            return LoggedBreach(held, created=False, score=None)
    errors = check_report(order, report)
    if errors:
        raise ValidationFailed(errors)

    now = utcnow()
    subject = order.subject
    victim = _victim(order, report.protected_ref)
    occurred_on = local_date(report.occurred_at)
    wanted = set(report.conditions)
    conditions = [c for c in order.conditions if c.number in wanted]
    narrative = report.narrative.strip()
    try:
        event = events.new_breach_event(
            occurred_on=occurred_on,
            offence=order.type.breach_offence,
            suspect=subject,
            victim=victim,
            # Not arrested: the breach is being worked, and stays a breach_unactioned lever until
            # its outcome is an arrest or a charge.
            outcome="arrest" if report.arrested else "ongoing",
            narrative=narrative,
        )
        breach = _new_breach(order, report, event, conditions, narrative, user=user, key=key, now=now)
        db.session.add(breach)
        # The unique submission key is checked here: a concurrent twin fails now, before more work.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        held = db.session.scalar(sa.select(Breach).where(Breach.submission_key == key)) if key else None
        if held is None:
            raise
        return LoggedBreach(held, created=False, score=None)

    events.number_breach_event(event)
    assign_ref(breach, BREACH_REF_PREFIX)
    task = signals.answer(signals.breach_logged.send(breach, user=user))
    audit.record(
        "create",
        f"logged breach {breach.ref} of order {order.ref} by {subject.ref} (event {event.ref})",
        object_type="breach",
        object_ref=breach.ref,
        data={
            "order_ref": order.ref,
            "event_ref": event.ref,
            "offence": event.offence,
            "occurred_at": breach.occurred_at,
            "conditions": [c.number for c in conditions],
            "victim_ref": victim.ref,
            "arrested": report.arrested,
            "reported_how": report.reported_how,
            "protected_person_told": report.protected_person_told,
            "task_id": task.id if task is not None else None,
        },
        actor=actor,
    )
    score = signals.answer(
        signals.scoring_facts_changed.send(subject.id, trigger="breach", actor=actor, as_of=local_today())
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        held = db.session.scalar(sa.select(Breach).where(Breach.submission_key == key)) if key else None
        if held is None:
            raise
        return LoggedBreach(held, created=False, score=None)
    return LoggedBreach(breach, created=True, score=score)


def current_score(person_id: int) -> dict | None:
    """The person's ranked object as of today, worked out now (stores nothing), asked of ranking."""
    return signals.answer(signals.score_wanted.send(person_id))


def view_breach(breach: Breach, *, actor: Actor | None = None, reason: str | None = None) -> None:
    audit.record(
        "view", f"viewed breach {breach.ref}", object_type="breach", object_ref=breach.ref, reason=reason, actor=actor
    )
    db.session.commit()


def record_outcome(
    breach: Breach, outcome: str, *, expected_version: int, user: User, commit: bool = True
) -> dict | None:
    """Record a breach's outcome, carry it to its DA event, re-score the subject; return the new score.

    An arrest or charge (and so a recall or a return to court, see EVENT_OUTCOME_FOR) marks the
    breach as actioned, which clears the subject's breach_unactioned lever. Tasking is told
    (signals.breach_outcome_recorded) and closes the breach's open enforcement task. With
    commit=False (the outcome comes from completing that task) the caller commits.
    """
    if outcome not in BREACH_OUTCOMES:
        raise ValidationFailed({"outcome": "Choose the outcome from the list."})
    if breach.version_id != expected_version:
        raise EditConflict()
    actor = Actor.of(user)
    event = breach.event
    before = {"outcome": breach.outcome, "event_outcome": event.outcome}
    after = {"outcome": outcome, "event_outcome": EVENT_OUTCOME_FOR[outcome]}
    diff = audit.changes(before, after)
    if not diff:
        if commit:  # a caller's own transaction is the caller's to end
            db.session.rollback()
        return None
    breach.outcome = outcome
    events.set_breach_event_outcome(event, EVENT_OUTCOME_FOR[outcome])
    audit.record(
        "update",
        f"recorded outcome {BREACH_OUTCOMES[outcome].lower()} for breach {breach.ref} (event {event.ref})",
        object_type="breach",
        object_ref=breach.ref,
        data={"changes": diff},
        actor=actor,
    )
    try:
        db.session.flush()
        signals.breach_outcome_recorded.send(breach, outcome=outcome, user=user)
        score = signals.answer(
            signals.scoring_facts_changed.send(event.suspect_id, trigger="breach", actor=actor, as_of=local_today())
        )
        if commit:
            db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return score


def breaches_involving(person: Person) -> list[Breach]:
    involved = sa.select(DAEvent.id).where(sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id))
    return list(
        db.session.scalars(
            sa.select(Breach)
            .where(Breach.event_id.in_(involved))
            .options(joinedload(Breach.order), selectinload(Breach.conditions))
        ).unique()
    )
