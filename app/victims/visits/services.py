"""Recording a DALO needs assessment or hidden-harm visit, and completing its visit task.

The visit and the task's completion are written together or not at all: the visit is checked
whole, the task is checked (it must be an open visit task about this victim that the user may
work), and tasking's own service then marks the task done with the outcome "visit completed",
committing both (decisions.md: tasking owns its tasks; victims asks its service).
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import ValidationFailed, assign_ref, placeholder_ref
from app.extensions import db
from app.offenders.models import Person
from app.tasking.models import Task
from app.tasking.tasks import rules as task_rules
from app.tasking.tasks import services as tasks
from app.victims.common import MAX_NAME, MAX_TEXT, check_moment, codes_field, text_field, victim_event, victim_task
from app.victims.dash import services as dash
from app.victims.visits.models import NEEDS, SAFEGUARDING_REFERRALS, VISIT_EVIDENCE, VISIT_KINDS, VictimVisit

VISIT_REF_PREFIX = "ACH-VV-"
VISIT_TASK_TYPES = ("hidden_harm_visit", "victim_safeguarding")


@dataclass
class VisitInput:
    kind: str | None
    visited_at: datetime | None
    seen_alone: bool | None = None
    children_present: bool | None = None
    perpetrator_present: bool | None = None
    injuries_seen: bool | None = None
    injuries_detail: str | None = None
    dash_done: bool | None = None
    dash_ref: str | None = None
    idva_offered: bool | None = None
    idva_accepted: bool | None = None
    safety_advice_given: bool | None = None
    safeguarding_referrals: list[str] = field(default_factory=list)
    evidence_secured: list[str] = field(default_factory=list)
    arrest_made: bool | None = None
    arrest_event_ref: str | None = None
    needs: list[str] = field(default_factory=list)
    note: str | None = None
    task_id: int | None = None


YES_NO_QUESTIONS = {
    "seen_alone": "Say whether you saw them alone.",
    "children_present": "Say whether children were present.",
    "perpetrator_present": "Say whether the perpetrator was present.",
    "injuries_seen": "Say whether you saw injuries.",
    "dash_done": "Say whether a DASH was done.",
    "idva_offered": "Say whether an IDVA was offered.",
    "safety_advice_given": "Say whether safety advice was given.",
    "arrest_made": "Say whether an arrest was made.",
}


def check_visit(person: Person, values: VisitInput, user: User | None) -> tuple[dict[str, str], dict]:
    errors: dict[str, str] = {}
    if values.kind not in VISIT_KINDS:
        errors["kind"] = "Choose a needs assessment or a hidden-harm visit."
    check_moment(errors, "visited_at", values.visited_at, "the date and time of the visit")
    for name, message in YES_NO_QUESTIONS.items():
        if getattr(values, name) is None:
            errors[name] = message
    if values.seen_alone and values.perpetrator_present:
        errors["seen_alone"] = "They were not seen alone if the perpetrator was present."
    injuries = text_field(errors, "injuries_detail", values.injuries_detail, MAX_TEXT, "the injuries seen")
    if values.injuries_seen and not injuries and "injuries_detail" not in errors:
        errors["injuries_detail"] = "Describe the injuries seen (and whether they were photographed)."
    assessment = dash.assessment_of(person, values.dash_ref, errors, "dash_ref")
    if values.dash_done and assessment is None and "dash_ref" not in errors:
        errors["dash_ref"] = "Choose the DASH assessment done at the visit (record it first if it is not listed)."
    if values.dash_done is False and assessment is not None:
        errors["dash_ref"] = "A DASH is chosen but the answer says none was done."
    if values.idva_offered and values.idva_accepted is None:
        errors["idva_accepted"] = "Say whether the IDVA offer was accepted."
    accepted = values.idva_accepted if values.idva_offered else None
    event = victim_event(errors, "arrest_event_ref", values.arrest_event_ref, person, "the arrest's event")
    if values.arrest_made and event is None and "arrest_event_ref" not in errors:
        errors["arrest_event_ref"] = "Enter the reference of the DA event the arrest was for (record the event first)."
    if values.arrest_made is False and event is not None:
        errors["arrest_event_ref"] = "An event is given but the answer says no arrest was made."
    resolved = {
        "injuries": injuries if values.injuries_seen else None,
        "assessment": assessment,
        "accepted": accepted,
        "event": event,
        "referrals": codes_field(
            errors, "safeguarding_referrals", values.safeguarding_referrals, SAFEGUARDING_REFERRALS, "the referrals"
        ),
        "evidence": codes_field(errors, "evidence_secured", values.evidence_secured, VISIT_EVIDENCE, "the evidence"),
        "needs": codes_field(errors, "needs", values.needs, NEEDS, "the needs"),
        "note": text_field(errors, "note", values.note, MAX_TEXT, "the note"),
        "task": _task(person, values.task_id, user, errors),
    }
    return errors, resolved


def _task(person: Person, task_id: int | None, user: User | None, errors: dict):
    if task_id is not None and user is None:
        errors["task_id"] = "Only a signed-in officer or supervisor completes a visit task."
        return None
    return victim_task(person, task_id, user, errors, VISIT_TASK_TYPES)


def record_visit(
    person: Person, values: VisitInput, *, actor: Actor, officer: str, user: User | None = None
) -> VictimVisit:
    """Record a visit to the victim by `officer` and, when it answers a visit task, complete that
    task through tasking's service (as `user`), in one transaction. ValidationFailed (nothing
    written) if anything is wrong."""
    errors, r = check_visit(person, values, user)
    officer = (officer or "").strip()[:MAX_NAME] or actor.username
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    task = r["task"]
    visit = VictimVisit(
        ref=placeholder_ref(),
        person_id=person.id,
        kind=values.kind,
        visited_at=values.visited_at,
        officer_id=actor.user_id,
        officer=officer,
        task_id=task.id if task else None,
        seen_alone=values.seen_alone,
        children_present=values.children_present,
        perpetrator_present=values.perpetrator_present,
        injuries_seen=values.injuries_seen,
        injuries_detail=r["injuries"],
        dash_assessment_id=r["assessment"].id if r["assessment"] else None,
        idva_offered=values.idva_offered,
        idva_accepted=r["accepted"],
        safety_advice_given=values.safety_advice_given,
        safeguarding_referrals=r["referrals"],
        evidence_secured=r["evidence"],
        arrest_event_id=r["event"].id if r["event"] else None,
        needs=r["needs"],
        note=r["note"],
    )
    db.session.add(visit)
    assign_ref(visit, VISIT_REF_PREFIX)
    audit.record(
        "create",
        f"recorded {VISIT_KINDS[values.kind].lower()} {visit.ref} to {person.ref}",
        object_type="victim_visit",
        object_ref=visit.ref,
        data={
            "person": person.ref,
            "visited_at": values.visited_at,
            "seen_alone": values.seen_alone,
            "dash": r["assessment"].ref if r["assessment"] else None,
            "idva_offered": values.idva_offered,
            "arrest_event": r["event"].ref if r["event"] else None,
            "task": task.id if task else None,
        },
        actor=actor,
    )
    if task is None:
        db.session.commit()
        return visit
    # Tasking completes its own task, audits it and commits the visit with it.
    outcome = "visit_completed" if task.task_type == "hidden_harm_visit" else "victim_contacted"
    try:
        tasks.change_status(
            task,
            "done",
            expected_version=task.version_id,
            user=user,
            outcome=outcome,
            note=f"{VISIT_KINDS[values.kind]} recorded as {visit.ref}.",
        )
    except (tasks.TaskConflict, tasks.TaskRefused) as exc:  # the task moved since it was checked
        db.session.rollback()
        raise ValidationFailed(
            {"task_id": f"Task {task.id} changed while you were recording this: check it, then record again."}
        ) from exc
    return visit


def visits_of(person: Person) -> list[VictimVisit]:
    return list(
        db.session.scalars(
            sa.select(VictimVisit)
            .where(VictimVisit.person_id == person.id)
            .order_by(VictimVisit.visited_at.desc(), VictimVisit.id.desc())
        )
    )


def get_visit(ref: str) -> VictimVisit | None:
    return db.session.scalar(
        sa.select(VictimVisit)
        .where(VictimVisit.ref == ref)
        .options(joinedload(VictimVisit.person), joinedload(VictimVisit.arrest_event))
    )


def view_visit(visit: VictimVisit, *, actor: Actor, reason: str | None = None) -> None:
    audit.record(
        "view",
        f"viewed {visit.kind_label.lower()} {visit.ref} to {visit.person.ref}",
        object_type="victim_visit",
        object_ref=visit.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


def open_visit_tasks(person: Person) -> list[Task]:
    """Open visit and contact tasks about the victim: a visit recorded here can complete them."""
    return list(
        db.session.scalars(
            sa.select(Task)
            .where(
                Task.person_id == person.id,
                Task.task_type.in_(VISIT_TASK_TYPES),
                Task.status.in_(task_rules.OPEN_STATUSES),
            )
            .options(joinedload(Task.owner), joinedload(Task.team))
            .order_by(Task.due_at, Task.id)
        )
    )
