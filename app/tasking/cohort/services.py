"""The managed cohort (MATAC): persons a supervisor adopts for management, with a reason; each
tasking meeting reviews the members whose plan is due; a member leaves with a recorded reason.

"Desisted" is checked against the records, not taken on trust: no DA event as suspect for
DESIST_WEEKS weeks, and a priority now at least DESIST_FALL lower than at adoption (or not ranked
at all). Other reasons (custody, moved away, programme completed) are recorded as given, with a
note where the reason is "other". Every adoption and exit is audited.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import EditConflict, ValidationFailed, local_today, stripped
from app.catalogue import COHORT_EXIT_REASONS
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.ranking import services as ranking
from app.tasking.models import CohortMember, MeetingItem, TaskingMeeting
from app.tasking.tasks.effects import priority_now

COHORT_MANAGERS = ("supervisor",)
COHORT_READERS = ("supervisor", "analyst")
DESIST_WEEKS = 12
DESIST_FALL = 0.25
MAX_TEXT = 2000


def get_member(member_id: int) -> CohortMember | None:
    return db.session.scalar(
        sa.select(CohortMember)
        .where(CohortMember.id == member_id)
        .options(joinedload(CohortMember.person), joinedload(CohortMember.adopted_by))
    )


def open_membership(person_id: int) -> CohortMember | None:
    return db.session.scalar(
        sa.select(CohortMember).where(CohortMember.person_id == person_id, CohortMember.exited_on.is_(None))
    )


def memberships_of(person_id: int) -> list[CohortMember]:
    return list(
        db.session.scalars(
            sa.select(CohortMember)
            .where(CohortMember.person_id == person_id)
            .order_by(CohortMember.adopted_on.desc(), CohortMember.id.desc())
        )
    )


def current_priorities(person_ids: list[int]) -> dict[int, int]:
    """{person id: priority in the current ranking} (persons not ranked left out), one query."""
    run_ids = ranking.current_run_ids()
    if not run_ids or not person_ids:
        return {}
    current = ranking.current_rows(run_ids)
    return dict(
        db.session.execute(
            sa.select(current.c.person_id, current.c.priority).where(current.c.person_id.in_(person_ids))
        ).all()
    )


def last_events(person_ids: list[int], as_of: date) -> dict[int, date]:
    """{person id: date of their latest DA event as suspect on or before as_of}, one grouped query."""
    if not person_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(DAEvent.suspect_id, sa.func.max(DAEvent.occurred_on))
            .where(DAEvent.suspect_id.in_(person_ids), DAEvent.occurred_on <= as_of)
            .group_by(DAEvent.suspect_id)
        ).all()
    )


@dataclass
class Desistance:
    """The "desisted" exit rule for one member, as of a day, with its reasons in words."""

    last_event_on: date | None
    priority_then: int | None
    priority_now: int | None
    as_of: date

    @property
    def quiet_weeks(self) -> int | None:
        return None if self.last_event_on is None else (self.as_of - self.last_event_on).days // 7

    @property
    def quiet(self) -> bool:
        return self.last_event_on is None or self.as_of - self.last_event_on >= timedelta(weeks=DESIST_WEEKS)

    @property
    def fallen(self) -> bool:
        if self.priority_now is None:
            return True  # not ranked any more
        if self.priority_then is None:
            return False
        return self.priority_now <= self.priority_then * (1 - DESIST_FALL)

    @property
    def passes(self) -> bool:
        return self.quiet and self.fallen

    def explain(self) -> str:
        quiet = (
            "no DA event recorded"
            if self.last_event_on is None
            else f"last DA event {self.last_event_on:%d %b %Y} ({self.quiet_weeks} weeks ago)"
        )
        now = "not ranked now" if self.priority_now is None else f"priority now {self.priority_now}"
        then = "not ranked" if self.priority_then is None else f"{self.priority_then}"
        return f"{quiet}; {now}, {then} when adopted"


def desistance_of(members: list[CohortMember], as_of: date | None = None) -> dict[int, Desistance]:
    """{member id: Desistance} for many members in two queries."""
    as_of = as_of or local_today()
    ids = [m.person_id for m in members]
    last = last_events(ids, as_of)
    now = current_priorities(ids)
    return {m.id: Desistance(last.get(m.person_id), m.adopted_priority, now.get(m.person_id), as_of) for m in members}


def next_reviews(person_ids: list[int]) -> dict[int, date]:
    """{person id: the review date of their latest plan}."""
    if not person_ids:
        return {}
    newest = (
        sa.func.row_number()
        .over(
            partition_by=MeetingItem.person_id,
            order_by=(TaskingMeeting.held_on.desc(), MeetingItem.id.desc()),
        )
        .label("newest")
    )
    ranked = (
        sa.select(MeetingItem.person_id, MeetingItem.review_on, newest)
        .join(TaskingMeeting, TaskingMeeting.id == MeetingItem.meeting_id)
        .where(MeetingItem.person_id.in_(person_ids), MeetingItem.tactic.is_not(None))
        .subquery()
    )
    return dict(db.session.execute(sa.select(ranked.c.person_id, ranked.c.review_on).where(ranked.c.newest == 1)).all())


def list_members(*, include_exited: bool = False, actor: Actor) -> list[CohortMember]:
    query = sa.select(CohortMember).options(
        joinedload(CohortMember.person), joinedload(CohortMember.adopted_by), joinedload(CohortMember.exited_by)
    )
    if not include_exited:
        query = query.where(CohortMember.exited_on.is_(None))
    members = list(db.session.scalars(query.order_by(CohortMember.exited_on.is_not(None), CohortMember.adopted_on)))
    audit.record("view", f"viewed the managed cohort ({len(members)})", object_type="cohort", actor=actor)
    db.session.commit()
    return members


def view_member(member: CohortMember, *, actor: Actor, reason: str | None = None) -> None:
    """Record the consultation of a membership (the exit form shows the person and the exit check)."""
    audit.record(
        "view",
        f"viewed {member.person.ref}'s managed-cohort membership",
        object_type="cohort_member",
        object_ref=member.person.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


def _require_manager(user: User) -> None:
    if not user.has_any_role(*COHORT_MANAGERS):
        raise PermissionError("Only a supervisor manages the cohort.")


def adopt(person_ref: str | None, reason: str | None, *, user: User, adopted_on: date | None = None) -> CohortMember:
    """Adopt a person into the managed cohort with a reason. Raises ValidationFailed."""
    _require_manager(user)
    adopted_on = adopted_on or local_today()
    errors: dict[str, str] = {}
    ref, reason = stripped(person_ref), stripped(reason)
    person = db.session.scalar(sa.select(Person).where(Person.ref == ref)) if ref else None
    if not ref:
        errors["person_ref"] = "Enter the person reference of the person to adopt."
    elif person is None:
        errors["person_ref"] = f"No person has the reference {ref[:64]}."
    elif open_membership(person.id) is not None:
        errors["person_ref"] = f"{person.full_name} ({person.ref}) is already in the managed cohort."
    if not reason:
        errors["reason"] = "Say why this person is adopted (for example: serial perpetrator, three victims)."
    elif len(reason) > MAX_TEXT:
        errors["reason"] = f"Keep the reason to {MAX_TEXT} characters or fewer."
    if adopted_on > local_today():
        errors["adopted_on"] = "The date of adoption cannot be in the future."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    member = CohortMember(
        person_id=person.id,
        team_id=user.team_id,
        adopted_on=adopted_on,
        adopted_by_id=user.id,
        reason=reason,
        adopted_priority=priority_now(person),
        version_id=1,
    )
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed({"person_ref": f"{person.ref} was adopted by someone else a moment ago."}) from None
    audit.record(
        "create",
        f"adopted {person.ref} into the managed cohort",
        object_type="cohort_member",
        object_ref=person.ref,
        reason=reason,
        data={"adopted_on": adopted_on, "priority": member.adopted_priority, "team_id": member.team_id},
        actor=Actor.of(user),
    )
    db.session.commit()
    return member


def exit_member(
    member: CohortMember,
    reason_code: str | None,
    note: str | None,
    *,
    expected_version: int,
    user: User,
    exited_on: date | None = None,
) -> None:
    """A member leaves the cohort with a recorded reason; "desisted" must pass the rule."""
    _require_manager(user)
    if member.version_id != expected_version:
        db.session.rollback()
        raise EditConflict()
    exited_on = exited_on or local_today()
    note = stripped(note)
    errors: dict[str, str] = {}
    if not member.is_open:
        errors["exit_reason"] = f"{member.person.ref} has already left the cohort."
    elif reason_code not in COHORT_EXIT_REASONS:
        errors["exit_reason"] = "Choose why the person leaves the cohort."
    elif reason_code == "desisted":
        check = desistance_of([member], exited_on)[member.id]
        if not check.passes:
            errors["exit_reason"] = (
                f"The records do not show desistance ({check.explain()}): it needs no DA event for {DESIST_WEEKS} "
                f"weeks and a priority at least {round(DESIST_FALL * 100)}% lower than when adopted."
            )
    if reason_code == "other" and not note:
        errors["note"] = "Say why the person leaves the cohort."
    elif len(note) > MAX_TEXT:
        errors["note"] = f"Keep the note to {MAX_TEXT} characters or fewer."
    if exited_on < member.adopted_on or exited_on > local_today():
        errors["exited_on"] = "The date must be between the adoption and today."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    member.exited_on, member.exit_reason, member.exit_note = exited_on, reason_code, note or None
    member.exited_by_id = user.id
    audit.record(
        "update",
        f"{member.person.ref} left the managed cohort: {COHORT_EXIT_REASONS[reason_code].lower()}",
        object_type="cohort_member",
        object_ref=member.person.ref,
        reason=note or None,
        data={"exited_on": exited_on, "exit_reason": reason_code, "adopted_on": member.adopted_on},
        actor=Actor.of(user),
    )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict() from None
