"""Tasks: raise, edit, allocate, work through their statuses and defer.

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
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth.models import Team, User, user_roles
from app.base import (
    EditConflict,
    ValidationFailed,
    local_zone,
    stripped,
    utcnow,
)
from app.catalogue import TASK_OUTCOMES, TASK_PRIORITIES, TASK_STATUSES, TASK_TYPES
from app.extensions import db
from app.offenders.models import Person
from app.tasking.models import Task, TaskingMeeting
from app.tasking.tasks import effects
from app.tasking.tasks.checks import (
    MAX_REF,
    TaskInput,
    check_lever,
    check_person_link,
    due_moment,
    owner_and_team,
    records_named,
)
from app.tasking.tasks.rules import (
    FINAL_STATUSES,
    TASK_OWNER_ROLES,
    TRANSITIONS,
    _require,
    can_edit,
    can_take,
    can_work,
    is_supervisor,
)

# open -> in_progress -> done | cancelled; open may go straight to done or cancelled.
MAX_TITLE = 200
MAX_DETAIL = 5000
MAX_NOTE = 2000
# A repeat victim needs a hidden-harm visit if none was completed within this many days.


class TaskConflict(EditConflict):
    """The task changed after the form was rendered; nothing was written.

    `change` is the latest audit entry on the task (who changed what, and when), to show the user.
    """

    def __init__(self, task: Task):
        super().__init__(f"task {task.id} was changed by someone else")
        self.task = task
        self.change = audit.last_change("task", str(task.id))


class TaskRefused(Exception):
    """The move is not allowed from the task's present state (a finished task, a wrong status)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---- who may do what ----------------------------------------------------------------------------


# ---- reading ------------------------------------------------------------------------------------


def get_task(task_id: int) -> Task | None:
    return db.session.scalar(
        sa.select(Task)
        .where(Task.id == task_id)
        .options(joinedload(Task.person), joinedload(Task.owner), joinedload(Task.team), joinedload(Task.created_by))
    )


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
            "deferral_pending": task.deferral_pending or None,
            "deferral_approved_by": _username(task.deferral_approved_by_id),
            "lever": task.lever,
            "meeting_id": task.meeting_id,
        }
    )


def _username(user_id: int | None) -> str | None:
    user = db.session.get(User, user_id) if user_id else None
    return user.username if user else None


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
    "deferral_pending": "Awaiting a supervisor's approval",
    "deferral_approved_by": "Put aside with the approval of",
    "lever": "Lever",
    "meeting_id": "Set at meeting",
}


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


# ---- raising a task -----------------------------------------------------------------------------


def create_task(values: TaskInput, *, user: User, now: datetime | None = None) -> Task:
    """Raise a task; raises ValidationFailed with a message per field, and writes nothing then.

    `now` records a task raised earlier (the demo's history): its due date is checked against it."""
    _require(user.has_any_role(*TASK_OWNER_ROLES), "Only supervisors and officers raise tasks.")
    errors: dict[str, str] = {}
    if values.task_type not in TASK_TYPES:
        errors["task_type"] = "Choose the type of task."
    title = stripped(values.title)
    if not title:
        errors["title"] = "Say in a few words what is to be done."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title to {MAX_TITLE} characters or fewer."
    detail = stripped(values.detail)
    if len(detail) > MAX_DETAIL:
        errors["detail"] = f"Keep the detail to {MAX_DETAIL} characters or fewer."
    if values.priority not in TASK_PRIORITIES:
        errors["priority"] = "Choose the priority."
    person, order, breach = records_named(values, errors)
    meeting = None
    if person is not None:
        check_person_link(person, order, breach, errors)
    if values.meeting_id is not None:
        meeting = db.session.get(TaskingMeeting, values.meeting_id)
        if meeting is None:
            errors["meeting_id"] = "That tasking meeting does not exist."
        elif person is not None and not any(i.person_id == person.id for i in meeting.items):
            errors["person_ref"] = f"{person.full_name} ({person.ref}) is not on the agenda of that meeting."
    referral_ref = stripped(values.referral_ref)
    if len(referral_ref) > MAX_REF:
        errors["referral_ref"] = "That referral reference is too long."
    lever = check_lever(values.task_type, values.lever, errors)
    due_at, due_error = due_moment(values.due_on, values.due_time, now=now)
    if due_error:
        errors["due_on"] = due_error
    owner, team = owner_and_team(values.owner_id, values.team_id, user=user, errors=errors)
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
        lever=lever,
        raised_from=referral_ref or None,
        version_id=1,
    )
    if now is not None:
        task.created_at = now
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
    title = stripped(values.title)
    if not title:
        errors["title"] = "Say in a few words what is to be done."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Keep the title to {MAX_TITLE} characters or fewer."
    detail = stripped(values.detail)
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
    owner, team = owner_and_team(owner_id, team_id, user=user, errors=errors)
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
    note = stripped(note)
    errors: dict[str, str] = {}
    if to_status == "done" and outcome not in TASK_OUTCOMES:
        errors["outcome"] = "Choose the outcome."
    if to_status == "cancelled" and not note:
        errors["note"] = "Say why the task is cancelled."
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note to {MAX_NOTE} characters or fewer."
    elif to_status == "done":
        effects.check_reason(task, outcome, note, errors)
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
        clear_deferral(task)
    what = TASK_STATUSES[to_status].lower()
    extra = None
    if to_status == "done":
        what += f" ({TASK_OUTCOMES[outcome].lower()})"
        extra = _apply_effects(task, outcome, user)
    return _save(
        task, before, f"task {task.id}: {TASK_STATUSES[before['status']].lower()} -> {what}", user=user, extra=extra
    )


def clear_deferral(task: Task) -> None:
    task.deferred_until = task.deferral_kind = task.deferral_reason = None
    task.deferred_by_id = task.deferral_approved_by_id = task.deferral_approved_at = None
    task.deferral_pending = False


def _apply_effects(task: Task, outcome: str, user: User) -> dict:
    """What the outcome does to the record (effects.py), in this transaction; kept on the task."""
    db.session.flush()  # the task is done before its breach is told, so nothing reopens it
    try:
        applied = effects.apply(task, outcome, user=user)
    except EditConflict:
        db.session.rollback()
        raise TaskRefused(
            "A lever or breach of this person changed while you were completing the task, so nothing was saved. "
            "Open the task again and record the outcome."
        ) from None
    task.outcome_effects = applied.lines or None
    return {
        "effects": applied.lines,
        "priority_before": applied.priority_before,
        "priority_after": applied.priority_after,
    }
