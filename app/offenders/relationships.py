"""Recorded relationships between two persons that no DA event shows (a new partner, a family
member): recorded, audited, and announced to the network (signals.network_changed)."""

from datetime import date

import sqlalchemy as sa

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed, today
from app.catalogue import RELATIONSHIPS
from app.extensions import db
from app.offenders.models import Person, PersonLink


def record_relationship(
    person_a: Person,
    person_b: Person,
    relationship_type: str,
    *,
    since: date | None = None,
    note: str | None = None,
    actor: Actor | None = None,
) -> PersonLink:
    """Record that two persons are related (once per pair and type); the caller's transaction
    commits it with the network's update."""
    errors = {}
    if person_a.id == person_b.id:
        errors["person_b"] = "A person cannot be related to themselves."
    if relationship_type not in RELATIONSHIPS:
        errors["relationship_type"] = "Choose the relationship from the list."
    if since is not None and since > today():
        errors["since"] = "The date cannot be in the future."
    if note and len(note) > 2000:
        errors["note"] = "Use at most 2,000 characters."
    held = db.session.scalar(
        sa.select(PersonLink.id).where(
            sa.or_(
                sa.and_(PersonLink.person_a_id == person_a.id, PersonLink.person_b_id == person_b.id),
                sa.and_(PersonLink.person_a_id == person_b.id, PersonLink.person_b_id == person_a.id),
            ),
            PersonLink.relationship_type == relationship_type,
        )
    )
    if held is not None:
        errors["relationship_type"] = "This relationship is already recorded."
    if errors:
        raise ValidationFailed(errors)
    link = PersonLink(
        person_a_id=person_a.id, person_b_id=person_b.id, relationship_type=relationship_type, since=since, note=note
    )
    db.session.add(link)
    db.session.flush()
    signals.network_changed.send([person_a.id, person_b.id], reason="relationship recorded")
    audit.record(
        "create",
        f"recorded a relationship between {person_a.ref} and {person_b.ref}",
        object_type="person_link",
        object_ref=f"{person_a.ref}/{person_b.ref}",
        data={"relationship_type": relationship_type, "since": since, "note": note},
        actor=actor,
    )
    return link
