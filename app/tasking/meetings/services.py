"""Tasking meetings: the agenda (top of the target list plus breaches since the last meeting), the
attendees, a plan per person, the minutes, and the printable pack and CSV export.

Every change and export is audited here in the same transaction; the plan and the minutes carry
a version for optimistic locking, like tasks.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import Team, User, user_roles
from app.base import EditConflict, ValidationFailed, local_time, local_today, stripped, utcnow
from app.catalogue import MEETING_TACTICS
from app.extensions import db
from app.offenders.models import Person
from app.orders.models import Breach, Order
from app.ranking import services as ranking
from app.ranking.models import ScoreRun
from app.tasking.models import CohortMember, MeetingAttendee, MeetingItem, TaskingMeeting
from app.tasking.tasks.rules import TASK_OWNER_ROLES

DEFAULT_AGENDA_SIZE = 10
MAX_AGENDA_SIZE = 50
# With no earlier meeting, "breaches since the last meeting" means the last four weeks (MATAC's cycle).
FIRST_MEETING_LOOKBACK_DAYS = 28
MAX_TITLE = 200
MAX_MINUTES = 20000
MAX_RATIONALE = 5000
MAX_PARTNER_LINE = 200
MAX_PARTNERS = 30
MAX_PAST_DAYS = 366
MAX_FUTURE_DAYS = 90
MAX_REVIEW_DAYS = 366


class MeetingConflict(EditConflict):
    """The meeting (or one person's plan) changed after the form was rendered; nothing was written."""

    def __init__(self, obj, change=None):
        super().__init__("changed by someone else")
        self.obj = obj
        self.change = change


# ---- reading ------------------------------------------------------------------------------------


def get_meeting(meeting_id: int) -> TaskingMeeting | None:
    return db.session.scalar(
        sa.select(TaskingMeeting)
        .where(TaskingMeeting.id == meeting_id)
        .options(
            selectinload(TaskingMeeting.items).joinedload(MeetingItem.person),
            selectinload(TaskingMeeting.attendees).joinedload(MeetingAttendee.user).joinedload(User.team),
            joinedload(TaskingMeeting.team),
        )
    )


def list_meetings(*, user: User, page: int = 1, per_page: int = 50) -> tuple[list[TaskingMeeting], int]:
    query = sa.select(TaskingMeeting)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(TaskingMeeting))
    meetings = list(
        db.session.scalars(
            query.options(joinedload(TaskingMeeting.team), selectinload(TaskingMeeting.items))
            .order_by(TaskingMeeting.held_on.desc(), TaskingMeeting.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    audit.record("search", f"listed tasking meetings ({total})", object_type="tasking_meeting", actor=Actor.of(user))
    db.session.commit()
    return meetings, total


def attendee_choices() -> list[User]:
    """Active users who may attend: supervisors, officers and analysts."""
    holders = sa.select(user_roles.c.user_id).where(user_roles.c.role.in_((*TASK_OWNER_ROLES, "analyst")))
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.id.in_(holders))
            .options(joinedload(User.team))
            .order_by(User.display_name, User.username)
        )
    )


def previous_meeting(held_on: date, team_id: int | None, *, exclude_id: int | None = None) -> TaskingMeeting | None:
    """The same team's latest meeting held before this date."""
    query = sa.select(TaskingMeeting).where(TaskingMeeting.held_on < held_on)
    query = query.where(TaskingMeeting.team_id == team_id if team_id is not None else TaskingMeeting.team_id.is_(None))
    if exclude_id is not None:
        query = query.where(TaskingMeeting.id != exclude_id)
    return db.session.scalar(query.order_by(TaskingMeeting.held_on.desc(), TaskingMeeting.id.desc()).limit(1))


def breach_window(held_on: date, team_id: int | None) -> tuple[datetime, datetime, TaskingMeeting | None]:
    """Breaches logged from the start of the previous meeting's day (or four weeks back) to the end
    of this meeting's day, in UK local time."""
    previous = previous_meeting(held_on, team_id)
    start_day = previous.held_on if previous else held_on - timedelta(days=FIRST_MEETING_LOOKBACK_DAYS)
    return local_time(start_day, time(0, 0)), local_time(held_on + timedelta(days=1), time(0, 0)), previous


def agenda_run(held_on: date) -> ScoreRun | None:
    """The latest full score run, or the latest one on or before the meeting date for a past meeting."""
    run = ranking.list_run()
    if run is not None and run.as_of > held_on:
        run = db.session.scalar(
            sa.select(ScoreRun)
            .where(ScoreRun.partial.is_(False), ScoreRun.as_of <= held_on)
            .order_by(ScoreRun.as_of.desc(), ScoreRun.id.desc())
            .limit(1)
        )
    return run


@dataclass
class AgendaEntry:
    person_id: int
    reason: str
    rank_position: int | None = None
    breach_count: int = 0
    review_due: bool = False
    previous_item_id: int | None = None


def latest_items(held_on: date, *, planned_only: bool) -> dict[int, MeetingItem]:
    """{person id: their item at the latest meeting held before `held_on`} (with a plan only, if asked)."""
    newest = (
        sa.func.row_number()
        .over(partition_by=MeetingItem.person_id, order_by=(TaskingMeeting.held_on.desc(), MeetingItem.id.desc()))
        .label("newest")
    )
    query = (
        sa.select(MeetingItem.id, newest)
        .join(TaskingMeeting, TaskingMeeting.id == MeetingItem.meeting_id)
        .where(TaskingMeeting.held_on < held_on)
    )
    if planned_only:
        query = query.where(MeetingItem.tactic.is_not(None))
    ranked = query.subquery()
    items = db.session.scalars(
        sa.select(MeetingItem)
        .join(ranked, ranked.c.id == MeetingItem.id)
        .where(ranked.c.newest == 1)
        .options(joinedload(MeetingItem.meeting))
    )
    return {item.person_id: item for item in items}


def _reviews(entries: dict[int, AgendaEntry], held_on: date) -> None:
    """Add everyone whose latest plan is due for review by this meeting, and every cohort member
    with no plan yet; mark the review and link each person to their previous item."""
    plans = latest_items(held_on, planned_only=True)
    previous = latest_items(held_on, planned_only=False)
    members = {
        m.person_id: m for m in db.session.scalars(sa.select(CohortMember).where(CohortMember.adopted_on <= held_on))
    }
    for person_id, plan in plans.items():
        member = members.get(person_id)
        left = member is not None and member.exited_on is not None and member.exited_on >= plan.meeting.held_on
        if plan.review_on is None or plan.review_on > held_on or left:
            continue
        entry = entries.setdefault(person_id, AgendaEntry(person_id, "review"))
        entry.review_due = True
    for person_id, member in members.items():
        if member.exited_on is None and person_id not in plans:
            entries.setdefault(person_id, AgendaEntry(person_id, "cohort"))
    for person_id, entry in entries.items():
        if person_id in previous:
            entry.previous_item_id = previous[person_id].id


def build_agenda(
    run: ScoreRun | None, size: int, since: datetime, until: datetime, held_on: date | None = None
) -> list[AgendaEntry]:
    """The top `size` of the run by position, then everyone else with a breach logged in the window
    (most recent breach first), then everyone whose plan is due for review by the meeting and every
    managed-cohort member without a plan. A person is listed once, for the first reason."""
    entries: dict[int, AgendaEntry] = {}
    if run is not None and size > 0:
        for person_id, position in ranking.top_positions(run, size):
            entries[person_id] = AgendaEntry(person_id, "ranked", rank_position=position)
    breached = db.session.execute(
        sa.select(Order.subject_id, sa.func.count(Breach.id), sa.func.max(Breach.logged_at))
        .join(Order, Order.id == Breach.order_id)
        .where(Breach.logged_at >= since, Breach.logged_at < until)
        .group_by(Order.subject_id)
        .order_by(sa.func.max(Breach.logged_at).desc(), Order.subject_id)
    ).all()
    for person_id, count, _latest in breached:
        if person_id in entries:
            entries[person_id].reason = "ranked_and_breach"
            entries[person_id].breach_count = int(count)
        else:
            entries[person_id] = AgendaEntry(person_id, "breach", breach_count=int(count))
    if held_on is not None:
        _reviews(entries, held_on)
    return list(entries.values())


# ---- creating and changing meetings -------------------------------------------------------------


def parse_partners(text: str | None) -> tuple[list[tuple[str, str | None]], str | None]:
    """Partner attendees, one a line as "Name, agency" (the agency may be left out)."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) > MAX_PARTNER_LINE:
            return [], f"Keep each partner attendee to {MAX_PARTNER_LINE} characters or fewer."
        name, _, agency = line.partition(",")
        if not name.strip():
            return [], f"Give the name before the comma on the line {line!r}."
        out.append((name.strip(), agency.strip() or None))
    if len(out) > MAX_PARTNERS:
        return [], f"List {MAX_PARTNERS} partner attendees at most."
    return out, None


def _check_attendees(user_ids: list[int], partners_text: str | None, errors: dict) -> tuple[list[User], list]:
    users = []
    allowed = {u.id: u for u in attendee_choices()}
    for uid in dict.fromkeys(user_ids):
        if uid not in allowed:
            errors["attendees"] = "Choose attendees from the list."
            break
        users.append(allowed[uid])
    partners, error = parse_partners(partners_text)
    if error:
        errors["partners"] = error
    return users, partners


@dataclass
class MeetingInput:
    held_on: date | None
    title: str | None
    team_id: int | None = None
    agenda_size: int | None = DEFAULT_AGENDA_SIZE
    attendee_ids: list[int] = field(default_factory=list)
    partners: str | None = None


def _check_meeting(values: MeetingInput) -> tuple[str, Team | None, list[User], list]:
    """(title, team, attendees, partners) of a new meeting; raises ValidationFailed."""
    errors: dict[str, str] = {}
    today = local_today()
    if values.held_on is None:
        errors["held_on"] = "Enter the date of the meeting."
    elif values.held_on < today - timedelta(days=MAX_PAST_DAYS):
        errors["held_on"] = f"Give a date within the last {MAX_PAST_DAYS} days."
    elif values.held_on > today + timedelta(days=MAX_FUTURE_DAYS):
        errors["held_on"] = f"Give a date within the next {MAX_FUTURE_DAYS} days."
    title = stripped(values.title)
    if not title:
        errors["title"] = "Give the meeting a name, for example North PDA tasking."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the name to {MAX_TITLE} characters or fewer."
    team = None
    if values.team_id is not None:
        team = db.session.get(Team, values.team_id)
        if team is None:
            errors["team"] = "Choose a team from the list."
    if values.agenda_size is None or not 1 <= values.agenda_size <= MAX_AGENDA_SIZE:
        errors["agenda_size"] = f"Give a number from 1 to {MAX_AGENDA_SIZE}."
    users, partners = _check_attendees(values.attendee_ids, values.partners, errors)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    return title, team, users, partners


def create_meeting(values: MeetingInput, *, user: User) -> TaskingMeeting:
    """Record a meeting and build its agenda; raises ValidationFailed and writes nothing on bad input."""
    title, team, users, partners = _check_meeting(values)
    since, until, previous = breach_window(values.held_on, values.team_id)
    run = agenda_run(values.held_on)
    agenda = build_agenda(run, values.agenda_size, since, until, values.held_on)
    meeting = TaskingMeeting(
        held_on=values.held_on,
        title=title,
        team_id=team.id if team else None,
        agenda_size=values.agenda_size,
        score_run_id=run.id if run else None,
        breaches_since=since,
        created_by_id=user.id,
        version_id=1,
    )
    meeting.attendees = [MeetingAttendee(user_id=u.id) for u in users] + [
        MeetingAttendee(name=name, agency=agency) for name, agency in partners
    ]
    meeting.items = [
        MeetingItem(
            person_id=e.person_id,
            position=n,
            reason=e.reason,
            rank_position=e.rank_position,
            breach_count=e.breach_count,
            review_due=e.review_due,
            previous_item_id=e.previous_item_id,
            version_id=1,
        )
        for n, e in enumerate(agenda, 1)
    ]
    db.session.add(meeting)
    db.session.flush()
    refs = dict(
        db.session.execute(sa.select(Person.id, Person.ref).where(Person.id.in_([e.person_id for e in agenda]))).all()
    )
    audit.record(
        "create",
        f"recorded tasking meeting {meeting.id} on {meeting.held_on.isoformat()} ({len(agenda)} persons on the agenda)",
        object_type="tasking_meeting",
        object_ref=str(meeting.id),
        data={
            "held_on": meeting.held_on,
            "title": title,
            "team": team.name if team else None,
            "score_run_id": meeting.score_run_id,
            "agenda_size": meeting.agenda_size,
            "breaches_since": since,
            "previous_meeting_id": previous.id if previous else None,
            "agenda": [
                {"person": refs.get(e.person_id), "reason": e.reason, "review_due": e.review_due} for e in agenda
            ],
            "attendees": [u.username for u in users] + [f"{n} ({a})" if a else n for n, a in partners],
        },
        actor=Actor.of(user),
    )
    db.session.commit()
    return meeting


def _attendee_labels(meeting: TaskingMeeting) -> list[str]:
    return [a.label for a in meeting.attendees]


def _meeting_conflict(meeting: TaskingMeeting) -> MeetingConflict:
    db.session.rollback()
    held = get_meeting(meeting.id)
    return MeetingConflict(held, audit.last_change("tasking_meeting", str(meeting.id)))


def update_attendees(
    meeting: TaskingMeeting, user_ids: list[int], partners_text: str | None, *, expected_version: int, user: User
) -> dict:
    if meeting.version_id != expected_version:
        raise _meeting_conflict(meeting)
    errors: dict[str, str] = {}
    users, partners = _check_attendees(user_ids, partners_text, errors)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = _attendee_labels(meeting)
    after = [MeetingAttendee(user=u).label for u in users] + [
        MeetingAttendee(name=name, agency=agency).label for name, agency in partners
    ]
    if before == after:
        db.session.rollback()
        return {}
    # Remove the old rows first: the unit of work would insert the new ones before deleting the
    # old, and a user kept on the list would then break the unique (meeting, user) key.
    meeting.attendees.clear()
    db.session.flush()
    meeting.attendees.extend(
        [MeetingAttendee(user_id=u.id) for u in users]
        + [MeetingAttendee(name=name, agency=agency) for name, agency in partners]
    )
    # The meeting's version moves with its attendee list, so a concurrent edit of it is caught.
    meeting.updated_at = utcnow()
    diff = {"attendees": {"before": before, "after": after}}
    audit.record(
        "update",
        f"changed the attendees of tasking meeting {meeting.id}",
        object_type="tasking_meeting",
        object_ref=str(meeting.id),
        data={"changes": diff},
        actor=Actor.of(user),
    )
    try:
        db.session.commit()
    except StaleDataError:
        raise _meeting_conflict(meeting) from None
    return diff


def update_minutes(meeting: TaskingMeeting, minutes: str | None, *, expected_version: int, user: User) -> dict:
    if meeting.version_id != expected_version:
        raise _meeting_conflict(meeting)
    text = stripped(minutes)
    if len(text) > MAX_MINUTES:
        db.session.rollback()
        raise ValidationFailed({"minutes": f"Keep the minutes to {MAX_MINUTES} characters or fewer."})
    diff = audit.changes({"minutes": meeting.minutes}, {"minutes": text or None})
    if not diff:
        db.session.rollback()
        return {}
    meeting.minutes = text or None
    audit.record(
        "update",
        f"updated the minutes of tasking meeting {meeting.id}",
        object_type="tasking_meeting",
        object_ref=str(meeting.id),
        data={"changes": diff},
        actor=Actor.of(user),
    )
    try:
        db.session.commit()
    except StaleDataError:
        raise _meeting_conflict(meeting) from None
    return diff


def add_person(meeting: TaskingMeeting, person_ref: str | None, *, user: User) -> MeetingItem:
    """Put someone else on the agenda (a partner's referral, for example)."""
    ref = stripped(person_ref)
    if not ref:
        raise ValidationFailed({"person_ref": "Enter the person reference of the person to add."})
    person = db.session.scalar(sa.select(Person).where(Person.ref == ref))
    if person is None:
        raise ValidationFailed({"person_ref": f"No person has the reference {ref[:64]}."})
    if any(i.person_id == person.id for i in meeting.items):
        raise ValidationFailed({"person_ref": f"{person.full_name} ({person.ref}) is already on the agenda."})
    position = max((i.position for i in meeting.items), default=0) + 1
    before = sorted(i.person.ref for i in meeting.items)
    previous = latest_items(meeting.held_on, planned_only=False).get(person.id)
    item = MeetingItem(
        meeting_id=meeting.id,
        person_id=person.id,
        position=position,
        reason="added",
        breach_count=0,
        previous_item_id=previous.id if previous else None,
        version_id=1,
    )
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed({"person_ref": f"{person.ref} is already on the agenda."}) from None
    audit.record(
        "update",
        f"added {person.ref} to the agenda of tasking meeting {meeting.id}",
        object_type="tasking_meeting",
        object_ref=str(meeting.id),
        data={"added": person.ref, "agenda": audit.changes({"persons": before}, {"persons": [*before, person.ref]})},
        actor=Actor.of(user),
    )
    db.session.commit()
    return item


def item_snapshot(item: MeetingItem) -> dict:
    return audit.jsonable({"tactic": item.tactic, "rationale": item.rationale, "review_on": item.review_on})


def get_item(meeting: TaskingMeeting, item_id: int) -> MeetingItem | None:
    return next((i for i in meeting.items if i.id == item_id), None)


def save_plan(
    item: MeetingItem,
    *,
    tactic: str | None,
    rationale: str | None,
    review_on: date | None,
    expected_version: int,
    user: User,
) -> dict:
    """Record the plan for one person: tactic, rationale and review date (all three needed)."""
    meeting = item.meeting
    if item.version_id != expected_version:
        db.session.rollback()
        raise MeetingConflict(item, audit.last_change("meeting_item", str(item.id)))
    errors: dict[str, str] = {}
    if tactic not in MEETING_TACTICS:
        errors["tactic"] = "Choose the tactic."
    rationale = stripped(rationale)
    if not rationale:
        errors["rationale"] = "Say why this tactic was chosen."
    elif len(rationale) > MAX_RATIONALE:
        errors["rationale"] = f"Keep the rationale to {MAX_RATIONALE} characters or fewer."
    if review_on is None:
        errors["review_on"] = "Enter the date the plan will be reviewed."
    elif review_on <= meeting.held_on:
        errors["review_on"] = "The review date must be after the meeting."
    elif review_on > meeting.held_on + timedelta(days=MAX_REVIEW_DAYS):
        errors["review_on"] = f"Give a review date within {MAX_REVIEW_DAYS} days of the meeting."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = item_snapshot(item)
    item.tactic, item.rationale, item.review_on = tactic, rationale, review_on
    diff = audit.changes(before, item_snapshot(item))
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update",
        f"plan for {item.person.ref} at tasking meeting {meeting.id}: {MEETING_TACTICS[tactic].lower()}",
        object_type="meeting_item",
        object_ref=str(item.id),
        data={"meeting_id": meeting.id, "person": item.person.ref, "changes": diff},
        actor=Actor.of(user),
    )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        held = db.session.get(MeetingItem, item.id)
        raise MeetingConflict(held, audit.last_change("meeting_item", str(item.id))) from None
    return diff


# ---- what the meeting page and the pack show ----------------------------------------------------


def view_meeting(meeting: TaskingMeeting, *, user: User, reason: str | None = None) -> None:
    audit.record(
        "view",
        f"viewed tasking meeting {meeting.id}",
        object_type="tasking_meeting",
        object_ref=str(meeting.id),
        reason=reason,
        actor=Actor.of(user),
    )
    db.session.commit()
