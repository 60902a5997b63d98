"""DA events: recorded, corrected and read; each change audited with before and after values."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, assign_ref, local_today, placeholder_ref, today
from app.catalogue import (
    BREACH_OFFENCES,
    DASH_RISKS,
    EVENT_OUTCOMES,
    RELATIONSHIPS,
    OffenceCategory,
)
from app.extensions import db
from app.offenders.models import DAEvent, Person, PersonCategory
from app.offenders.persons.services import check_new_ref

EVENT_EDITABLE = (
    "occurred_on",
    "offence",
    "suspect_ref",
    "victim_ref",
    "relationship_type",
    "dash_risk",
    "district",
    "outcome",
    "narrative",
)

# References of events made in Achilles (imports refuse ACH-); breaches make theirs in app.orders.
EVENT_REF_PREFIX = "ACH-E-"


class NotEditable(Exception):
    """The record is kept by another system or module and cannot be edited here."""


def view_event(event: DAEvent, *, actor: Actor | None = None, reason: str | None = None) -> None:
    """Record the consultation of a DA event opened to be changed."""
    audit.record(
        "view",
        f"viewed DA event {event.ref} (to change it)",
        object_type="da_event",
        object_ref=event.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


def events_of(person: Person) -> list[DAEvent]:
    """The person's DA events as suspect or victim, newest first, with both persons loaded."""
    return list(
        db.session.scalars(
            sa.select(DAEvent)
            .where(sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id))
            .options(joinedload(DAEvent.suspect), joinedload(DAEvent.victim))
            .order_by(DAEvent.occurred_on.desc(), DAEvent.id.desc())
        )
    )


def offence_catalogue() -> dict[str, OffenceCategory]:
    return {o.code: o for o in db.session.scalars(sa.select(OffenceCategory).order_by(OffenceCategory.label))}


def event_snapshot(event: DAEvent, suspect_ref: str, victim_ref: str) -> dict:
    data = audit.snapshot(event, [n for n in EVENT_EDITABLE if n not in ("suspect_ref", "victim_ref")])
    return data | {"suspect_ref": suspect_ref, "victim_ref": victim_ref}


def _check_event(values: dict) -> tuple[dict[str, str], Person | None, Person | None]:
    errors: dict[str, str] = {}
    day = values.get("occurred_on")
    if day is None:
        errors["occurred_on"] = "Enter the date of the event."
    elif day > today():
        errors["occurred_on"] = "The date of the event cannot be in the future."
    elif day.year < 1900:
        errors["occurred_on"] = "The date of the event must be after 1900."
    offence = values.get("offence")
    if not offence:
        errors["offence"] = "Choose the offence."
    elif offence in BREACH_OFFENCES:
        errors["offence"] = "Record a breach through Log a breach, against its order."
    elif not db.session.scalar(sa.select(OffenceCategory.code).where(OffenceCategory.code == offence)):
        errors["offence"] = "Choose an offence from the list."
    persons = {}
    for name, label in (("suspect_ref", "suspect"), ("victim_ref", "victim")):
        ref = (values.get(name) or "").strip()
        if not ref:
            errors[name] = f"Enter the {label}'s person reference."
            continue
        found = db.session.scalar(sa.select(Person).where(Person.ref == ref))
        if found is None:
            errors[name] = f"No person has the reference {ref}. Add the {label} to the register first."
        persons[name] = found
    suspect, victim = persons.get("suspect_ref"), persons.get("victim_ref")
    if suspect is not None and victim is not None and suspect.id == victim.id:
        errors["victim_ref"] = "The suspect and the victim must be different persons."
    if values.get("relationship_type") not in RELATIONSHIPS:
        errors["relationship_type"] = "Choose the relationship between suspect and victim."
    if values.get("dash_risk") and values["dash_risk"] not in DASH_RISKS:
        errors["dash_risk"] = "Choose a DASH risk grade from the list."
    if values.get("outcome") and values["outcome"] not in EVENT_OUTCOMES:
        errors["outcome"] = "Choose an outcome from the list."
    if values.get("district") and len(values["district"]) > 100:
        errors["district"] = "Use at most 100 characters."
    if values.get("narrative") and len(values["narrative"]) > 5000:
        errors["narrative"] = "Use at most 5,000 characters."
    return errors, suspect, victim


def _add_categories(*pairs: tuple[Person, str]) -> None:
    for person, category in pairs:
        if db.session.get(PersonCategory, (person.id, category)) is None:
            db.session.add(PersonCategory(person_id=person.id, category=category))


def create_event(values: dict, *, actor: Actor | None = None) -> DAEvent:
    """Record a DA event by hand (source "manual"; imports never overwrite it)."""
    errors, suspect, victim = _check_event(values)
    ref_error = check_new_ref(DAEvent, values.get("ref"), "Event")
    if ref_error:
        errors["ref"] = ref_error
    if errors:
        raise ValidationFailed(errors)
    event = DAEvent(
        ref=values.get("ref") or placeholder_ref(), suspect_id=suspect.id, victim_id=victim.id, source="manual"
    )
    for name in EVENT_EDITABLE:
        if name not in ("suspect_ref", "victim_ref"):
            setattr(event, name, values.get(name) or None)
    try:
        db.session.add(event)
        if not values.get("ref"):
            assign_ref(event, EVENT_REF_PREFIX)
        _add_categories((suspect, "suspect"), (victim, "victim"))
        db.session.flush()
        signals.network_changed.send([suspect.id, victim.id], reason=f"event {event.ref} recorded")
        audit.record(
            "create",
            f"recorded DA event {event.ref}",
            object_type="da_event",
            object_ref=event.ref,
            data=audit.changes({}, event_snapshot(event, suspect.ref, victim.ref)),
            actor=actor,
        )
        signals.scoring_facts_changed.send(suspect.id, trigger="event", actor=actor, as_of=local_today())
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"ref": "This event reference was just taken; save again."}) from exc
    return event


def update_event(event: DAEvent, values: dict, *, expected_version: int, actor: Actor | None = None) -> dict:
    if event.source != "manual":
        raise NotEditable()
    if event.version_id != expected_version:
        raise EditConflict()
    errors, suspect, victim = _check_event(values)
    if errors:
        raise ValidationFailed(errors)
    before = event_snapshot(event, event.suspect.ref, event.victim.ref)
    persons_before = [event.suspect_id, event.victim_id]
    suspects = sorted({event.suspect_id, suspect.id})  # the event may move from one suspect to another
    event.suspect_id, event.victim_id = suspect.id, victim.id
    for name in EVENT_EDITABLE:
        if name not in ("suspect_ref", "victim_ref"):
            setattr(event, name, values.get(name) or None)
    after = event_snapshot(event, suspect.ref, victim.ref)
    diff = audit.changes(before, after)
    if not diff:
        db.session.rollback()
        return {}
    _add_categories((suspect, "suspect"), (victim, "victim"))
    audit.record(
        "update", f"changed DA event {event.ref}", object_type="da_event", object_ref=event.ref, data=diff, actor=actor
    )
    try:
        db.session.flush()  # a stale version fails here, before the network is recomputed
        signals.network_changed.send([*persons_before, suspect.id, victim.id], reason=f"event {event.ref} changed")
        db.session.flush()
        signals.scoring_facts_changed.send(suspects, trigger="event", actor=actor, as_of=local_today())
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return diff


def get_event(person: Person, event_ref: str) -> DAEvent | None:
    return db.session.scalar(
        sa.select(DAEvent)
        .where(DAEvent.ref == event_ref, sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id))
        .options(joinedload(DAEvent.suspect), joinedload(DAEvent.victim))
    )


def event_values(event: DAEvent) -> dict:
    return event_snapshot(event, event.suspect.ref, event.victim.ref) | {"occurred_on": event.occurred_on}


# ---- the DA event a breach becomes (asked by app.orders.breaches) --------------------------------


def _relationship(suspect_id: int, victim_id: int) -> str | None:
    """The relationship recorded on the latest earlier event between the same two persons."""
    return db.session.scalar(
        sa.select(DAEvent.relationship_type)
        .where(
            DAEvent.suspect_id == suspect_id,
            DAEvent.victim_id == victim_id,
            DAEvent.relationship_type.is_not(None),
        )
        .order_by(DAEvent.occurred_on.desc(), DAEvent.id.desc())
        .limit(1)
    )


def new_breach_event(
    *, occurred_on: date, offence: str, suspect: Person, victim: Person, outcome: str, narrative: str
) -> DAEvent:
    """The DA event of a breach being logged: added to the session (the caller flushes it with the
    breach, in one transaction), with the relationship of the latest earlier event between the two."""
    event = DAEvent(
        ref=placeholder_ref(),
        occurred_on=occurred_on,
        offence=offence,
        suspect_id=suspect.id,
        victim_id=victim.id,
        relationship_type=_relationship(suspect.id, victim.id),
        district=suspect.district,
        outcome=outcome,
        source="breach",
        narrative=narrative,
        version_id=1,
    )
    db.session.add(event)
    return event


def number_breach_event(event: DAEvent) -> None:
    """Give a flushed breach event its Achilles reference, and its persons their categories."""
    assign_ref(event, EVENT_REF_PREFIX)
    _add_categories((event.suspect, "suspect"), (event.victim, "victim"))
    db.session.flush()
    signals.network_changed.send([event.suspect_id, event.victim_id], reason=f"breach event {event.ref}")


def set_breach_event_outcome(event: DAEvent, outcome: str) -> None:
    """Carry a breach's recorded outcome to its DA event (the breach's audit entry records both)."""
    if outcome not in EVENT_OUTCOMES:
        raise ValueError(f"unknown event outcome {outcome!r}")
    event.outcome = outcome


def set_dash_grade(event: DAEvent, grade: str, *, because: str, actor: Actor) -> bool:
    """Give an event the grade of a DASH assessment made for it (`because` names the assessment).

    Only events recorded in Achilles (by hand or from a breach) take it: an imported event keeps
    the force's grade, since the next import would put it back. Audited; the caller commits.
    Returns whether the event's grade was set.
    """
    if grade not in DASH_RISKS:
        raise ValueError(f"unknown DASH grade {grade!r}")
    if event.source == "import" or event.dash_risk == grade:
        return False
    before = event.dash_risk
    event.dash_risk = grade
    audit.record(
        "update",
        f"DA event {event.ref} graded DASH {DASH_RISKS[grade].lower()} by assessment {because}",
        object_type="da_event",
        object_ref=event.ref,
        data={"dash_risk": {"before": before, "after": grade}, "assessment": because},
        actor=actor,
    )
    return True
