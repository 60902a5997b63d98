"""Who may do what with a task, and the status, overdue and deferral rules every task page shares."""

from datetime import date, datetime

import sqlalchemy as sa

from app.auth.models import User
from app.base import (
    local_date,
    local_today,
    utcnow,
)
from app.tasking.models import Task

OPEN_STATUSES = ("open", "in_progress")


FINAL_STATUSES = ("done", "cancelled")


TRANSITIONS = {
    "open": ("in_progress", "done", "cancelled"),
    "in_progress": ("done", "cancelled"),
    "done": (),
    "cancelled": (),
}


TASK_OWNER_ROLES = ("officer", "supervisor")


class NotAllowed(PermissionError):
    """The user's roles or relation to the task do not allow this."""


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


def is_deferred(task: Task, today: date | None = None) -> bool:
    """Put aside now: a deferral in effect (a request awaiting approval is not one)."""
    today = today or local_today()
    return (
        task.status in OPEN_STATUSES
        and task.deferred_until is not None
        and task.deferred_until > today
        and not task.deferral_pending
    )


def awaiting_approval(task: Task) -> bool:
    return task.status in OPEN_STATUSES and bool(task.deferral_pending)


def is_overdue(task: Task, now: datetime | None = None) -> bool:
    """Open, past its due time, and not put aside (the same rule as the overdue-task alerts)."""
    now = now or utcnow()
    return task.status in OPEN_STATUSES and task.due_at < now and not is_deferred(task, local_date(now))


def deferral_in_effect(today: date, task=Task):
    """The SQL condition "put aside now" (for Task or an alias of it)."""
    return sa.and_(task.deferred_until.is_not(None), task.deferred_until > today, task.deferral_pending.is_(False))


def overdue_clause(now: datetime, task=Task):
    today = local_date(now)
    return sa.and_(task.status.in_(OPEN_STATUSES), task.due_at < now, sa.not_(deferral_in_effect(today, task)))


def deferred_clause(today: date, task=Task):
    return sa.and_(task.status.in_(OPEN_STATUSES), deferral_in_effect(today, task))


def pending_clause(task=Task):
    return sa.and_(task.status.in_(OPEN_STATUSES), task.deferral_pending.is_(True))
