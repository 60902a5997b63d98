"""Reading and changing person records. Every view and change is audited here, not in routes."""

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.services import Actor
from app.extensions import db
from app.offenders.models import DAEvent, Person

PERSON_EDITABLE = ("surname", "forenames", "date_of_birth", "gender", "pnc_id", "district")


class EditConflict(Exception):
    """Someone else saved the record after this edit began; nothing was written."""


class ValidationFailed(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def get_person(ref: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.ref == ref))


def view_person(person: Person, *, actor: Actor | None = None, reason: str | None = None) -> None:
    """Record the consultation of a person's record (DPA 2018 s.62)."""
    audit.record(
        "view", f"viewed person {person.ref}", object_type="person", object_ref=person.ref, reason=reason, actor=actor
    )
    db.session.commit()


def events_of(person: Person) -> list[DAEvent]:
    return list(
        db.session.scalars(
            sa.select(DAEvent)
            .where(sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id))
            .options(sa.orm.joinedload(DAEvent.suspect), sa.orm.joinedload(DAEvent.victim))
            .order_by(DAEvent.occurred_on.desc(), DAEvent.id.desc())
        )
    )


def update_person(person: Person, values: dict, *, expected_version: int, actor: Actor | None = None) -> dict:
    """Apply an edit made against `expected_version`; return the audited changes."""
    if person.version_id != expected_version:
        raise EditConflict()
    if values.get("pnc_id"):
        clash = db.session.scalar(
            sa.select(Person.ref).where(Person.pnc_id == values["pnc_id"], Person.id != person.id)
        )
        if clash:
            raise ValidationFailed({"pnc_id": f"PNC ID {values['pnc_id']} is already held for person {clash}."})
    before = audit.snapshot(person, PERSON_EDITABLE)
    for name in PERSON_EDITABLE:
        setattr(person, name, values.get(name))
    after = audit.snapshot(person, PERSON_EDITABLE)
    diff = audit.changes(before, after)
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update", f"changed person {person.ref}", object_type="person", object_ref=person.ref, data=diff, actor=actor
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return diff
