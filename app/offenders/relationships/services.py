"""Recording and correcting a relationship between two persons, with its dates, where the knowledge
came from and its grading, and an optional shared address for both. Every change is audited.

A relationship is the same whichever person it is recorded from: partner A-B and partner B-A are
one relationship. A new partner recorded from intelligence (before any event between the two)
makes the perpetrator's new partner a Right-to-Know candidate (app.network.graph). Recording or
correcting one announces `signals.network_changed` for both persons, so their stored network
findings are recomputed in the same transaction.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, today
from app.catalogue import HANDLING_CODES, INTELLIGENCE_GRADES, INTELLIGENCE_SOURCES, RELATIONSHIPS, SOURCE_GRADES
from app.extensions import db
from app.offenders.models import Address, Person, PersonLink

LINK_FIELDS = (
    "relationship_type",
    "since",
    "until",
    "source",
    "source_grade",
    "intelligence_grade",
    "handling_code",
    "note",
)
MAX_NOTE = 2000
MAX_ADDRESS = 300


@dataclass
class RelationshipInput:
    other_ref: str | None
    relationship_type: str | None
    since: date | None = None
    until: date | None = None
    source: str | None = None
    source_grade: str | None = None
    intelligence_grade: str | None = None
    handling_code: str | None = None
    note: str | None = None
    shared_address: str | None = None
    shared_postcode: str | None = None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check_dates(values: RelationshipInput, errors: dict) -> None:
    for name, what in (("since", "start"), ("until", "end")):
        day = getattr(values, name)
        if day is not None and day > today():
            errors[name] = f"The {what} of the relationship cannot be in the future."
        elif day is not None and day.year < 1900:
            errors[name] = f"The {what} of the relationship must be after 1900."
    if values.since and values.until and values.until < values.since and not errors:
        errors["until"] = "The relationship cannot end before it started."


def _check_grading(values: RelationshipInput, errors: dict) -> None:
    for name, vocabulary, what in (
        ("relationship_type", RELATIONSHIPS, "the relationship"),
        ("source", INTELLIGENCE_SOURCES, "where this came from"),
        ("source_grade", SOURCE_GRADES, "the source's grade"),
        ("intelligence_grade", INTELLIGENCE_GRADES, "the intelligence grade"),
        ("handling_code", HANDLING_CODES, "the handling code"),
    ):
        value = getattr(values, name)
        if value is None and name in ("relationship_type", "source"):
            errors[name] = f"Choose {what}."
        elif value is not None and value not in vocabulary:
            errors[name] = f"Choose {what} from the list."
    if values.source in ("intelligence_report", "third_party") and not (
        values.source_grade and values.intelligence_grade
    ):
        errors.setdefault("source_grade", "Grade the intelligence: the source (1-3) and the information (A-E).")


def check_relationship(person: Person, values: RelationshipInput, *, link: PersonLink | None = None):
    """(errors, the other person, the address text) for a new or corrected relationship."""
    errors: dict[str, str] = {}
    other = None
    other_ref = _clean(values.other_ref)
    if link is not None:
        other = link.other(person.id)
    elif not other_ref:
        errors["other_ref"] = "Enter the person reference of the other person."
    else:
        other = db.session.scalar(sa.select(Person).where(Person.ref == other_ref))
        if other is None:
            errors["other_ref"] = f"No person has the reference {other_ref[:64]}. Add them to the register first."
        elif other.id == person.id:
            errors["other_ref"] = "A relationship is between two different persons."
    _check_grading(values, errors)
    _check_dates(values, errors)
    if values.note and len(values.note) > MAX_NOTE:
        errors["note"] = f"Keep the note to {MAX_NOTE:,} characters or fewer."
    address = _clean(values.shared_address)
    if address and len(address) > MAX_ADDRESS:
        errors["shared_address"] = f"Keep the address to {MAX_ADDRESS} characters or fewer."
    if _clean(values.shared_postcode) and not address:
        errors["shared_address"] = "Enter the shared address, or leave the postcode empty."
    if other is not None and "relationship_type" not in errors:
        held = _existing(person, other, values.relationship_type)
        if held is not None and held is not link:
            errors["relationship_type"] = (
                f"This relationship with {other.full_name} ({other.ref}) is already recorded: correct that one."
            )
    return errors, other, address


def _existing(a: Person, b: Person, kind: str | None) -> PersonLink | None:
    pair = sa.or_(
        sa.and_(PersonLink.person_a_id == a.id, PersonLink.person_b_id == b.id),
        sa.and_(PersonLink.person_a_id == b.id, PersonLink.person_b_id == a.id),
    )
    return db.session.scalar(sa.select(PersonLink).where(pair, PersonLink.relationship_type == kind))


def _snapshot(link: PersonLink) -> dict:
    return audit.snapshot(link, LINK_FIELDS)


def record_relationship(person: Person, values: RelationshipInput, *, actor: Actor) -> PersonLink:
    """Record a relationship from `person` to another; ValidationFailed (nothing written) if wrong."""
    errors, other, address = check_relationship(person, values)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    link = PersonLink(person_a_id=person.id, person_b_id=other.id, recorded_by_id=actor.user_id, version_id=1)
    for name in LINK_FIELDS:
        setattr(link, name, _clean(getattr(values, name)) if name == "note" else getattr(values, name))
    db.session.add(link)
    db.session.flush()
    shared = _share_address(person, other, address, _clean(values.shared_postcode), values.since)
    db.session.flush()
    signals.network_changed.send([person.id, other.id], reason="relationship recorded")
    audit.record(
        "create",
        f"recorded {RELATIONSHIPS[values.relationship_type].lower()} relationship {person.ref} - {other.ref}",
        object_type="person_link",
        object_ref=str(link.id),
        data={"persons": [person.ref, other.ref], "after": _snapshot(link), "shared_address": shared},
        actor=actor,
    )
    db.session.commit()
    return link


def _share_address(a: Person, b: Person, text: str | None, postcode: str | None, since: date | None) -> bool:
    """Add the shared address to both persons (each keeps an address they already hold)."""
    if not text:
        return False
    for person in (a, b):
        held = any(ad.text.lower() == text.lower() and ad.to_date is None for ad in person.addresses)
        if not held:
            db.session.add(Address(person_id=person.id, text=text, postcode=postcode, from_date=since))
    return True


def update_relationship(
    link: PersonLink, person: Person, values: RelationshipInput, *, expected_version: int, actor: Actor
) -> dict:
    """Correct a relationship (its type, dates, source, grading, note). Returns the audited changes."""
    if link.version_id != expected_version:
        db.session.rollback()
        raise EditConflict()
    errors, other, _ = check_relationship(person, values, link=link)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = _snapshot(link)
    for name in LINK_FIELDS:
        setattr(link, name, _clean(getattr(values, name)) if name == "note" else getattr(values, name))
    diff = audit.changes(before, _snapshot(link))
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update",
        f"corrected the relationship {person.ref} - {other.ref}",
        object_type="person_link",
        object_ref=str(link.id),
        data={"changes": diff},
        actor=actor,
    )
    try:
        db.session.flush()
        signals.network_changed.send([link.person_a_id, link.person_b_id], reason="relationship corrected")
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return diff


def relationships_of(person: Person) -> list[PersonLink]:
    return list(
        db.session.scalars(
            sa.select(PersonLink)
            .where(sa.or_(PersonLink.person_a_id == person.id, PersonLink.person_b_id == person.id))
            .options(joinedload(PersonLink.person_a), joinedload(PersonLink.person_b))
            .order_by(PersonLink.id)
        )
    )


def get_relationship(person: Person, link_id: int) -> PersonLink | None:
    link = db.session.get(PersonLink, link_id)
    if link is None or person.id not in (link.person_a_id, link.person_b_id):
        return None
    return link
