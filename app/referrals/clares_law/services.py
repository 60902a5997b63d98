"""Clare's Law (Domestic Violence Disclosure Scheme) cases, owned by the DA Hub.

Right to Ask (an applicant asks about a partner of the person at risk) and Right to Know (police
decide to consider a disclosure, by hand or from the network's new-partner candidates). A case
records its dated steps, the decision with its rationale, and the disclosure: what, to whom, by
whom, when and how. Each disclosure is written to the audit log with the action "disclosure"
(DPA 2018 s.62: the recipient, the justification, the date and who made it).

The 28-day clock (2023 statutory guidance) starts on the application date: the case is due on
application + 28 days and overdue from the day after, while it is open. A case closes when the
disclosure is recorded, when the decision is not to disclose, or when it is closed by hand with
a reason (for example the applicant withdrew). A daily scheduler job raises one "clare_overdue"
alert per overdue open case, to supervisors.

Roles: supervisors (the DA Hub) create and work cases; analysts read them. Officers and referral
staff have no access: a case names the person at risk and the applicant.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.alerts.services import raise_alert
from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, assign_ref, local_today, placeholder_ref
from app.catalogue import OffenceCategory, labels
from app.extensions import db
from app.network import stored as network
from app.offenders.models import Person, PersonLink
from app.referrals.checks import check_date, check_length, clean
from app.referrals.clares_law.models import (
    APPLICANT_RELATIONSHIPS,
    CLARE_DECISIONS,
    CLARE_ROUTES,
    CLARE_TARGET_DAYS,
    ClareCase,
)
from app.tasking.models import Task

CLARE_READERS = ("supervisor", "analyst")
CLARE_WRITERS = ("supervisor",)
CLARE_REF_PREFIX = "ACH-CL-"
MAX_NAME = 200
MAX_TEXT = 5000
STEP_FIELDS = ("initial_contact_on", "checks_on", "checks_detail", "face_to_face_on", "forum_decision_on", "forum_name")
STEP_LABELS = {
    "initial_contact_on": "initial contact",
    "checks_on": "checks completed",
    "face_to_face_on": "face-to-face meeting",
    "forum_decision_on": "forum decision",
}


@dataclass(frozen=True)
class Clock:
    """The 28-day clock of a case as of a day."""

    application_on: date
    due_on: date
    as_of: date
    closed_on: date | None

    @property
    def days_elapsed(self) -> int:
        return ((self.closed_on or self.as_of) - self.application_on).days

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def overdue(self) -> bool:
        return self.is_open and self.as_of > self.due_on

    @property
    def days_left(self) -> int:
        return (self.due_on - self.as_of).days

    @property
    def met_target(self) -> bool | None:
        return None if self.is_open else self.closed_on <= self.due_on

    @property
    def summary(self) -> str:
        due = self.due_on.strftime("%d %b %Y")
        if not self.is_open:
            verdict = "within" if self.met_target else "outside"
            return f"Closed after {self.days_elapsed} days, {verdict} the 28-day target (due {due})."
        if self.overdue:
            late = (self.as_of - self.due_on).days
            return f"Day {self.days_elapsed}: overdue by {late} day{'s' if late != 1 else ''} (was due {due})."
        left = self.days_left
        return f"Day {self.days_elapsed} of 28: due {due} ({left} day{'s' if left != 1 else ''} left)."


def due_on(application_on: date) -> date:
    return application_on + timedelta(days=CLARE_TARGET_DAYS)


def clock(case: ClareCase, as_of: date | None = None) -> Clock:
    return Clock(case.application_on, due_on(case.application_on), as_of or local_today(), case.closed_on)


# ---- reading ------------------------------------------------------------------------------------


def get_case(ref: str) -> ClareCase | None:
    return db.session.scalar(
        sa.select(ClareCase)
        .where(ClareCase.ref == ref)
        .options(joinedload(ClareCase.subject), joinedload(ClareCase.person_at_risk))
    )


def view_case(case: ClareCase, *, actor: Actor, reason: str | None = None) -> None:
    audit.record(
        "view",
        f"viewed Clare's Law case {case.ref}",
        object_type="clare_case",
        object_ref=case.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


@dataclass
class ClareFilters:
    route: str | None = None
    status: str | None = None  # open | overdue | closed

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def case_list_query(filters: ClareFilters, as_of: date | None = None):
    as_of = as_of or local_today()
    query = sa.select(ClareCase).options(joinedload(ClareCase.subject), joinedload(ClareCase.person_at_risk))
    if filters.route:
        query = query.where(ClareCase.route == filters.route)
    if filters.status == "open":
        query = query.where(ClareCase.closed_on.is_(None))
    elif filters.status == "overdue":
        query = query.where(ClareCase.closed_on.is_(None), ClareCase.application_on < as_of - timedelta(days=28))
    elif filters.status == "closed":
        query = query.where(ClareCase.closed_on.is_not(None))
    # Open cases first, the oldest application (the most urgent clock) first.
    return query.order_by(ClareCase.closed_on.is_not(None), ClareCase.application_on, ClareCase.id)


def audit_case_list(filters: ClareFilters, page: int, total: int, *, actor: Actor) -> None:
    audit.record(
        "search",
        f"listed Clare's Law cases ({total} found)",
        object_type="clare_case",
        data={"filters": filters.describe(), "page": page, "found": total},
        actor=actor,
    )
    db.session.commit()


# ---- opening a case -----------------------------------------------------------------------------


@dataclass
class CaseInput:
    route: str | None
    subject_ref: str | None
    person_at_risk_ref: str | None = None
    person_at_risk_name: str | None = None
    applicant_name: str | None = None
    applicant_relationship: str | None = None
    application_on: date | None = None
    note: str | None = None


def _find(ref: str | None) -> Person | None:
    ref = clean(ref)
    return db.session.scalar(sa.select(Person).where(Person.ref == ref)) if ref else None


def open_case_for(subject: Person, at_risk: Person | None, at_risk_name: str | None) -> ClareCase | None:
    query = sa.select(ClareCase).where(ClareCase.subject_id == subject.id, ClareCase.closed_on.is_(None))
    if at_risk is not None:
        query = query.where(ClareCase.person_at_risk_id == at_risk.id)
    else:
        query = query.where(sa.func.lower(ClareCase.person_at_risk_name) == (at_risk_name or "").lower())
    return db.session.scalar(query.limit(1))


def create_case(values: CaseInput, *, actor: Actor) -> ClareCase:
    """Open a case. Raises ValidationFailed with nothing written."""
    errors: dict[str, str] = {}
    if values.route not in CLARE_ROUTES:
        errors["route"] = "Choose Right to Ask or Right to Know."
    subject = _find(values.subject_ref)
    if not clean(values.subject_ref):
        errors["subject_ref"] = "Enter the person reference of the subject (the person the disclosure would be about)."
    elif subject is None:
        errors["subject_ref"] = f"No person with reference {clean(values.subject_ref)} is on the register."
    at_risk = _find(values.person_at_risk_ref)
    at_risk_name = clean(values.person_at_risk_name)
    if clean(values.person_at_risk_ref) and at_risk is None:
        errors["person_at_risk_ref"] = (
            f"No person with reference {clean(values.person_at_risk_ref)} is on the register."
        )
    elif at_risk is None and not at_risk_name:
        errors["person_at_risk_ref"] = (
            "Enter the person at risk: their person reference, or their name if not on the register."
        )
    if at_risk is not None:
        at_risk_name = None  # the register holds the name
    if subject is not None and at_risk is not None and subject.id == at_risk.id:
        errors["person_at_risk_ref"] = "The person at risk cannot be the subject."
    check_length(errors, "person_at_risk_name", at_risk_name, MAX_NAME, "the name of the person at risk")
    applicant, relationship = clean(values.applicant_name), clean(values.applicant_relationship)
    if values.route == "ask":
        if not applicant:
            errors["applicant_name"] = "Enter the name of the applicant (Right to Ask)."
        if relationship not in APPLICANT_RELATIONSHIPS:
            errors["applicant_relationship"] = "Choose the applicant's relationship to the person at risk."
        check_length(errors, "applicant_name", applicant, MAX_NAME, "the applicant's name")
    else:
        applicant = relationship = None  # Right to Know has no applicant
    check_date(errors, "application_on", values.application_on, "the application date")
    note = clean(values.note)
    check_length(errors, "note", note, MAX_TEXT, "the note")
    if not errors and subject is not None:
        existing = open_case_for(subject, at_risk, at_risk_name)
        if existing is not None:
            errors["subject_ref"] = (
                f"Case {existing.ref} about {subject.ref} and this person at risk is still open: work that case."
            )
    if errors:
        raise ValidationFailed(errors)
    case = ClareCase(
        ref=placeholder_ref(),
        route=values.route,
        subject_id=subject.id,
        person_at_risk_id=at_risk.id if at_risk else None,
        person_at_risk_name=at_risk_name,
        applicant_name=applicant,
        applicant_relationship=relationship,
        application_on=values.application_on,
        note=note,
        created_by_id=actor.user_id,
        version_id=1,
    )
    db.session.add(case)
    assign_ref(case, CLARE_REF_PREFIX)
    audit.record(
        "create",
        f"opened Clare's Law case {case.ref} ({CLARE_ROUTES[values.route]}) about {subject.ref}",
        object_type="clare_case",
        object_ref=case.ref,
        data={
            "route": values.route,
            "subject": subject.ref,
            "person_at_risk": at_risk.ref if at_risk else at_risk_name,
            "applicant": applicant,
            "applicant_relationship": relationship,
            "application_on": values.application_on,
        },
        actor=actor,
    )
    db.session.commit()
    return case


# ---- working a case -----------------------------------------------------------------------------


def _editable(case: ClareCase, expected_version: int) -> None:
    if case.version_id != expected_version:
        raise EditConflict()
    if not case.is_open:
        raise ValidationFailed({"case": f"Case {case.ref} is closed: nothing more can be recorded on it."})


def _save(case: ClareCase) -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc


def _check_step_date(errors: dict, name: str, value: date | None, what: str, case: ClareCase) -> None:
    check_date(errors, name, value, f"the date of the {what}", required=False)
    if value is not None and name not in errors and value < case.application_on:
        errors[name] = f"The {what} cannot be before the application on {case.application_on.strftime('%d %b %Y')}."


def update_steps(case: ClareCase, values: dict, *, expected_version: int, actor: Actor) -> dict:
    """Date the steps (initial contact, checks, face-to-face, forum decision); returns the changes."""
    _editable(case, expected_version)
    values = {name: values.get(name) for name in STEP_FIELDS}
    values["checks_detail"], values["forum_name"] = clean(values["checks_detail"]), clean(values["forum_name"])
    errors: dict[str, str] = {}
    for name, what in STEP_LABELS.items():
        _check_step_date(errors, name, values[name], what, case)
    check_length(errors, "checks_detail", values["checks_detail"], MAX_TEXT, "the checks made")
    check_length(errors, "forum_name", values["forum_name"], MAX_NAME, "the forum")
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(case, STEP_FIELDS)
    for name, value in values.items():
        setattr(case, name, value)
    diff = audit.changes(before, audit.snapshot(case, STEP_FIELDS))
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update",
        f"Clare's Law case {case.ref}: steps recorded",
        object_type="clare_case",
        object_ref=case.ref,
        data={"changes": diff},
        actor=actor,
    )
    _save(case)
    return diff


def record_decision(
    case: ClareCase,
    *,
    decision: str | None,
    rationale: str | None,
    decided_on: date | None,
    expected_version: int,
    actor: Actor,
) -> None:
    """Record the decision to disclose or not, with its rationale. Not to disclose closes the case."""
    _editable(case, expected_version)
    rationale = clean(rationale)
    errors: dict[str, str] = {}
    if case.decision is not None:
        errors["decision"] = f"The decision on case {case.ref} is already recorded."
    elif decision not in CLARE_DECISIONS:
        errors["decision"] = "Choose whether to disclose."
    if not rationale:
        errors["rationale"] = "Give the rationale for the decision (lawful, necessary and proportionate)."
    check_length(errors, "rationale", rationale, MAX_TEXT, "the rationale")
    _check_step_date(errors, "decided_on", decided_on, "decision", case)
    if decided_on is None:
        errors["decided_on"] = "Enter the date of the decision."
    if errors:
        raise ValidationFailed(errors)
    fields = ("decision", "rationale", "decided_on", "closed_on", "closure")
    before = audit.snapshot(case, fields)
    case.decision, case.rationale, case.decided_on, case.decided_by_id = decision, rationale, decided_on, actor.user_id
    if decision == "not_disclose":
        case.closed_on, case.closure = decided_on, "not_disclosed"
    audit.record(
        "update",
        f"Clare's Law case {case.ref}: decision {CLARE_DECISIONS[decision].lower()}",
        object_type="clare_case",
        object_ref=case.ref,
        reason=rationale,
        data=audit.changes(before, audit.snapshot(case, fields)),
        actor=actor,
    )
    _save(case)


def record_disclosure(
    case: ClareCase,
    *,
    disclosure_on: date | None,
    disclosed_to: str | None,
    disclosed_what: str | None,
    disclosed_how: str | None,
    expected_version: int,
    actor: Actor,
) -> None:
    """Record the disclosure made (what, to whom, how), by the acting user; it closes the case and is
    written to the audit log as a disclosure. Needs a decision to disclose, with its rationale."""
    _editable(case, expected_version)
    if case.decision != "disclose":
        raise ValidationFailed(
            {"decision": "Record the decision to disclose, with its rationale, before recording a disclosure."}
        )
    disclosed_to, disclosed_what, disclosed_how = clean(disclosed_to), clean(disclosed_what), clean(disclosed_how)
    errors: dict[str, str] = {}
    if not disclosed_to:
        errors["disclosed_to"] = (
            "Enter who received the disclosure (the person best placed to protect the person at risk)."
        )
    if not disclosed_what:
        errors["disclosed_what"] = "Enter what was disclosed."
    check_length(errors, "disclosed_to", disclosed_to, MAX_NAME, "who received the disclosure")
    check_length(errors, "disclosed_what", disclosed_what, MAX_TEXT, "what was disclosed")
    check_length(errors, "disclosed_how", disclosed_how, MAX_NAME, "how it was disclosed")
    check_date(errors, "disclosure_on", disclosure_on, "the date of the disclosure")
    if disclosure_on is not None and "disclosure_on" not in errors and disclosure_on < case.decided_on:
        errors["disclosure_on"] = (
            f"The disclosure cannot be before the decision on {case.decided_on.strftime('%d %b %Y')}."
        )
    if actor.user_id is None:
        errors["disclosed_by"] = "A disclosure is recorded by the signed-in user who made it."
    if errors:
        raise ValidationFailed(errors)
    case.disclosure_on, case.disclosed_to, case.disclosed_what, case.disclosed_how = (
        disclosure_on,
        disclosed_to,
        disclosed_what,
        disclosed_how,
    )
    case.disclosed_by_id = actor.user_id
    case.closed_on, case.closure = disclosure_on, "disclosed"
    audit.record(
        "disclosure",
        f"Clare's Law disclosure ({case.route_label}) about {case.subject.ref} to {disclosed_to}, case {case.ref}",
        object_type="clare_case",
        object_ref=case.ref,
        reason=case.rationale,
        data={
            "subject": case.subject.ref,
            "disclosed_to": disclosed_to,
            "disclosed_what": disclosed_what,
            "disclosed_how": disclosed_how,
            "disclosed_by": actor.username,
            "disclosure_on": disclosure_on,
            "decided_on": case.decided_on,
            "rationale": case.rationale,
        },
        actor=actor,
    )
    _save(case)


def close_case(
    case: ClareCase, *, closed_on: date | None, reason: str | None, expected_version: int, actor: Actor
) -> None:
    """Close a case without a decision (the applicant withdrew, the subject is not who was thought)."""
    _editable(case, expected_version)
    reason = clean(reason)
    errors: dict[str, str] = {}
    if case.decision is not None:
        errors["reason"] = "The decision is recorded: record the disclosure instead."
    elif not reason:
        errors["reason"] = "Give the reason the case is closed without a decision."
    check_length(errors, "reason", reason, MAX_TEXT, "the reason")
    _check_step_date(errors, "closed_on", closed_on, "closure", case)
    if closed_on is None:
        errors["closed_on"] = "Enter the date the case closed."
    if errors:
        raise ValidationFailed(errors)
    case.closed_on, case.closure, case.closure_reason = closed_on, "withdrawn", reason
    audit.record(
        "update",
        f"Clare's Law case {case.ref} closed without a decision",
        object_type="clare_case",
        object_ref=case.ref,
        reason=reason,
        data={"closed_on": closed_on},
        actor=actor,
    )
    _save(case)


# ---- overdue alerts (the scheduler's daily job) -----------------------------------------------


def raise_clare_overdue_alerts(as_of: date, *, actor: Actor) -> int:
    """One alert to supervisors for each open case past its 28-day target; idempotent per case."""
    cases = db.session.scalars(
        sa.select(ClareCase)
        .where(ClareCase.closed_on.is_(None), ClareCase.application_on < as_of - timedelta(days=CLARE_TARGET_DAYS))
        .order_by(ClareCase.application_on, ClareCase.id)
    ).all()
    raised = 0
    for case in cases:
        due = due_on(case.application_on)
        raised += (
            raise_alert(
                kind="clare_overdue",
                object_type="clare_case",
                object_ref=case.ref,
                due_on=due,
                message=(
                    f"Clare's Law case {case.ref} ({case.route_label}) passed its 28-day target on "
                    f"{due.strftime('%d %b %Y')} and is still open."
                ),
                role="supervisor",
            )
            is not None
        )
    audit.record("create", f"{raised} Clare's Law overdue alert(s) raised", object_type="alert", actor=actor)
    db.session.commit()
    return raised


# ---- Right to Know from the network's new-partner candidates ----------------------------------


@dataclass
class CandidateWithCase:
    row: network.CandidateRow
    open_case: ClareCase | None
    links: list[PersonLink] = field(default_factory=list)  # the recorded relationships between the two


def right_to_know_candidates(
    *, since: date | None, actor: Actor | None, page: int = 1, sort: str | None = None, descending: bool = False
) -> network.CandidateList:
    """One page of the network's new-partner candidates (app.network.stored, audited there), each
    with the open Clare's Law case about that subject and new partner, if there is one, the recorded
    relationships between the two (where the knowledge came from and its grading) and the
    Right-to-Know disclosure tasks already set for the subject."""
    rows = network.right_to_know_candidates(since=since, actor=actor, page=page, sort=sort, descending=descending)
    subjects = sorted({r.suspect.id for r in rows})
    pairs = {frozenset((r.suspect.id, r.new_victim.id)) for r in rows}
    cases: dict[tuple[int, int | None], ClareCase] = {}
    links: dict[frozenset, list[PersonLink]] = {}
    for start in range(0, len(subjects), 500):
        chunk = subjects[start : start + 500]
        for case in db.session.scalars(
            sa.select(ClareCase).where(ClareCase.subject_id.in_(chunk), ClareCase.closed_on.is_(None))
        ):
            cases.setdefault((case.subject_id, case.person_at_risk_id), case)
        for link in db.session.scalars(
            sa.select(PersonLink)
            .where(sa.or_(PersonLink.person_a_id.in_(chunk), PersonLink.person_b_id.in_(chunk)))
            .order_by(PersonLink.id)
        ):
            pair = frozenset((link.person_a_id, link.person_b_id))
            if pair in pairs:
                links.setdefault(pair, []).append(link)
    tasks = disclosure_tasks(subjects)
    for row in rows:
        row.disclosure_tasks = tasks.get(row.suspect.id, [])
    found = [
        CandidateWithCase(
            r,
            cases.get((r.suspect.id, r.new_victim.id)),
            links.get(frozenset((r.suspect.id, r.new_victim.id)), []),
        )
        for r in rows
    ]
    return network.CandidateList(found, rows.total, rows.page, rows.per_page)


def offence_labels() -> dict[str, str]:
    return labels(OffenceCategory)


def disclosure_tasks(subject_ids: list[int]) -> dict[int, list[Task]]:
    """The Right-to-Know disclosure tasks of each subject, oldest first."""
    tasks: dict[int, list[Task]] = {}
    for start in range(0, len(subject_ids), 500):
        chunk = subject_ids[start : start + 500]
        for task in db.session.scalars(
            sa.select(Task).where(Task.task_type == "right_to_know", Task.person_id.in_(chunk)).order_by(Task.id)
        ):
            tasks.setdefault(task.person_id, []).append(task)
    return tasks


def raise_right_to_know(subject_ref: str, at_risk_ref: str, *, actor: Actor, note: str | None = None) -> ClareCase:
    """Open a Right to Know case from a new-partner candidate: the application date is today."""
    return create_case(
        CaseInput(
            route="know",
            subject_ref=subject_ref,
            person_at_risk_ref=at_risk_ref,
            application_on=local_today(),
            note=note or "Raised from the new-partner (Right to Know) candidates.",
        ),
        actor=actor,
    )
