"""Perpetrator-programme referrals and what referral staff may see of a person.

Every state change is a move made here (never in a route): the move is checked against the state
machine in app.referrals.models (REFERRAL_MOVES), stored as a ReferralMove row and audited in the
same transaction. An illegal move raises IllegalMove and writes nothing.

Need to know: referral staff see a person's identity (name, reference, date of birth and age), the
offence categories and dates of the person's DA events as a suspect, and programme referrals; never
levers or intelligence, victims' names or addresses, or the network picture. `person_view` builds
that view for a viewer's roles, and is the only way the referral pages read a person: victims
become "Victim 1", "Victim 2"... with their relationship ("a partner"), unless the viewer reads the
full register.
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, assign_ref, local_time, local_today, placeholder_ref
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.referrals.checks import check_date, check_length, clean
from app.referrals.programmes.models import (
    ATTENDANCE,
    MOVES_NEEDING_REASON,
    OPEN_STATES,
    REFERRAL_MOVES,
    REFERRAL_STATES,
    SCREENING_ANSWERS,
    SCREENING_ITEMS,
    AttendanceNote,
    Programme,
    ProgrammeReferral,
    ReferralMove,
)
from app.tasking.tasks.requests import raise_system_task

# Who may do what with programme referrals (the routes use these; so do the templates, via can()).
PROGRAMME_READERS = ("referral", "supervisor", "officer", "analyst")
PROGRAMME_IDENTIFIERS = ("referral", "supervisor", "officer")  # officers may identify a person
PROGRAMME_WORKERS = ("referral", "supervisor")  # refer, screen, move, record attendance
# Roles that read the whole register (victims included); everyone else gets the masked view.
FULL_READERS = frozenset({"supervisor", "officer", "analyst"})

REFERRAL_REF_PREFIX = "ACH-PR-"
ATTENDANCE_STATES = ("accepted", "started")
# Flags from the ranking that say something about a programme's fit (not about levers or orders).
PROGRAMME_FLAGS = {"serial": "Serial perpetrator", "escalating": "Escalating", "high_risk": "DASH high risk event"}
MAX_REASON = 2000
DROP_OUT_TASK_DAYS = 2
MAX_NOTE = 5000


class IllegalMove(Exception):
    """The referral cannot make this move from its current state; nothing was written."""

    def __init__(self, referral: ProgrammeReferral, to_state: str):
        self.state = referral.state
        self.allowed = REFERRAL_MOVES[referral.state]
        target = REFERRAL_STATES.get(to_state, repr(to_state))
        current = REFERRAL_STATES[referral.state].lower()
        if self.allowed:
            options = " or ".join(REFERRAL_STATES[s].lower() for s in self.allowed)
            message = (
                f"Referral {referral.ref} is {current}: it cannot move to {target.lower()}. "
                f"It can move only to {options}."
            )
        else:
            message = (
                f"Referral {referral.ref} is {current}, which is final: "
                f"it cannot move to {target.lower()} or to any other state."
            )
        super().__init__(message)
        self.message = message


class NotVisible(Exception):
    """The person is not someone referral pages show (not a perpetrator on the register)."""


# ---- the catalogue and reading ----------------------------------------------------------------


def programmes(*, active_only: bool = True) -> list[Programme]:
    query = sa.select(Programme).order_by(Programme.label)
    if active_only:
        query = query.where(Programme.active.is_(True))
    return list(db.session.scalars(query))


def programme_labels(*, active_only: bool = True) -> dict[str, str]:
    return {p.code: p.label for p in programmes(active_only=active_only)}


def get_referral(ref: str) -> ProgrammeReferral | None:
    return db.session.scalar(
        sa.select(ProgrammeReferral)
        .where(ProgrammeReferral.ref == ref)
        .options(
            joinedload(ProgrammeReferral.person),
            selectinload(ProgrammeReferral.moves),
            selectinload(ProgrammeReferral.attendance),
        )
    )


def get_person(ref: str) -> Person | None:
    return db.session.scalar(sa.select(Person).where(Person.ref == ref))


def is_perpetrator(person: Person) -> bool:
    """A person referral pages may show: the suspect of at least one DA event."""
    return bool(db.session.scalar(sa.select(DAEvent.id).where(DAEvent.suspect_id == person.id).limit(1)))


def referrals_of(person: Person) -> list[ProgrammeReferral]:
    return list(
        db.session.scalars(
            sa.select(ProgrammeReferral)
            .where(ProgrammeReferral.person_id == person.id)
            .order_by(ProgrammeReferral.identified_on.desc(), ProgrammeReferral.id.desc())
        )
    )


def open_referral_of(person: Person) -> ProgrammeReferral | None:
    return db.session.scalar(
        sa.select(ProgrammeReferral)
        .where(ProgrammeReferral.person_id == person.id, ProgrammeReferral.state.in_(OPEN_STATES))
        .order_by(ProgrammeReferral.id.desc())
        .limit(1)
    )


def view_referral(referral: ProgrammeReferral, *, actor: Actor, reason: str | None = None) -> None:
    audit.record(
        "view",
        f"viewed programme referral {referral.ref}",
        object_type="programme_referral",
        object_ref=referral.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


# ---- the referral-safe view of a person ---------------------------------------------------------


# ---- identifying and moving -------------------------------------------------------------------


def identify(
    person: Person,
    *,
    actor: Actor,
    programme_code: str | None = None,
    note: str | None = None,
    source: str = "manual",
    identified_on: date | None = None,
) -> ProgrammeReferral:
    """Start a referral in state identified. A person has one open referral at a time."""
    identified_on = identified_on or local_today()
    note = clean(note)
    errors: dict[str, str] = {}
    if not is_perpetrator(person):
        errors["person"] = f"{person.ref} is not the suspect of any DA event, so cannot be referred to a programme."
    existing = open_referral_of(person)
    if existing is not None:
        errors["person"] = (
            f"{person.ref} already has an open referral, {existing.ref} ({existing.state_label.lower()}): "
            "carry on with that one."
        )
    if programme_code and programme_code not in programme_labels():
        errors["programme"] = "Choose a programme from the list."
    check_date(errors, "identified_on", identified_on, "the date identified")
    check_length(errors, "note", note, MAX_NOTE, "the note")
    if source not in ("suggested", "manual"):
        errors["source"] = "Unknown source."
    if errors:
        raise ValidationFailed(errors)
    referral = ProgrammeReferral(
        ref=placeholder_ref(),
        person_id=person.id,
        programme_code=programme_code or None,
        state="identified",
        identified_on=identified_on,
        state_on=identified_on,
        source=source,
        note=note,
        created_by_id=actor.user_id,
        version_id=1,
    )
    db.session.add(referral)
    try:
        assign_ref(referral, REFERRAL_REF_PREFIX)  # the INSERT: the database holds one open referral per programme
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(
            {"person": f"{person.ref} already has an open referral: another user made it a moment ago."}
        ) from None
    db.session.add(
        ReferralMove(
            referral_id=referral.id,
            from_state=None,
            to_state="identified",
            moved_on=identified_on,
            by_id=actor.user_id,
            by_name=actor.username,
        )
    )
    audit.record(
        "create",
        f"identified {person.ref} for a programme referral ({referral.ref})",
        object_type="programme_referral",
        object_ref=referral.ref,
        data={"person": person.ref, "programme": programme_code, "source": source, "identified_on": identified_on},
        actor=actor,
    )
    db.session.commit()
    return referral


def check_screening(answers: dict | None) -> tuple[dict[str, str], dict[str, str]]:
    """(the answers kept, errors): every checklist item answered yes, no or not applicable."""
    answers = answers or {}
    kept, missing = {}, []
    for code, label in SCREENING_ITEMS.items():
        value = answers.get(code)
        if value in SCREENING_ANSWERS:
            kept[code] = value
        else:
            missing.append(label)
    errors = {}
    if missing:
        errors["screening"] = (
            f"Answer every item of the screening checklist ({len(missing)} not answered, starting with: {missing[0]})."
        )
    return kept, errors


def attended_sessions(referral: ProgrammeReferral) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AttendanceNote)
        .where(AttendanceNote.referral_id == referral.id, AttendanceNote.attendance == "attended")
    )


def meets_eligibility(referral: ProgrammeReferral) -> bool:
    """The screening's answer to "meets the programme's eligibility criteria" was yes."""
    return (referral.screening or {}).get("meets_eligibility") == "yes"


def _check_rules(referral, to_state, override: str | None, errors: dict) -> None:
    """The programme's rules: accept only the eligible (or with a recorded override), complete only
    after a session attended."""
    if to_state == "accepted" and not meets_eligibility(referral):
        answer = SCREENING_ANSWERS.get((referral.screening or {}).get("meets_eligibility"), "not answered")
        if not override:
            errors["override"] = (
                f"The screening says the person meets the programme's eligibility criteria: {answer.lower()}. "
                "Decline the referral, or record why it is accepted all the same."
            )
        else:
            check_length(errors, "override", override, MAX_REASON, "the reason for accepting")
    if to_state == "completed" and not attended_sessions(referral):
        errors["to_state"] = (
            f"No session attended is recorded for {referral.ref}: note the sessions attended before marking "
            "the programme completed."
        )


def _check_move(
    referral, to_state, moved_on, reason, programme, screening, screening_notes
) -> tuple[dict, dict | None]:
    """(errors, the screening answers kept) for a move; the state machine itself is checked first."""
    errors: dict[str, str] = {}
    check_date(errors, "moved_on", moved_on, "the date of the move")
    if moved_on is not None and "moved_on" not in errors and moved_on < referral.state_on:
        errors["moved_on"] = (
            f"The date of the move cannot be before {referral.state_on.strftime('%d %b %Y')}, "
            f"when the referral became {referral.state_label.lower()}."
        )
    if to_state in MOVES_NEEDING_REASON and not reason:
        errors["reason"] = f"Give the reason the referral is {REFERRAL_STATES[to_state].lower()}."
    check_length(errors, "reason", reason, MAX_REASON, "the reason")
    if to_state == "referred":
        if not programme:
            errors["programme"] = "Choose the programme the person is referred to."
        elif programme not in programme_labels():
            errors["programme"] = "Choose a programme from the list."
    kept = None
    if to_state == "screened":
        kept, screening_errors = check_screening(screening)
        errors.update(screening_errors)
        check_length(errors, "screening_notes", screening_notes, MAX_NOTE, "the screening notes")
    return errors, kept


def move(
    referral: ProgrammeReferral,
    to_state: str,
    *,
    moved_on: date | None,
    reason: str | None = None,
    programme_code: str | None = None,
    screening: dict | None = None,
    screening_notes: str | None = None,
    override: str | None = None,
    expected_version: int,
    actor: Actor,
) -> ReferralMove:
    """Move a referral along the state machine, stored as a ReferralMove and audited.

    Raises EditConflict (changed since shown), IllegalMove (not allowed from the current state) or
    ValidationFailed; in each case nothing is written. Moving to referred needs a programme;
    screened needs the whole checklist; declined, dropped out and withdrawn need a reason.
    """
    if referral.version_id != expected_version:
        raise EditConflict()
    if to_state not in referral.allowed_moves:
        raise IllegalMove(referral, to_state)
    reason = clean(reason)
    screening_notes = clean(screening_notes)
    programme = programme_code or referral.programme_code
    override = clean(override)
    errors, kept = _check_move(referral, to_state, moved_on, reason, programme, screening, screening_notes)
    _check_rules(referral, to_state, override, errors)
    if errors:
        raise ValidationFailed(errors)
    overridden = to_state == "accepted" and not meets_eligibility(referral)

    from_state = referral.state
    referral.state = to_state
    referral.state_on = moved_on
    if to_state == "referred":
        referral.programme_code = programme
    if to_state == "screened":
        referral.screening = kept
        referral.screening_notes = screening_notes
    row = ReferralMove(
        referral_id=referral.id,
        from_state=from_state,
        to_state=to_state,
        moved_on=moved_on,
        by_id=actor.user_id,
        by_name=actor.username,
        reason=f"Accepted although not screened eligible: {override}" if overridden else reason,
    )
    db.session.add(row)
    audit.record(
        "update",
        f"referral {referral.ref} moved from {REFERRAL_STATES[from_state].lower()} "
        f"to {REFERRAL_STATES[to_state].lower()}",
        object_type="programme_referral",
        object_ref=referral.ref,
        reason=reason,
        data={
            "from": from_state,
            "to": to_state,
            "moved_on": moved_on,
            "programme": referral.programme_code,
            **({"screening": kept, "screening_notes": screening_notes} if kept is not None else {}),
            **({"eligibility_override": override} if overridden else {}),
        },
        actor=actor,
    )
    if to_state == "dropped_out":
        _raise_drop_out_task(referral, moved_on, reason, actor)
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return row


def add_attendance(
    referral: ProgrammeReferral,
    *,
    session_on: date | None,
    attendance: str | None,
    note: str | None,
    actor: Actor,
) -> AttendanceNote:
    """Note a programme session, once the referral is accepted or started."""
    note = clean(note)
    errors: dict[str, str] = {}
    if referral.state not in ATTENDANCE_STATES:
        errors["attendance"] = (
            f"Attendance is recorded once a referral is accepted or started; {referral.ref} is "
            f"{referral.state_label.lower()}."
        )
    if attendance not in ATTENDANCE:
        errors.setdefault("attendance", "Choose whether the person attended, missed or was excused.")
    check_date(errors, "session_on", session_on, "the date of the session")
    if session_on and "session_on" not in errors and session_on < referral.identified_on:
        errors["session_on"] = "The session cannot be before the person was identified for the referral."
    check_length(errors, "note", note, MAX_NOTE, "the note")
    if errors:
        raise ValidationFailed(errors)
    row = AttendanceNote(
        referral_id=referral.id,
        session_on=session_on,
        attendance=attendance,
        note=note,
        by_id=actor.user_id,
        by_name=actor.username,
    )
    db.session.add(row)
    audit.record(
        "create",
        f"attendance noted for referral {referral.ref}: {ATTENDANCE[attendance].lower()} on {session_on.isoformat()}",
        object_type="programme_referral",
        object_ref=referral.ref,
        data={"session_on": session_on, "attendance": attendance, "note": note},
        actor=actor,
    )
    db.session.commit()
    return row


def _raise_drop_out_task(referral: ProgrammeReferral, dropped_on: date, reason: str | None, actor: Actor) -> None:
    """Dropping out of a programme raises the risk: the person's officer (or the supervisors) get a
    risk review, due in two days, raised from the referral and in the same transaction."""
    person = referral.person
    programme = referral.programme.label if referral.programme else "the programme"
    raise_system_task(
        person,
        task_type="risk_review",
        title=f"Programme drop-out: review the risk from {person.full_name}",
        detail=(
            f"{person.full_name} ({person.ref}) dropped out of {programme} on {dropped_on:%d %b %Y} (referral "
            f"{referral.ref}): {reason}. Review the risk to the partner and any children, tell the partner's "
            "support service, and consider the levers and enforcement open."
        ),
        due_at=local_time(local_today() + timedelta(days=DROP_OUT_TASK_DAYS), time(17, 0)),
        actor=actor,
        raised_from=referral.ref,
    )


# ---- lists --------------------------------------------------------------------------------------

NO_PROGRAMME = "none"


@dataclass
class ReferralFilters:
    programme: str | None = None  # a programme code, or NO_PROGRAMME for "not chosen yet"
    state: str | None = None
    identified_from: date | None = None
    identified_to: date | None = None

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _filtered(query, filters: ReferralFilters, *, with_state: bool = True):
    if filters.programme == NO_PROGRAMME:
        query = query.where(ProgrammeReferral.programme_code.is_(None))
    elif filters.programme:
        query = query.where(ProgrammeReferral.programme_code == filters.programme)
    if with_state and filters.state:
        query = query.where(ProgrammeReferral.state == filters.state)
    if filters.identified_from:
        query = query.where(ProgrammeReferral.identified_on >= filters.identified_from)
    if filters.identified_to:
        query = query.where(ProgrammeReferral.identified_on <= filters.identified_to)
    return query


def referral_list_query(filters: ReferralFilters):
    """The referrals matching the filters, most recently moved first (for db.paginate)."""
    return _filtered(sa.select(ProgrammeReferral).options(joinedload(ProgrammeReferral.person)), filters).order_by(
        ProgrammeReferral.state_on.desc(), ProgrammeReferral.id.desc()
    )


def counts_by_state(filters: ReferralFilters) -> dict[str, int]:
    """{state: count} for every state, under the filters other than the state itself."""
    query = _filtered(
        sa.select(ProgrammeReferral.state, sa.func.count()).group_by(ProgrammeReferral.state), filters, with_state=False
    )
    found = dict(db.session.execute(query).all())
    return {state: found.get(state, 0) for state in REFERRAL_STATES}


def audit_list(filters: ReferralFilters, page: int, total: int, *, actor: Actor) -> None:
    audit.record(
        "search",
        f"listed programme referrals ({total} found)",
        object_type="programme_referral",
        data={"filters": filters.describe(), "page": page, "found": total},
        actor=actor,
    )
    db.session.commit()


# ---- suggested candidates ------------------------------------------------------------------------


# ---- the register profile's timeline ---------------------------------------------------------------
