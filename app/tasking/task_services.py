"""Tasks: raise, edit, allocate, work through their statuses and defer; My tasks, the board, hidden harm.

Every change is checked and audited here, with its before and after values, in the same
transaction. Optimistic locking: callers pass the version their form was rendered with, and
SQLAlchemy checks it again in the UPDATE, so a stale save raises TaskConflict and writes nothing.

Who may do what (also written in docs/decisions.md):
- supervisors raise, edit, allocate and reallocate any task, work any task and see the board;
- officers see and work the tasks they own, and also see their team's tasks that nobody holds
  yet, which they may take; they may raise tasks for themselves, and edit or cancel only tasks
  they raised for themselves (a task a supervisor set is cancelled by a supervisor);
- analysts read the board and every task, and change nothing;
- referral staff and admins have no tasking access.
"""

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.alerts.services import raise_alert
from app.audit import services as audit
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth.models import Team, User, user_roles
from app.base import EditConflict, ValidationFailed, local_date, local_time, local_today, local_zone, utcnow
from app.catalogue import TASK_DEFERRALS, TASK_OUTCOMES, TASK_PRIORITIES, TASK_STATUSES, TASK_TYPES
from app.extensions import db
from app.offenders import network
from app.offenders.models import Person
from app.orders.models import Breach, Order
from app.tasking.models import Task, TaskingMeeting

OPEN_STATUSES = ("open", "in_progress")
FINAL_STATUSES = ("done", "cancelled")
# open -> in_progress -> done | cancelled; open may go straight to done or cancelled.
TRANSITIONS = {
    "open": ("in_progress", "done", "cancelled"),
    "in_progress": ("done", "cancelled"),
    "done": (),
    "cancelled": (),
}
TASK_OWNER_ROLES = ("officer", "supervisor")
MAX_TITLE = 200
MAX_DETAIL = 5000
MAX_NOTE = 2000
MAX_REF = 64
MAX_DUE_DAYS = 366
DEFAULT_DUE_TIME = time(17, 0)
LATEST_DUE_TIME = time(23, 59)
DEFERRAL_MAX_DAYS = 90
# A deferral other than a snooze still comes back on its own, so nothing is put aside for good.
DEFAULT_DEFERRAL_DAYS = {"action_elsewhere": 14, "data_wrong": 7}
# A repeat victim needs a hidden-harm visit if none was completed within this many days.
HIDDEN_HARM_VISIT_DAYS = 90
HIDDEN_HARM_DUE_DAYS = 7
RECENT_DONE_DAYS = 7


class TaskConflict(EditConflict):
    """The task changed after the form was rendered; nothing was written.

    `change` is the latest audit entry on the task (who changed what, and when), to show the user.
    """

    def __init__(self, task: Task):
        super().__init__(f"task {task.id} was changed by someone else")
        self.task = task
        self.change = last_change(task)


class TaskRefused(Exception):
    """The move is not allowed from the task's present state (a finished task, a wrong status)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(PermissionError):
    """The user's roles or relation to the task do not allow this."""


# ---- who may do what ----------------------------------------------------------------------------


def is_supervisor(user: User) -> bool:
    return user.has_any_role("supervisor")


def can_see(user: User, task: Task) -> bool:
    if user.has_any_role("supervisor", "analyst"):
        return True
    if not user.has_any_role("officer"):
        return False
    return task.owner_id == user.id or (
        task.owner_id is None and user.team_id is not None and task.team_id == user.team_id
    )


def can_work(user: User, task: Task) -> bool:
    """Start, complete, defer, resume: the task's holder, or a supervisor."""
    return is_supervisor(user) or (user.has_any_role("officer") and task.owner_id == user.id)


def can_edit(user: User, task: Task) -> bool:
    """Change the task itself or cancel it: a supervisor, or an officer on a task they set themselves."""
    return is_supervisor(user) or (
        user.has_any_role("officer") and task.owner_id == user.id and task.created_by_id == user.id
    )


def can_take(user: User, task: Task) -> bool:
    return (
        task.owner_id is None
        and task.status in OPEN_STATUSES
        and user.has_any_role("officer", "supervisor")
        and (is_supervisor(user) or (user.team_id is not None and task.team_id == user.team_id))
    )


def visible_clause(user: User):
    """The SQL condition for the tasks this user may see (see the module docstring)."""
    if user.has_any_role("supervisor", "analyst"):
        return sa.true()
    if not user.has_any_role("officer"):
        return sa.false()
    mine = Task.owner_id == user.id
    if user.team_id is None:
        return mine
    return sa.or_(mine, sa.and_(Task.owner_id.is_(None), Task.team_id == user.team_id))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


# ---- reading ------------------------------------------------------------------------------------


def get_task(task_id: int) -> Task | None:
    return db.session.scalar(
        sa.select(Task)
        .where(Task.id == task_id)
        .options(joinedload(Task.person), joinedload(Task.owner), joinedload(Task.team), joinedload(Task.created_by))
    )


def is_deferred(task: Task, today: date | None = None) -> bool:
    today = today or local_today()
    return task.status in OPEN_STATUSES and task.deferred_until is not None and task.deferred_until > today


def is_overdue(task: Task, now: datetime | None = None) -> bool:
    """Open, past its due time, and not put aside (the same rule as the overdue-task alerts)."""
    now = now or utcnow()
    return task.status in OPEN_STATUSES and task.due_at < now and not is_deferred(task, local_date(now))


def overdue_clause(now: datetime):
    today = local_date(now)
    return sa.and_(
        Task.status.in_(OPEN_STATUSES),
        Task.due_at < now,
        sa.or_(Task.deferred_until.is_(None), Task.deferred_until <= today),
    )


def deferred_clause(today: date):
    return sa.and_(Task.status.in_(OPEN_STATUSES), Task.deferred_until.is_not(None), Task.deferred_until > today)


def task_owners() -> list[User]:
    """Active users who can hold a task (officers and supervisors), by name."""
    holders = sa.select(user_roles.c.user_id).where(user_roles.c.role.in_(TASK_OWNER_ROLES))
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.id.in_(holders))
            .options(joinedload(User.team))
            .order_by(User.display_name, User.username)
        )
    )


def teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def snapshot(task: Task) -> dict:
    """The task's values as the audit log and the conflict box show them (names, not ids)."""
    owner = db.session.get(User, task.owner_id) if task.owner_id else None
    team = db.session.get(Team, task.team_id) if task.team_id else None
    person = db.session.get(Person, task.person_id) if task.person_id else None
    return audit.jsonable(
        {
            "task_type": task.task_type,
            "title": task.title,
            "detail": task.detail,
            "person": person.ref if person else None,
            "owner": owner.username if owner else None,
            "team": team.name if team else None,
            "due_at": task.due_at,
            "priority": task.priority,
            "status": task.status,
            "outcome": task.outcome,
            "outcome_note": task.outcome_note,
            "completed_at": task.completed_at,
            "deferral_kind": task.deferral_kind,
            "deferred_until": task.deferred_until,
            "deferral_reason": task.deferral_reason,
            "meeting_id": task.meeting_id,
        }
    )


FIELD_LABELS = {
    "task_type": "Type",
    "title": "Title",
    "detail": "Detail",
    "person": "Person",
    "owner": "Officer",
    "team": "Team",
    "due_at": "Due",
    "priority": "Priority",
    "status": "Status",
    "outcome": "Outcome",
    "outcome_note": "Outcome note",
    "completed_at": "Completed",
    "deferral_kind": "Put aside because",
    "deferred_until": "Put aside until",
    "deferral_reason": "Reason put aside",
    "meeting_id": "Set at meeting",
}


def last_change(task: Task) -> AuditEntry | None:
    return db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "task", AuditEntry.object_ref == str(task.id))
        .where(AuditEntry.action.in_(("create", "update")))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def history(task: Task) -> list[AuditEntry]:
    """Every audited change of the task, oldest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.object_type == "task", AuditEntry.object_ref == str(task.id))
            .where(AuditEntry.action.in_(("create", "update")))
            .order_by(AuditEntry.id)
        )
    )


def view_task(task: Task, *, actor: Actor | None = None, reason: str | None = None) -> None:
    audit.record(
        "view", f"viewed task {task.id}", object_type="task", object_ref=str(task.id), reason=reason, actor=actor
    )
    db.session.commit()


# ---- validation helpers -------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def due_moment(
    due_on: date | None, due_time: time | None, *, now: datetime | None = None
) -> tuple[datetime | None, str | None]:
    """The due instant (UK local time, stored UTC) from a date and an optional time; or an error."""
    now = now or utcnow()
    today = local_date(now)
    if due_on is None:
        return None, "Enter the date the task is due."
    if due_on < today:
        return None, "The due date has passed: give today or a later date."
    if due_on > today + timedelta(days=MAX_DUE_DAYS):
        return None, f"Give a due date within {MAX_DUE_DAYS} days."
    at = due_time
    if at is None:
        at = DEFAULT_DUE_TIME
        if local_time(due_on, at) <= now:
            at = LATEST_DUE_TIME  # due today after five: by the end of the day
    moment = local_time(due_on, at)
    if moment <= now and due_time is not None:
        return None, "That time today has passed: give a later time."
    return moment, None


def _owner_and_team(owner_id, team_id, *, user: User, errors: dict) -> tuple[User | None, Team | None]:
    owner = team = None
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.active or not owner.has_any_role(*TASK_OWNER_ROLES):
            errors["owner"] = "Choose an officer or supervisor from the list."
            owner = None
    if team_id is not None:
        team = db.session.get(Team, team_id)
        if team is None:
            errors["team"] = "Choose a team from the list."
    if not is_supervisor(user) and "owner" not in errors:
        # Officers raise tasks for themselves; allocating work to others is the supervisor's job.
        if owner is not None and owner.id != user.id:
            errors["owner"] = "You can raise tasks only for yourself: a supervisor allocates tasks to others."
        owner, team = user, user.team
        errors.pop("team", None)
    if team is None and owner is not None and "team" not in errors:
        team = owner.team
    if owner is None and team is None and not errors:
        errors["owner"] = "Choose the officer who will do it, or a team to allocate it later."
    return owner, team


def _check_person_link(person: Person, order: Order | None, breach: Breach | None, errors: dict) -> None:
    def concerns(o: Order) -> bool:
        return o.subject_id == person.id or any(p.id == person.id for p in o.protected_persons)

    if order is not None and not concerns(order):
        errors["order_ref"] = f"Order {order.ref} is not about {person.full_name} ({person.ref})."
    if breach is not None and not concerns(breach.order):
        errors["breach_ref"] = f"Breach {breach.ref} is not about {person.full_name} ({person.ref})."


# ---- raising a task -----------------------------------------------------------------------------


@dataclass
class TaskInput:
    task_type: str | None
    title: str | None
    person_ref: str | None
    due_on: date | None
    due_time: time | None = None
    priority: str | None = "normal"
    detail: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    order_ref: str | None = None
    breach_ref: str | None = None
    meeting_id: int | None = None
    referral_ref: str | None = None


def create_task(values: TaskInput, *, user: User) -> Task:
    """Raise a task; raises ValidationFailed with a message per field, and writes nothing then."""
    _require(user.has_any_role(*TASK_OWNER_ROLES), "Only supervisors and officers raise tasks.")
    errors: dict[str, str] = {}
    if values.task_type not in TASK_TYPES:
        errors["task_type"] = "Choose the type of task."
    title = _text(values.title)
    if not title:
        errors["title"] = "Say in a few words what is to be done."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title to {MAX_TITLE} characters or fewer."
    detail = _text(values.detail)
    if len(detail) > MAX_DETAIL:
        errors["detail"] = f"Keep the detail to {MAX_DETAIL} characters or fewer."
    if values.priority not in TASK_PRIORITIES:
        errors["priority"] = "Choose the priority."
    person = None
    person_ref = _text(values.person_ref)
    if not person_ref:
        errors["person_ref"] = "Enter the person reference of the person the task is about."
    else:
        person = db.session.scalar(sa.select(Person).where(Person.ref == person_ref))
        if person is None:
            errors["person_ref"] = f"No person has the reference {person_ref[:MAX_REF]}."
    order = breach = meeting = None
    order_ref = _text(values.order_ref)
    if order_ref:
        order = db.session.scalar(
            sa.select(Order).where(Order.ref == order_ref).options(selectinload(Order.protected_persons))
        )
        if order is None:
            errors["order_ref"] = f"No order has the reference {order_ref[:MAX_REF]}."
    breach_ref = _text(values.breach_ref)
    if breach_ref:
        breach = db.session.scalar(sa.select(Breach).where(Breach.ref == breach_ref))
        if breach is None:
            errors["breach_ref"] = f"No breach has the reference {breach_ref[:MAX_REF]}."
        elif order is None:
            order = breach.order
    if person is not None:
        _check_person_link(person, order, breach, errors)
    if values.meeting_id is not None:
        meeting = db.session.get(TaskingMeeting, values.meeting_id)
        if meeting is None:
            errors["meeting_id"] = "That tasking meeting does not exist."
        elif person is not None and not any(i.person_id == person.id for i in meeting.items):
            errors["person_ref"] = f"{person.full_name} ({person.ref}) is not on the agenda of that meeting."
    referral_ref = _text(values.referral_ref)
    if len(referral_ref) > MAX_REF:
        errors["referral_ref"] = "That referral reference is too long."
    due_at, due_error = due_moment(values.due_on, values.due_time)
    if due_error:
        errors["due_on"] = due_error
    owner, team = _owner_and_team(values.owner_id, values.team_id, user=user, errors=errors)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)

    task = Task(
        task_type=values.task_type,
        title=title,
        detail=detail or None,
        person_id=person.id,
        order_id=order.id if order else None,
        breach_id=breach.id if breach else None,
        owner_id=owner.id if owner else None,
        team_id=team.id if team else None,
        due_at=due_at,
        priority=values.priority,
        status="open",
        created_by_id=user.id,
        meeting_id=meeting.id if meeting else None,
        version_id=1,
    )
    db.session.add(task)
    db.session.flush()
    holder = owner.display_name if owner else f"the {team.name} team (to be allocated)"
    audit.record(
        "create",
        f"raised task {task.id} ({TASK_TYPES[task.task_type].lower()}) for {person.ref}, held by {holder}",
        object_type="task",
        object_ref=str(task.id),
        data={"after": snapshot(task), "referral_ref": referral_ref or None},
        actor=Actor.of(user),
    )
    db.session.commit()
    return task


# ---- changing a task ----------------------------------------------------------------------------


def _stale_is_conflict(change):
    """A change whose UPDATE finds the version moved (a concurrent save) becomes a TaskConflict.

    The database checks the version in the UPDATE itself, so this also catches the race that the
    comparison with the form's version cannot see. Nothing is written then.
    """

    @functools.wraps(change)
    def wrapper(task: Task, *args, **kwargs):
        try:
            return change(task, *args, **kwargs)
        except StaleDataError:
            db.session.rollback()
            raise TaskConflict(get_task(task.id)) from None

    return wrapper


def _check_version(task: Task, expected_version: int) -> None:
    if task.version_id != expected_version:
        db.session.rollback()
        raise TaskConflict(task)


def _refuse_if_final(task: Task, what: str) -> None:
    if task.status in FINAL_STATUSES:
        db.session.rollback()
        raise TaskRefused(
            f"This task is {TASK_STATUSES[task.status].lower()}, so it cannot {what}: a finished task stays as it was "
            "closed. Raise a new task if more is needed."
        )


def _save(task: Task, before: dict, summary: str, *, user: User, extra: dict | None = None) -> dict:
    """Audit the change (before/after of the fields that changed) and commit; {} if nothing changed."""
    after = snapshot(task)
    diff = audit.changes(before, after)
    if not diff:
        db.session.rollback()
        return {}
    audit.record(
        "update",
        summary,
        object_type="task",
        object_ref=str(task.id),
        data={"changes": diff, **(extra or {})},
        actor=Actor.of(user),
    )
    db.session.commit()
    return diff


@dataclass
class TaskEdit:
    title: str | None
    detail: str | None
    due_on: date | None
    due_time: time | None
    priority: str | None


@_stale_is_conflict
def edit_task(task: Task, values: TaskEdit, *, expected_version: int, user: User) -> dict:
    """Change a task's title, detail, due time and priority. Returns the changes ({} if none)."""
    _require(can_edit(user, task), "Only a supervisor, or the officer who raised the task for themselves, edits it.")
    _refuse_if_final(task, "be changed")
    _check_version(task, expected_version)
    errors: dict[str, str] = {}
    title = _text(values.title)
    if not title:
        errors["title"] = "Say in a few words what is to be done."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title to {MAX_TITLE} characters or fewer."
    detail = _text(values.detail)
    if len(detail) > MAX_DETAIL:
        errors["detail"] = f"Keep the detail to {MAX_DETAIL} characters or fewer."
    if values.priority not in TASK_PRIORITIES:
        errors["priority"] = "Choose the priority."
    held = task.due_at.astimezone(local_zone())
    if values.due_on == held.date() and values.due_time in (None, held.time().replace(second=0, microsecond=0)):
        # The due time is not being changed (even if it has passed: the task is then overdue).
        due_at = task.due_at
    else:
        due_at, due_error = due_moment(values.due_on, values.due_time)
        if due_error:
            errors["due_on"] = due_error
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = snapshot(task)
    task.title, task.detail, task.priority, task.due_at = title, detail or None, values.priority, due_at
    return _save(task, before, f"changed task {task.id}", user=user)


@_stale_is_conflict
def reassign(
    task: Task, owner_id: int | None, *, expected_version: int, user: User, team_id: int | None = None
) -> dict:
    """Give the task to another officer (or back to a team, unallocated). Supervisors only."""
    _require(is_supervisor(user), "Only a supervisor allocates tasks.")
    _refuse_if_final(task, "be reallocated")
    _check_version(task, expected_version)
    errors: dict[str, str] = {}
    if owner_id is None and team_id is None:
        team_id = task.team_id
    owner, team = _owner_and_team(owner_id, team_id, user=user, errors=errors)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = snapshot(task)
    task.owner_id = owner.id if owner else None
    task.team_id = team.id if team else task.team_id
    to = owner.display_name if owner else f"the {team.name} team (to be allocated)"
    return _save(task, before, f"allocated task {task.id} to {to}", user=user)


@_stale_is_conflict
def take(task: Task, *, expected_version: int, user: User) -> dict:
    """An officer takes one of their team's unallocated tasks."""
    _refuse_if_final(task, "be taken")
    _check_version(task, expected_version)
    if task.owner_id is not None:
        db.session.rollback()
        raise TaskRefused("Someone already holds this task; ask a supervisor to reallocate it.")
    _require(can_take(user, task), "You can take only your own team's tasks.")
    before = snapshot(task)
    task.owner_id = user.id
    if task.team_id is None:
        task.team_id = user.team_id
    return _save(task, before, f"took task {task.id}", user=user)


@_stale_is_conflict
def change_status(
    task: Task,
    to_status: str,
    *,
    expected_version: int,
    user: User,
    outcome: str | None = None,
    note: str | None = None,
) -> dict:
    """Move a task along open -> in progress -> done | cancelled.

    Done needs an outcome (TASK_OUTCOMES) and takes an optional note; cancelled needs a reason
    (kept as the note). Done and cancelled are final.
    """
    if to_status not in TASK_STATUSES or to_status == "open":
        raise TaskRefused("Choose what has happened to the task: started, done or cancelled.")
    if to_status == "cancelled":
        _require(
            can_edit(user, task), "Only a supervisor, or the officer who raised the task for themselves, cancels it."
        )
    else:
        _require(can_work(user, task), "Only the officer who holds the task, or a supervisor, can work it.")
    _refuse_if_final(task, f"be marked {TASK_STATUSES[to_status].lower()}")
    _check_version(task, expected_version)
    if to_status not in TRANSITIONS[task.status]:
        db.session.rollback()
        raise TaskRefused(
            f"A task that is {TASK_STATUSES[task.status].lower()} cannot be marked {TASK_STATUSES[to_status].lower()}."
        )
    note = _text(note)
    errors: dict[str, str] = {}
    if to_status == "done" and outcome not in TASK_OUTCOMES:
        errors["outcome"] = "Choose the outcome."
    if to_status == "cancelled" and not note:
        errors["note"] = "Say why the task is cancelled."
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note to {MAX_NOTE} characters or fewer."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = snapshot(task)
    task.status = to_status
    if to_status == "done":
        task.outcome, task.outcome_note, task.completed_at = outcome, note or None, utcnow()
    elif to_status == "cancelled":
        task.outcome, task.outcome_note = None, note
    if to_status in FINAL_STATUSES:
        task.deferred_until = task.deferral_kind = task.deferral_reason = None
    what = TASK_STATUSES[to_status].lower()
    if to_status == "done":
        what += f" ({TASK_OUTCOMES[outcome].lower()})"
    return _save(task, before, f"task {task.id}: {TASK_STATUSES[before['status']].lower()} -> {what}", user=user)


@_stale_is_conflict
def defer(
    task: Task,
    kind: str | None,
    *,
    until: date | None,
    reason: str | None,
    expected_version: int,
    user: User,
) -> dict:
    """Put an open task aside: snooze until a date, action taken elsewhere, or the data is wrong.

    "The data is wrong" also raises a data-quality alert for the analysts naming the task and
    person. A deferral ends on its date, when the task is back in the lists.
    """
    _require(can_work(user, task), "Only the officer who holds the task, or a supervisor, can put it aside.")
    _refuse_if_final(task, "be put aside")
    _check_version(task, expected_version)
    today = local_today()
    errors: dict[str, str] = {}
    reason = _text(reason)
    if kind not in TASK_DEFERRALS:
        errors["kind"] = "Choose why you are putting the task aside."
    if until is None:
        if kind == "snooze":
            errors["until"] = "Enter the date the task should come back."
        elif kind in DEFAULT_DEFERRAL_DAYS:
            until = today + timedelta(days=DEFAULT_DEFERRAL_DAYS[kind])
    if until is not None and "until" not in errors:
        if until <= today:
            errors["until"] = "The date the task comes back must be after today."
        elif until > today + timedelta(days=DEFERRAL_MAX_DAYS):
            errors["until"] = f"A task can be put aside for {DEFERRAL_MAX_DAYS} days at most."
    if kind in ("action_elsewhere", "data_wrong") and not reason:
        errors["reason"] = (
            "Say what was done and by whom." if kind == "action_elsewhere" else "Say what is wrong with the data."
        )
    elif len(reason) > MAX_NOTE:
        errors["reason"] = f"Keep the reason to {MAX_NOTE} characters or fewer."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = snapshot(task)
    task.deferral_kind, task.deferred_until, task.deferral_reason = kind, until, reason or None
    flagged = False
    if kind == "data_wrong":
        person = task.person
        who = f"{person.full_name} ({person.ref})" if person else "no person"
        flagged = raise_alert(
            kind="data_quality",
            object_type="task",
            object_ref=str(task.id),
            due_on=today,
            message=(
                f"{user.display_name} reports the data is wrong on task {task.id} ({task.title}) about {who}: {reason}"
            ),
            role="analyst",
        )
    summary = f"put task {task.id} aside until {until:%d %b %Y}: {TASK_DEFERRALS[kind].lower()}"
    return _save(
        task, before, summary, user=user, extra={"data_quality_alert": flagged} if kind == "data_wrong" else None
    )


@_stale_is_conflict
def resume(task: Task, *, expected_version: int, user: User) -> dict:
    """Bring a task that was put aside back into the lists now."""
    _require(can_work(user, task), "Only the officer who holds the task, or a supervisor, can bring it back.")
    _refuse_if_final(task, "be brought back")
    _check_version(task, expected_version)
    before = snapshot(task)
    task.deferral_kind = task.deferred_until = task.deferral_reason = None
    return _save(task, before, f"brought task {task.id} back from being put aside", user=user)


# ---- My tasks -----------------------------------------------------------------------------------


@dataclass
class MyTasks:
    overdue: list[Task] = field(default_factory=list)
    due_today: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    put_aside: list[Task] = field(default_factory=list)
    team_unallocated: list[Task] = field(default_factory=list)
    recently_done: list[Task] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.upcoming) + len(self.put_aside)


def my_tasks(user: User, *, now: datetime | None = None) -> MyTasks:
    """The user's open tasks as overdue / due today / upcoming / put aside, their team's tasks that
    nobody holds, and what they finished in the last week. The viewing is audited."""
    now = now or utcnow()
    today = local_date(now)
    result = MyTasks()
    load = (joinedload(Task.person), joinedload(Task.team))
    mine = db.session.scalars(
        sa.select(Task)
        .where(Task.owner_id == user.id, Task.status.in_(OPEN_STATUSES))
        .options(*load)
        .order_by(Task.due_at, Task.id)
    )
    for task in mine:
        if is_deferred(task, today):
            result.put_aside.append(task)
        elif task.due_at < now:
            result.overdue.append(task)
        elif local_date(task.due_at) == today:
            result.due_today.append(task)
        else:
            result.upcoming.append(task)
    if user.team_id is not None and user.has_any_role("officer", "supervisor"):
        result.team_unallocated = list(
            db.session.scalars(
                sa.select(Task)
                .where(Task.owner_id.is_(None), Task.team_id == user.team_id, Task.status.in_(OPEN_STATUSES))
                .options(*load)
                .order_by(Task.due_at, Task.id)
            )
        )
    result.recently_done = list(
        db.session.scalars(
            sa.select(Task)
            .where(
                Task.owner_id == user.id,
                Task.status == "done",
                Task.completed_at >= now - timedelta(days=RECENT_DONE_DAYS),
            )
            .options(*load)
            .order_by(Task.completed_at.desc(), Task.id.desc())
        )
    )
    audit.record(
        "view",
        f"viewed My tasks ({result.open_count} open, {len(result.team_unallocated)} for the team)",
        object_type="task",
        actor=Actor.of(user),
    )
    db.session.commit()
    return result


# ---- the board ----------------------------------------------------------------------------------

BOARD_STATUSES = {
    "active": "Open or in progress",
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
    "all": "Any status",
}
UNALLOCATED = "none"
WORKLOAD_DONE_DAYS = 28


@dataclass
class BoardFilters:
    team_id: int | None = None
    owner: str | None = None  # a user id as text, or UNALLOCATED
    task_type: str | None = None
    status: str = "active"
    overdue: bool = False

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", False)}


@dataclass
class Workload:
    owner: User | None
    team: Team | None  # for the "not allocated" row: which team's pool
    open: int = 0
    in_progress: int = 0
    overdue: int = 0
    put_aside: int = 0
    done_recently: int = 0

    @property
    def active(self) -> int:
        return self.open + self.in_progress


@dataclass
class BoardGroup:
    owner: User | None
    tasks: list[Task]


@dataclass
class Board:
    workload: list[Workload]
    groups: list[BoardGroup]
    total: int
    page: int
    pages: int
    now: datetime


def _board_query(filters: BoardFilters, now: datetime, *, with_status: bool = True):
    query = sa.select(Task)
    if filters.team_id is not None:
        query = query.where(Task.team_id == filters.team_id)
    if filters.owner == UNALLOCATED:
        query = query.where(Task.owner_id.is_(None))
    elif filters.owner:
        query = query.where(Task.owner_id == int(filters.owner))
    if filters.task_type:
        query = query.where(Task.task_type == filters.task_type)
    if with_status:
        if filters.status == "active":
            query = query.where(Task.status.in_(OPEN_STATUSES))
        elif filters.status in TASK_STATUSES:
            query = query.where(Task.status == filters.status)
        if filters.overdue:
            query = query.where(overdue_clause(now))
    return query


def workload(filters: BoardFilters, now: datetime) -> list[Workload]:
    """Per holder (and one row per team for unallocated tasks): open, in progress, overdue, put aside,
    and done in the last four weeks. Team, officer and type filters apply; status filters do not."""
    today = local_date(now)
    base = _board_query(filters, now, with_status=False).subquery()
    t = sa.orm.aliased(Task, base)
    overdue = sa.and_(
        t.status.in_(OPEN_STATUSES), t.due_at < now, sa.or_(t.deferred_until.is_(None), t.deferred_until <= today)
    )
    put_aside = sa.and_(t.status.in_(OPEN_STATUSES), t.deferred_until.is_not(None), t.deferred_until > today)

    def count(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        sa.select(
            t.owner_id,
            t.team_id,
            count(t.status == "open"),
            count(t.status == "in_progress"),
            count(overdue),
            count(put_aside),
            count(sa.and_(t.status == "done", t.completed_at >= now - timedelta(days=WORKLOAD_DONE_DAYS))),
        ).group_by(t.owner_id, t.team_id)
    ).all()
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_({r[0] for r in rows if r[0]})))}
    team_rows = {
        tm.id: tm for tm in db.session.scalars(sa.select(Team).where(Team.id.in_({r[1] for r in rows if r[1]})))
    }
    # A holder's tasks are counted together whatever their team; unallocated ones per team pool.
    by_key: dict[tuple, Workload] = {}
    for owner_id, team_id, o, ip, od, pa, dr in rows:
        key = ("user", owner_id) if owner_id else ("team", team_id)
        row = by_key.setdefault(
            key, Workload(owner=users.get(owner_id), team=None if owner_id else team_rows.get(team_id))
        )
        row.open += int(o)
        row.in_progress += int(ip)
        row.overdue += int(od)
        row.put_aside += int(pa)
        row.done_recently += int(dr)
    out = [w for w in by_key.values() if w.active or w.done_recently]
    return sorted(
        out,
        key=lambda w: (
            w.owner is None,
            (w.owner.display_name.lower() if w.owner else (w.team.name.lower() if w.team else "")),
        ),
    )


def board(
    filters: BoardFilters, *, page: int = 1, per_page: int = 50, user: User, now: datetime | None = None
) -> Board:
    """The supervisors' board: workload per officer and the tasks grouped by holder (one page).

    Within a holder, overdue tasks first, then by due time. The search is audited.
    """
    now = now or utcnow()
    query = _board_query(filters, now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    holder_name = sa.select(User.display_name).where(User.id == Task.owner_id).correlate(Task).scalar_subquery()
    tasks = list(
        db.session.scalars(
            query.options(joinedload(Task.person), joinedload(Task.owner), joinedload(Task.team))
            .order_by(
                Task.owner_id.is_(None),
                sa.func.lower(sa.func.coalesce(holder_name, "")),
                Task.owner_id,
                sa.case((overdue_clause(now), 0), else_=1),
                Task.due_at,
                Task.id,
            )
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    groups: list[BoardGroup] = []
    for task in tasks:
        if groups and groups[-1].owner is task.owner:
            groups[-1].tasks.append(task)
        else:
            groups.append(BoardGroup(task.owner, [task]))
    result = Board(workload=workload(filters, now), groups=groups, total=total, page=page, pages=pages, now=now)
    audit.record(
        "search",
        f"viewed the task board ({total} tasks)",
        object_type="task",
        data={"filters": filters.describe(), "page": page, "found": total},
        actor=Actor.of(user),
    )
    db.session.commit()
    return result


# ---- hidden-harm visits -------------------------------------------------------------------------


@dataclass
class HiddenHarmRow:
    person: Person
    finding: network.RepeatVictim
    last_visit: Task | None  # the latest completed visit, older than the window
    open_visit: Task | None  # a visit already raised and not yet done


def hidden_harm_list(*, user: User, as_of: date | None = None) -> list[HiddenHarmRow]:
    """Repeat victims (network.repeat_victims) with no hidden-harm visit completed in the last
    HIDDEN_HARM_VISIT_DAYS days, most harmed first. Naming victims, the consultation is audited."""
    as_of = as_of or local_today()
    events = network.load_events(db.session, as_of=as_of)
    found = network.repeat_victims(events, as_of)
    rows: list[HiddenHarmRow] = []
    if found:
        ids = sorted(found)
        since = local_time(as_of - timedelta(days=HIDDEN_HARM_VISIT_DAYS), time(0, 0))
        visits: dict[int, list[Task]] = {}
        people: dict[int, Person] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for task in db.session.scalars(
                sa.select(Task)
                .where(Task.task_type == "hidden_harm_visit", Task.person_id.in_(chunk))
                .where(Task.status.in_((*OPEN_STATUSES, "done")))
                .order_by(Task.id)
            ):
                visits.setdefault(task.person_id, []).append(task)
            people.update({p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(chunk)))})
        for victim_id in ids:
            tasks = visits.get(victim_id, [])
            done = [t for t in tasks if t.status == "done" and t.completed_at is not None]
            if any(t.completed_at >= since for t in done):
                continue
            rows.append(
                HiddenHarmRow(
                    person=people[victim_id],
                    finding=found[victim_id],
                    last_visit=max(done, key=lambda t: t.completed_at) if done else None,
                    open_visit=next((t for t in tasks if t.status in OPEN_STATUSES), None),
                )
            )
        rows.sort(key=lambda r: (-len(r.finding.suspects), -r.finding.recent_events, r.person.ref))
    audit.record(
        "view",
        f"viewed repeat victims without a recent hidden-harm visit ({len(rows)})",
        object_type="hidden_harm",
        data={"as_of": as_of, "window_days": HIDDEN_HARM_VISIT_DAYS, "results": len(rows)},
        actor=Actor.of(user),
    )
    db.session.commit()
    return rows


def raise_hidden_harm_visit(person: Person, *, user: User) -> tuple[Task, bool]:
    """Raise a DALO visit for a repeat victim: held by the officer who raises it, or the team's to
    allocate when a supervisor does. One open visit per person: an open one is returned instead."""
    held = db.session.scalar(
        sa.select(Task)
        .where(Task.task_type == "hidden_harm_visit", Task.person_id == person.id, Task.status.in_(OPEN_STATUSES))
        .order_by(Task.id)
        .limit(1)
    )
    if held is not None:
        return held, False
    own = not is_supervisor(user) or user.team_id is None
    task = create_task(
        TaskInput(
            task_type="hidden_harm_visit",
            title=f"Hidden-harm visit to {person.full_name}",
            detail=(
                "Repeat victim with no hidden-harm visit in the last "
                f"{HIDDEN_HARM_VISIT_DAYS} days. Visit, check the safety of the household and any children, "
                "and record what was found."
            ),
            person_ref=person.ref,
            due_on=local_today() + timedelta(days=HIDDEN_HARM_DUE_DAYS),
            priority="normal",
            owner_id=user.id if own else None,
            team_id=user.team_id,
        ),
        user=user,
    )
    return task, True


# ---- for other pages ----------------------------------------------------------------------------


def open_tasks_of(person_ids: list[int]) -> dict[int, list[Task]]:
    """{person_id: their open tasks, soonest due first}."""
    out: dict[int, list[Task]] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        for task in db.session.scalars(
            sa.select(Task)
            .where(Task.person_id.in_(chunk), Task.status.in_(OPEN_STATUSES))
            .options(joinedload(Task.owner), joinedload(Task.team))
            .order_by(Task.due_at, Task.id)
        ):
            out.setdefault(task.person_id, []).append(task)
    return out
