"""A victim's contact preferences and contact log: saved and read here, each view and change audited.

These are the most sensitive records in Achilles. The audit log (which admins and analysts search)
records which preferences changed and the channel and outcome of each contact, never the values:
no safe number, address, safe word or note ever reaches the log. Only supervisors and officers
are shown them (app.victims.common.sees_contact_details); the routes refuse everyone else.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import EditConflict, ValidationFailed
from app.extensions import db
from app.offenders.models import Person
from app.tasking.tasks import services as tasks
from app.victims.common import MAX_NAME, MAX_TEXT, check_moment, clean, codes_field, text_field, victim_task
from app.victims.contacts.models import (
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    SAFE_CHANNELS,
    ContactPreferences,
    VictimContact,
)

PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{7,24}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
PREFERENCE_FIELDS = (
    "channels",
    "safe_phone",
    "safe_email",
    "safe_times",
    "no_messages",
    "safe_word",
    "safety_plan_ref",
)


@dataclass
class PreferencesInput:
    channels: list[str] = field(default_factory=list)
    safe_phone: str | None = None
    safe_email: str | None = None
    safe_times: str | None = None
    no_messages: bool = False
    safe_word: str | None = None
    safety_plan_ref: str | None = None


def preferences_of(person: Person) -> ContactPreferences | None:
    return db.session.scalar(sa.select(ContactPreferences).where(ContactPreferences.person_id == person.id))


def check_preferences(values: PreferencesInput) -> tuple[dict[str, str], dict]:
    errors: dict[str, str] = {}
    channels = codes_field(errors, "channels", values.channels, SAFE_CHANNELS, "the safe ways to contact them")
    if not channels and "channels" not in errors:
        errors["channels"] = "Choose at least one safe way to contact them."
    phone = text_field(errors, "safe_phone", values.safe_phone, 30, "the safe phone number")
    if phone and not PHONE_PATTERN.match(phone) and "safe_phone" not in errors:
        errors["safe_phone"] = "Enter a phone number in digits, for example 07700 900123."
    if not phone and {"phone", "text"} & set(channels):
        errors["safe_phone"] = "Enter the safe phone number for calls or texts."
    email = text_field(errors, "safe_email", values.safe_email, 254, "the safe email address")
    if email and not EMAIL_PATTERN.match(email) and "safe_email" not in errors:
        errors["safe_email"] = "Enter an email address like name@example.org."
    if not email and "email" in channels:
        errors["safe_email"] = "Enter the safe email address."
    resolved = {
        "channels": channels,
        "safe_phone": phone,
        "safe_email": email,
        "safe_times": text_field(errors, "safe_times", values.safe_times, MAX_NAME, "the safe times"),
        "no_messages": bool(values.no_messages),
        "safe_word": text_field(errors, "safe_word", values.safe_word, MAX_TEXT, "the safe word or note"),
        "safety_plan_ref": text_field(
            errors, "safety_plan_ref", values.safety_plan_ref, 100, "the safety plan reference"
        ),
    }
    return errors, resolved


def save_preferences(person: Person, values: PreferencesInput, *, expected_version: int, actor: Actor) -> list[str]:
    """Save the victim's contact preferences (a new record: expected_version 0). Returns the names of
    the preferences that changed; the audit entry names them, never their values."""
    held = preferences_of(person)
    if (held.version_id if held else 0) != expected_version:
        db.session.rollback()
        raise EditConflict()
    errors, resolved = check_preferences(values)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    record = held or ContactPreferences(person_id=person.id, version_id=1, channels=[])
    before = audit.snapshot(record, PREFERENCE_FIELDS) if held else {}
    for name, value in resolved.items():
        setattr(record, name, value)
    record.updated_by_id = actor.user_id
    changed = sorted(audit.changes(before, audit.snapshot(record, PREFERENCE_FIELDS)))
    if held is not None and not changed:
        db.session.rollback()
        return []
    db.session.add(record)
    audit.record(
        "create" if held is None else "update",
        f"{'recorded' if held is None else 'changed'} the contact preferences of {person.ref}",
        object_type="victim_contact_preferences",
        object_ref=person.ref,
        data={"changed": changed},  # names only: the values are never written to the log
        actor=actor,
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return changed


@dataclass
class ContactInput:
    contacted_at: datetime | None
    channel: str | None
    outcome: str | None
    note: str | None = None
    task_id: int | None = None  # a victim-contact task this contact answers


def log_contact(
    person: Person, values: ContactInput, *, actor: Actor, made_by: str | None = None, user: User | None = None
) -> VictimContact:
    """Log a contact made or tried with the victim; ValidationFailed (nothing written) if wrong.

    When it answers a victim-contact task and the victim was spoken to, tasking's service marks the
    task done ("victim contacted") in the same transaction; otherwise the task stays open."""
    errors: dict[str, str] = {}
    task = victim_task(person, values.task_id, user, errors, ("victim_safeguarding",)) if user else None
    check_moment(errors, "contacted_at", values.contacted_at, "the date and time of the contact")
    if values.channel not in CONTACT_CHANNELS:
        errors["channel"] = "Choose how the contact was made."
    if values.outcome not in CONTACT_OUTCOMES:
        errors["outcome"] = "Choose what came of the contact: spoken to, not reached or declined."
    note = text_field(errors, "note", values.note, MAX_TEXT, "the note")
    made_by = clean(made_by) or actor.username
    if len(made_by) > MAX_NAME:
        errors["made_by"] = f"The name of who made the contact must be {MAX_NAME} characters or fewer."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    contact = VictimContact(
        person_id=person.id,
        contacted_at=values.contacted_at,
        channel=values.channel,
        outcome=values.outcome,
        made_by_id=actor.user_id,
        made_by=made_by,
        note=note,
    )
    db.session.add(contact)
    db.session.flush()
    audit.record(
        "create",
        f"logged a contact with {person.ref}: {CONTACT_OUTCOMES[values.outcome].lower()}",
        object_type="victim_contact",
        object_ref=str(contact.id),
        data={"person": person.ref, "channel": values.channel, "outcome": values.outcome, "at": values.contacted_at},
        actor=actor,
    )
    if task is None or values.outcome != "spoken_to":
        db.session.commit()
        return contact
    try:
        tasks.change_status(
            task,
            "done",
            expected_version=task.version_id,
            user=user,
            outcome="victim_contacted",
            note=f"Spoken to by {CONTACT_CHANNELS[values.channel].lower()}; logged on the victim page.",
        )
    except (tasks.TaskConflict, tasks.TaskRefused) as exc:  # the task moved since it was checked
        db.session.rollback()
        raise ValidationFailed(
            {"task_id": f"Task {task.id} changed while you were recording this: check it, then record again."}
        ) from exc
    return contact


def contacts_of(person: Person, *, limit: int | None = None) -> list[VictimContact]:
    query = (
        sa.select(VictimContact)
        .where(VictimContact.person_id == person.id)
        .order_by(VictimContact.contacted_at.desc(), VictimContact.id.desc())
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))


def last_spoken_to(person_ids: list[int]) -> dict[int, datetime]:
    """When each victim was last spoken to (a logged contact with that outcome)."""
    found: dict[int, datetime] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        found.update(
            db.session.execute(
                sa.select(VictimContact.person_id, sa.func.max(VictimContact.contacted_at))
                .where(VictimContact.person_id.in_(chunk), VictimContact.outcome == "spoken_to")
                .group_by(VictimContact.person_id)
            ).all()
        )
    return found


def latest_contact_user(person: Person) -> int | None:
    """The user who last logged a contact with the victim (their DALO, in practice)."""
    return db.session.scalar(
        sa.select(VictimContact.made_by_id)
        .where(VictimContact.person_id == person.id, VictimContact.made_by_id.is_not(None))
        .order_by(VictimContact.contacted_at.desc(), VictimContact.id.desc())
        .limit(1)
    )
