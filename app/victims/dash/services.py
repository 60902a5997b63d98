"""DASH assessments: record one (checked whole, nothing half-written), read a victim's history, and
give MARAC's rules the DASH facts they ask for (app.signals.dash_facts_wanted).

An assessment is never edited: a new assessment is the correction, so the history shows how a
victim's risk was seen over time. When the assessment is made for a DA event recorded in Achilles
(by hand or from a breach), the event takes its grade; an imported event keeps the force's grade
(the force's records system is the source of truth, decisions.md #7) and links to the assessment.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed, assign_ref, placeholder_ref
from app.catalogue import DASH_RISKS
from app.extensions import db
from app.offenders.events import services as events
from app.offenders.models import Person
from app.referrals.forums.services import DashFact
from app.victims.common import MAX_NAME, MAX_TEXT, check_date, clean, find_person, text_field, victim_event
from app.victims.dash.models import DashAnswer, DashAssessment
from app.victims.dash.questions import (
    DASH_ANSWERS,
    DASH_QUESTIONS,
    ESCALATION_QUESTIONS,
    band_for,
    lowered,
    raised_by_judgement,
)

DASH_REF_PREFIX = "ACH-D-"
ESCALATION_WORDS = {13: "the abuse is happening more often", 14: "the abuse is getting worse"}


@dataclass
class DashInput:
    assessed_on: date | None
    answers: dict[int, str | None] = field(default_factory=dict)
    grade: str | None = None  # empty: the grade the answers give
    judgement_reason: str | None = None
    event_ref: str | None = None
    suspect_ref: str | None = None
    note: str | None = None


def yes_count(answers: dict[int, str]) -> int:
    return sum(1 for a in answers.values() if a == "yes")


def check_assessment(person: Person, values: DashInput) -> tuple[dict[str, str], dict]:
    """(errors, resolved values): every question answered, the grade not below the band, a reason
    for professional judgement, the event against this victim, the perpetrator on the register."""
    errors: dict[str, str] = {}
    check_date(errors, "assessed_on", values.assessed_on, "the date of the assessment")
    answers = {}
    for number in DASH_QUESTIONS:
        answer = values.answers.get(number)
        if answer not in DASH_ANSWERS:
            errors[f"q{number}"] = f"Answer question {number}: yes, no or not known."
        else:
            answers[number] = answer
    count = yes_count(answers)
    band = band_for(count)
    grade = clean(values.grade) or band
    reason = text_field(errors, "judgement_reason", values.judgement_reason, MAX_TEXT, "the reason")
    if grade not in DASH_RISKS:
        errors["grade"] = "Choose the risk grade from the list."
    elif len(answers) == len(DASH_QUESTIONS) and lowered(band, grade):
        errors["grade"] = (
            f"{count} yes answers give {DASH_RISKS[band].lower()} risk: professional judgement can raise a grade, "
            "never lower it."
        )
    elif len(answers) == len(DASH_QUESTIONS) and raised_by_judgement(band, grade) and not reason:
        errors["judgement_reason"] = (
            f"Say why you grade the risk {DASH_RISKS[grade].lower()} when the answers give "
            f"{DASH_RISKS[band].lower()} (professional judgement)."
        )
    event = victim_event(errors, "event_ref", values.event_ref, person, "an assessment is about its victim")
    suspect = None
    if clean(values.suspect_ref):
        suspect = find_person(values.suspect_ref)
        if suspect is None:
            errors["suspect_ref"] = f"No person has the reference {clean(values.suspect_ref)[:64]}."
        elif suspect.id == person.id:
            errors["suspect_ref"] = "The perpetrator cannot be the victim."
    if event is not None and suspect is None and "suspect_ref" not in errors:
        suspect = event.suspect
    note = text_field(errors, "note", values.note, MAX_TEXT, "the note")
    resolved = {"answers": answers, "band": band, "grade": grade, "reason": reason, "event": event}
    return errors, resolved | {"suspect": suspect, "note": note, "yes_count": count}


def record_assessment(person: Person, values: DashInput, *, actor: Actor, assessor: str | None = None):
    """Record a DASH assessment of this victim; ValidationFailed (nothing written) if anything is wrong."""
    errors, r = check_assessment(person, values)
    assessor = clean(assessor) or actor.username
    if len(assessor) > MAX_NAME:
        errors["assessor"] = f"The assessor's name must be {MAX_NAME} characters or fewer."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    assessment = DashAssessment(
        ref=placeholder_ref(),
        person_id=person.id,
        suspect_id=r["suspect"].id if r["suspect"] else None,
        event_id=r["event"].id if r["event"] else None,
        assessed_on=values.assessed_on,
        assessor_id=actor.user_id,
        assessor=assessor,
        yes_count=r["yes_count"],
        band=r["band"],
        grade=r["grade"],
        judgement_reason=r["reason"],
        note=r["note"],
        answers=[DashAnswer(number=n, answer=a) for n, a in sorted(r["answers"].items())],
    )
    db.session.add(assessment)
    assign_ref(assessment, DASH_REF_PREFIX)
    graded_event = False
    if r["event"] is not None:
        graded_event = events.set_dash_grade(r["event"], r["grade"], because=assessment.ref, actor=actor)
    audit.record(
        "create",
        f"recorded DASH assessment {assessment.ref} of {person.ref}: {DASH_RISKS[r['grade']].lower()} risk",
        object_type="dash_assessment",
        object_ref=assessment.ref,
        reason=r["reason"],
        data={
            "person": person.ref,
            "assessed_on": values.assessed_on,
            "yes_count": r["yes_count"],
            "band": r["band"],
            "grade": r["grade"],
            "event": r["event"].ref if r["event"] else None,
            "event_graded": graded_event,
            "suspect": r["suspect"].ref if r["suspect"] else None,
        },
        actor=actor,
    )
    db.session.commit()
    return assessment


# ---- reading ------------------------------------------------------------------------------------


def assessments_of(person: Person) -> list[DashAssessment]:
    """The victim's DASH history, newest first."""
    return list(
        db.session.scalars(
            sa.select(DashAssessment)
            .where(DashAssessment.person_id == person.id)
            .options(joinedload(DashAssessment.event), joinedload(DashAssessment.suspect))
            .order_by(DashAssessment.assessed_on.desc(), DashAssessment.id.desc())
        )
    )


def get_assessment(ref: str) -> DashAssessment | None:
    return db.session.scalar(
        sa.select(DashAssessment)
        .where(DashAssessment.ref == ref)
        .options(
            joinedload(DashAssessment.person),
            joinedload(DashAssessment.event),
            joinedload(DashAssessment.suspect),
            selectinload(DashAssessment.answers),
        )
    )


def get_assessment_by_id(assessment_id: int | None) -> DashAssessment | None:
    return db.session.get(DashAssessment, assessment_id) if assessment_id else None


def assessment_of(person: Person, ref: str | None, errors: dict, name: str) -> DashAssessment | None:
    """The victim's own assessment a form names (a visit's or a Hub response's DASH)."""
    ref = clean(ref)
    if not ref:
        return None
    found = db.session.scalar(
        sa.select(DashAssessment).where(DashAssessment.ref == ref, DashAssessment.person_id == person.id)
    )
    if found is None:
        errors[name] = f"{person.full_name} has no DASH assessment {ref[:64]}: record it first, then choose it."
    return found


def view_assessment(assessment: DashAssessment, *, actor: Actor, reason: str | None = None) -> None:
    audit.record(
        "view",
        f"viewed DASH assessment {assessment.ref} of {assessment.person.ref}",
        object_type="dash_assessment",
        object_ref=assessment.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


def assessments_for_events(event_ids: list[int]) -> dict[int, DashAssessment]:
    """The latest assessment made for each event (an event's DASH grade links to it)."""
    found: dict[int, DashAssessment] = {}
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        for a in db.session.scalars(
            sa.select(DashAssessment)
            .where(DashAssessment.event_id.in_(chunk))
            .order_by(DashAssessment.assessed_on, DashAssessment.id)
        ):
            found[a.event_id] = a
    return found


def latest_grades(person_ids: list[int]) -> dict[int, DashAssessment]:
    """Each person's latest DASH assessment (by date, then record)."""
    found: dict[int, DashAssessment] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        for a in db.session.scalars(
            sa.select(DashAssessment)
            .where(DashAssessment.person_id.in_(chunk))
            .order_by(DashAssessment.assessed_on, DashAssessment.id)
        ):
            found[a.person_id] = a
    return found


def dash_facts(person_ids: list[int] | None, *, since: date, as_of: date) -> dict[int, list[DashFact]]:
    """{person id: their DASH assessments between `since` and `as_of` as MARAC's rules read them}:
    two queries (the assessments, and the answers to the escalation questions)."""
    query = (
        sa.select(DashAssessment)
        .where(DashAssessment.assessed_on.between(since, as_of))
        .options(joinedload(DashAssessment.event))
        .order_by(DashAssessment.assessed_on, DashAssessment.id)
    )
    if person_ids is not None:
        query = query.where(DashAssessment.person_id.in_(person_ids))
    assessments = list(db.session.scalars(query))
    escalation: dict[int, list[int]] = defaultdict(list)
    ids = [a.id for a in assessments]
    for start in range(0, len(ids), 500):
        for assessment_id, number in db.session.execute(
            sa.select(DashAnswer.assessment_id, DashAnswer.number).where(
                DashAnswer.assessment_id.in_(ids[start : start + 500]),
                DashAnswer.number.in_(ESCALATION_QUESTIONS),
                DashAnswer.answer == "yes",
            )
        ):
            escalation[assessment_id].append(number)
    out: dict[int, list[DashFact]] = defaultdict(list)
    for a in assessments:
        out[a.person_id].append(
            DashFact(
                ref=a.ref,
                assessed_on=a.assessed_on,
                yes_count=a.yes_count,
                grade=a.grade,
                by_judgement=a.by_judgement,
                escalation=tuple(ESCALATION_WORDS[n] for n in sorted(escalation.get(a.id, []))),
                event_ref=a.event.ref if a.event else None,
            )
        )
    return dict(out)


def _on_dash_facts_wanted(person_ids, *, since: date, as_of: date, **_):
    return dash_facts(person_ids, since=since, as_of=as_of)


def connect_signals() -> None:
    """Answer MARAC's request for DASH facts (app.signals); called when the app is built."""
    signals.dash_facts_wanted.connect(_on_dash_facts_wanted)
