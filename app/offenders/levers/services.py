"""Levers (the lawful routes against a person): recorded, ended, and the derived unactioned breach."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, local_today, today, utcnow
from app.catalogue import (
    BREACH_OFFENCES,
    DERIVED_LEVER_BREACH_UNACTIONED,
    LeverType,
)
from app.extensions import db
from app.offenders.models import DAEvent, Lever, Person

BREACH_LEVER_DAYS = 90


def active_lever_holders(as_of: date):
    """Persons with an active lever as of a date: a recorded one whose latest record (by
    noted_on) is active, or the derived breach_unactioned (a breach aged 0-90 days, outcome
    neither arrest nor charge)."""
    later = sa.orm.aliased(Lever)
    recorded = sa.select(Lever.person_id).where(
        Lever.active.is_(True),
        Lever.noted_on <= as_of,
        ~sa.select(later.id)
        .where(
            later.person_id == Lever.person_id,
            later.lever == Lever.lever,
            later.noted_on > Lever.noted_on,
            later.noted_on <= as_of,
        )
        .exists(),
    )
    unactioned_breach = sa.select(DAEvent.suspect_id).where(
        DAEvent.occurred_on >= as_of - timedelta(days=BREACH_LEVER_DAYS),
        DAEvent.occurred_on <= as_of,
        DAEvent.offence.in_(BREACH_OFFENCES),
        sa.or_(DAEvent.outcome.is_(None), DAEvent.outcome.not_in(("arrest", "charge"))),
    )
    return sa.union(recorded, unactioned_breach)


@dataclass
class LeverState:
    """A lever as it stands for a person: the latest record (by noted_on) decides."""

    code: str
    label: str
    weight: int
    active: bool
    noted_on: date | None
    detail: str | None
    record_id: int | None = None
    version_id: int | None = None
    derived: bool = False


def lever_catalogue() -> dict[str, LeverType]:
    return {lt.code: lt for lt in db.session.scalars(sa.select(LeverType).order_by(LeverType.label))}


def lever_records(person: Person) -> list[Lever]:
    return list(
        db.session.scalars(
            sa.select(Lever).where(Lever.person_id == person.id).order_by(Lever.noted_on.desc(), Lever.id.desc())
        )
    )


def lever_states(
    person: Person,
    records: list[Lever],
    events: list[DAEvent],
    lever_types: dict[str, LeverType],
    as_of: date,
) -> list[LeverState]:
    """Current levers, active first. `breach_unactioned` is derived from breach events (aged
    0-90 days, outcome neither arrest nor charge) and never from a record."""
    latest: dict[str, Lever] = {}
    for rec in sorted(records, key=lambda r: (r.noted_on, r.id)):
        if rec.noted_on <= as_of:
            latest[rec.lever] = rec
    states = []
    for code, rec in latest.items():
        lt = lever_types.get(code)
        states.append(
            LeverState(
                code=code,
                label=lt.label if lt else code,
                weight=lt.weight if lt else 0,
                active=rec.active,
                noted_on=rec.noted_on,
                detail=rec.detail,
                record_id=rec.id,
                version_id=rec.version_id,
            )
        )
    unactioned = [
        e
        for e in events
        if e.suspect_id == person.id
        and e.offence in BREACH_OFFENCES
        and 0 <= (as_of - e.occurred_on).days <= BREACH_LEVER_DAYS
        and e.outcome not in ("arrest", "charge")
    ]
    if unactioned:
        lt = lever_types.get(DERIVED_LEVER_BREACH_UNACTIONED)
        newest = max(e.occurred_on for e in unactioned)
        states.append(
            LeverState(
                code=DERIVED_LEVER_BREACH_UNACTIONED,
                label=lt.label if lt else "Breach not actioned",
                weight=lt.weight if lt else 0,
                active=True,
                noted_on=newest,
                detail=f"{len(unactioned)} breach{'es' if len(unactioned) != 1 else ''} in the last "
                f"{BREACH_LEVER_DAYS} days without arrest or charge",
                derived=True,
            )
        )
    return sorted(states, key=lambda s: (not s.active, -s.weight, s.label))


def _check_lever_date(day: date | None, name: str, what: str) -> dict[str, str]:
    if day is None:
        return {name: f"Enter the date {what}."}
    if day > today():
        return {name: f"The date {what} cannot be in the future."}
    if day.year < 1900:
        return {name: f"The date {what} must be after 1900."}
    return {}


def latest_lever_record(person: Person, code: str) -> Lever | None:
    return db.session.scalar(
        sa.select(Lever)
        .where(Lever.person_id == person.id, Lever.lever == code, Lever.noted_on <= today())
        .order_by(Lever.noted_on.desc(), Lever.id.desc())
        .limit(1)
    )


def add_lever(
    person: Person, code: str, noted_on: date | None, detail: str | None, *, actor: Actor | None = None
) -> Lever:
    """Note a lever as active for the person from `noted_on`."""
    lever_type = db.session.get(LeverType, code) if code else None
    errors = _check_lever_date(noted_on, "noted_on", "the lever was noted")
    if lever_type is None:
        errors["lever"] = "Choose a lever from the list."
    elif lever_type.derived:
        errors["lever"] = f"{lever_type.label} is worked out from breach events and cannot be recorded by hand."
    if detail and len(detail) > 2000:
        errors["detail"] = "Use at most 2,000 characters."
    if not errors and db.session.scalar(
        sa.select(Lever.id).where(Lever.person_id == person.id, Lever.lever == code, Lever.noted_on == noted_on)
    ):
        errors["noted_on"] = f"{lever_type.label} already has a record dated {noted_on:%d %b %Y}; choose another date."
    if errors:
        raise ValidationFailed(errors)
    record = Lever(person_id=person.id, lever=code, active=True, noted_on=noted_on, detail=detail or None)
    db.session.add(record)
    audit.record(
        "create",
        f"noted lever {code} for person {person.ref}",
        object_type="lever",
        object_ref=person.ref,
        data=audit.changes({}, {"lever": code, "active": True, "noted_on": noted_on, "detail": detail or None}),
        actor=actor,
    )
    try:
        db.session.flush()
        signals.scoring_facts_changed.send(person.id, trigger="lever", actor=actor, as_of=local_today())
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"noted_on": "A record for this lever on that date was just added."}) from exc
    return record


def end_lever(
    person: Person,
    code: str,
    ended_on: date | None,
    note: str | None,
    *,
    expected_record_id: int,
    expected_version: int,
    actor: Actor | None = None,
    commit: bool = True,
) -> Lever:
    """Mark a lever no longer active from `ended_on`, with a note: a new record, active false.

    The form carries the record it was opened on (id and version). If the lever's latest record
    has changed since, nothing is written (EditConflict). The record it supersedes has its version
    moved in the same transaction, so two users ending the same lever at once cannot both succeed.
    With commit=False (a task's outcome ends the lever) the change is flushed into the caller's
    transaction, which commits it with the rest of its work.
    """
    current = latest_lever_record(person, code)
    if current is None or not current.active:
        raise ValidationFailed({"lever": "This lever is not active for this person."})
    if current.id != expected_record_id or current.version_id != expected_version:
        raise EditConflict()
    errors = _check_lever_date(ended_on, "ended_on", "the lever ended")
    if not errors and ended_on <= current.noted_on:
        errors["ended_on"] = (
            f"The lever was noted active on {current.noted_on:%d %b %Y}; the date it ended must be after that."
        )
    if not (note or "").strip():
        errors["note"] = "Say why the lever no longer applies."
    elif len(note) > 2000:
        errors["note"] = "Use at most 2,000 characters."
    if errors:
        raise ValidationFailed(errors)
    record = Lever(person_id=person.id, lever=code, active=False, noted_on=ended_on, detail=note.strip())
    db.session.add(record)
    current.updated_at = utcnow()  # moves and checks the superseded record's version
    audit.record(
        "update",
        f"ended lever {code} for person {person.ref}",
        object_type="lever",
        object_ref=person.ref,
        data=audit.changes(
            {"lever": code, "active": True, "noted_on": current.noted_on, "detail": current.detail},
            {"lever": code, "active": False, "noted_on": ended_on, "detail": note.strip()},
        ),
        actor=actor,
    )
    try:
        db.session.flush()
        signals.scoring_facts_changed.send(person.id, trigger="lever", actor=actor, as_of=local_today())
        if commit:
            db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return record
