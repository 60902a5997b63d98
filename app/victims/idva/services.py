"""IDVA referrals: make one, record the IDVA's first contact and the outcome, and the daily alert for a
high-risk referral with no first contact within 2 working days.

Working days are Monday to Friday except bank holidays in England and Wales (app.holidays).
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.alerts.services import raise_alert
from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, assign_ref, local_today, placeholder_ref
from app.catalogue import DASH_RISKS
from app.extensions import db
from app.holidays import add_working_days
from app.offenders.models import Person
from app.victims.common import MAX_NAME, MAX_TEXT, check_date, clean, text_field
from app.victims.dash import services as dash
from app.victims.idva.models import FIRST_CONTACT_WORKING_DAYS, IDVA_OUTCOMES, IdvaReferral

IDVA_REF_PREFIX = "ACH-IDVA-"


def first_contact_due(referral: IdvaReferral) -> date:
    """The last day the IDVA's first contact is expected: 2 working days after the referral."""
    return add_working_days(referral.referred_on, FIRST_CONTACT_WORKING_DAYS)


def contact_overdue(referral: IdvaReferral, as_of: date | None = None) -> bool:
    """A high-risk referral, still open, with no first contact by the end of its second working day."""
    as_of = as_of or local_today()
    return (
        referral.risk_level == "high"
        and referral.first_contact_on is None
        and referral.outcome is None
        and as_of > first_contact_due(referral)
    )


@dataclass
class ReferralInput:
    referred_on: date | None
    service: str | None
    risk_level: str | None
    consent: bool | None
    consent_note: str | None = None
    dash_ref: str | None = None
    note: str | None = None


def refer(person: Person, values: ReferralInput, *, actor: Actor, referred_by: str | None = None) -> IdvaReferral:
    """Refer the victim to an IDVA service; ValidationFailed (nothing written) if anything is wrong."""
    errors: dict[str, str] = {}
    check_date(errors, "referred_on", values.referred_on, "the date of the referral")
    service = text_field(errors, "service", values.service, MAX_NAME, "the IDVA service")
    if not service and "service" not in errors:
        errors["service"] = "Enter the IDVA service the referral went to."
    if values.risk_level not in DASH_RISKS:
        errors["risk_level"] = "Choose the risk level at referral (the latest DASH grade)."
    consent_note = text_field(errors, "consent_note", values.consent_note, MAX_TEXT, "the reason")
    if values.consent is None:
        errors["consent"] = "Say whether the victim consented to the referral."
    elif not values.consent and not consent_note:
        errors["consent_note"] = "Say why the referral was made without the victim's consent (for example high risk)."
    assessment = dash.assessment_of(person, values.dash_ref, errors, "dash_ref")
    note = text_field(errors, "note", values.note, MAX_TEXT, "the note")
    referred_by = clean(referred_by) or actor.username
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    referral = IdvaReferral(
        ref=placeholder_ref(),
        person_id=person.id,
        referred_on=values.referred_on,
        referred_by_id=actor.user_id,
        referred_by=referred_by[:MAX_NAME],
        service=service,
        risk_level=values.risk_level,
        dash_assessment_id=assessment.id if assessment else None,
        consent=values.consent,
        consent_note=consent_note,
        note=note,
        version_id=1,
    )
    db.session.add(referral)
    assign_ref(referral, IDVA_REF_PREFIX)
    audit.record(
        "create",
        f"referred {person.ref} to an IDVA service ({referral.ref}, {DASH_RISKS[values.risk_level].lower()} risk)",
        object_type="idva_referral",
        object_ref=referral.ref,
        data={
            "person": person.ref,
            "referred_on": values.referred_on,
            "service": service,
            "risk_level": values.risk_level,
            "consent": values.consent,
            "dash": assessment.ref if assessment else None,
        },
        actor=actor,
    )
    db.session.commit()
    return referral


PROGRESS_FIELDS = ("first_contact_on", "outcome", "outcome_on")


def record_progress(
    referral: IdvaReferral,
    *,
    first_contact_on: date | None,
    outcome: str | None,
    outcome_on: date | None,
    expected_version: int,
    actor: Actor,
) -> dict:
    """Record the IDVA's first contact and, when known, the outcome. Returns the audited changes."""
    if referral.version_id != expected_version:
        db.session.rollback()
        raise EditConflict()
    errors: dict[str, str] = {}
    check_date(errors, "first_contact_on", first_contact_on, "the date of the first contact", required=False)
    if first_contact_on and "first_contact_on" not in errors and first_contact_on < referral.referred_on:
        errors["first_contact_on"] = "The first contact cannot be before the referral."
    outcome = clean(outcome)
    if outcome is not None and outcome not in IDVA_OUTCOMES:
        errors["outcome"] = "Choose the outcome from the list."
    check_date(errors, "outcome_on", outcome_on, "the date of the outcome", required=False)
    if outcome and outcome_on is None and "outcome_on" not in errors:
        errors["outcome_on"] = "Enter the date of the outcome."
    if outcome_on and not outcome and "outcome" not in errors:
        errors["outcome"] = "Choose the outcome, or leave its date empty."
    if outcome_on and "outcome_on" not in errors and outcome_on < referral.referred_on:
        errors["outcome_on"] = "The outcome cannot be before the referral."
    if outcome == "engaged" and first_contact_on is None and "first_contact_on" not in errors:
        errors["first_contact_on"] = "Enter the date the IDVA first made contact: the victim engaged."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = audit.snapshot(referral, PROGRESS_FIELDS)
    referral.first_contact_on, referral.outcome, referral.outcome_on = first_contact_on, outcome, outcome_on
    diff = audit.changes(before, audit.snapshot(referral, PROGRESS_FIELDS))
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update",
        f"IDVA referral {referral.ref}: first contact and outcome recorded",
        object_type="idva_referral",
        object_ref=referral.ref,
        data={"changes": diff},
        actor=actor,
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return diff


def referrals_of(person: Person) -> list[IdvaReferral]:
    return list(
        db.session.scalars(
            sa.select(IdvaReferral)
            .where(IdvaReferral.person_id == person.id)
            .order_by(IdvaReferral.referred_on.desc(), IdvaReferral.id.desc())
        )
    )


def get_referral(ref: str) -> IdvaReferral | None:
    return db.session.scalar(
        sa.select(IdvaReferral).where(IdvaReferral.ref == ref).options(joinedload(IdvaReferral.person))
    )


def view_referral(referral: IdvaReferral, *, actor: Actor, reason: str | None = None) -> None:
    audit.record(
        "view",
        f"viewed IDVA referral {referral.ref} of {referral.person.ref}",
        object_type="idva_referral",
        object_ref=referral.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


def raise_first_contact_alerts(as_of: date, *, actor: Actor) -> int:
    """One alert per open high-risk referral with no first contact by its second working day: to the
    officer who referred, or to supervisors. Idempotent (one per referral and due day)."""
    referrals = db.session.scalars(
        sa.select(IdvaReferral)
        .where(
            IdvaReferral.risk_level == "high",
            IdvaReferral.first_contact_on.is_(None),
            IdvaReferral.outcome.is_(None),
            IdvaReferral.referred_on < as_of,
        )
        .options(joinedload(IdvaReferral.person), joinedload(IdvaReferral.referred_by_user))
        .order_by(IdvaReferral.referred_on, IdvaReferral.id)
    ).all()
    raised = 0
    for referral in referrals:
        if not contact_overdue(referral, as_of):
            continue
        due = first_contact_due(referral)
        referrer = referral.referred_by_user
        to_user = referrer is not None and referrer.active
        alert = raise_alert(
            kind="idva_no_contact",
            object_type="idva_referral",
            object_ref=referral.ref,
            due_on=due,
            message=(
                f"High-risk IDVA referral {referral.ref} of {referral.person.ref} (made "
                f"{referral.referred_on.strftime('%d %b %Y')} to {referral.service}): no first contact recorded "
                f"by {due.strftime('%d %b %Y')}, 2 working days on. Chase the IDVA service."
            ),
            user_id=referrer.id if to_user else None,
            role=None if to_user else "supervisor",
        )
        raised += alert is not None
    audit.record("create", f"{raised} IDVA first-contact alert(s) raised", object_type="alert", actor=actor)
    db.session.commit()
    return raised
