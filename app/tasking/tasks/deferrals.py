"""Putting a task aside (Recidiviz's deferrals), under control: reasons, limits and approval.

- Any open task may be put aside: snoozed until a date, "action taken elsewhere", or "the data is
  wrong" (which also tells the analysts). It comes back by itself on its date.
- Enforcement work (arrest, warrant and breach-enforcement tasks) is put aside only with a reason,
  whatever the kind.
- Past the limit for its type and priority (DEFERRAL_LIMIT_HOURS; 72 hours for a high-priority
  arrest or a criminal breach's enforcement) it needs a supervisor's approval. A supervisor who
  puts such a task aside approves it by doing so (recorded); an officer's request waits for a
  supervisor, and until it is approved the task stays in every list and counts as overdue when it
  is. Supervisors are alerted; they approve or refuse with a reason.

Every change is audited with who put the task aside and who approved it.
"""

from datetime import date, time, timedelta

from app.alerts.services import raise_alert
from app.auth.models import User
from app.base import ValidationFailed, local_time, local_today, stripped, utcnow
from app.catalogue import TASK_DEFERRALS, TASK_PRIORITIES, TASK_TYPES
from app.extensions import db
from app.tasking.models import Task
from app.tasking.tasks.rules import _require, can_work, is_supervisor
from app.tasking.tasks.services import (
    MAX_NOTE,
    TaskRefused,
    _check_version,
    _refuse_if_final,
    _save,
    _stale_is_conflict,
    clear_deferral,
    snapshot,
)

DEFERRAL_MAX_DAYS = 90
# A deferral other than a snooze still comes back on its own, so nothing is put aside for good.
DEFAULT_DEFERRAL_DAYS = {"action_elsewhere": 14, "data_wrong": 7}
# Hours a task may be put aside without a supervisor's approval, by type and priority. A breach
# enforcement task is high priority when the breach is a crime (raised so by tasking).
DEFERRAL_LIMIT_HOURS = {
    "arrest": {"high": 72, "normal": 7 * 24, "low": 14 * 24},
    "warrant": {"high": 72, "normal": 7 * 24, "low": 14 * 24},
    "breach_enforcement": {"high": 72, "normal": 7 * 24, "low": 14 * 24},
}
# Enforcement work is never put aside without a reason.
REASON_NEEDED = frozenset(DEFERRAL_LIMIT_HOURS)


def limit_hours(task: Task) -> int | None:
    """How long the task may be put aside without approval; None: no limit."""
    return DEFERRAL_LIMIT_HOURS.get(task.task_type, {}).get(task.priority)


def needs_approval(task: Task, until: date, *, now=None) -> bool:
    """Whether putting the task aside until that date (it comes back at 00:00) passes its limit."""
    limit = limit_hours(task)
    if limit is None:
        return False
    back = local_time(until, time(0, 0))
    return back - (now or utcnow()) > timedelta(hours=limit)


def _check(task: Task, kind: str | None, until: date | None, reason: str) -> tuple[date | None, dict]:
    today = local_today()
    errors: dict[str, str] = {}
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
    if len(reason) > MAX_NOTE:
        errors["reason"] = f"Keep the reason to {MAX_NOTE} characters or fewer."
    elif not reason and task.task_type in REASON_NEEDED:
        errors["reason"] = (
            f"Say why this {TASK_TYPES[task.task_type].lower()} task can wait: "
            "enforcement work is put aside only with a reason."
        )
    elif not reason and kind in ("action_elsewhere", "data_wrong"):
        errors["reason"] = (
            "Say what was done and by whom." if kind == "action_elsewhere" else "Say what is wrong with the data."
        )
    return until, errors


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
    """Put an open task aside (see the module docstring). Raises ValidationFailed, TaskConflict."""
    _require(can_work(user, task), "Only the officer who holds the task, or a supervisor, can put it aside.")
    _refuse_if_final(task, "be put aside")
    _check_version(task, expected_version)
    reason = stripped(reason)
    until, errors = _check(task, kind, until, reason)
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    before = snapshot(task)
    approval = needs_approval(task, until)
    clear_deferral(task)
    task.deferral_kind, task.deferred_until, task.deferral_reason = kind, until, reason or None
    task.deferred_by_id = user.id
    extra: dict = {"limit_hours": limit_hours(task), "needs_approval": approval}
    if approval and is_supervisor(user):
        task.deferral_approved_by_id, task.deferral_approved_at = user.id, utcnow()
    elif approval:
        task.deferral_pending = True
        _ask_for_approval(task, user, until)
    if kind == "data_wrong":
        extra["data_quality_alert"] = _tell_analysts(task, user, reason)
    summary = f"put task {task.id} aside until {until:%d %b %Y}: {TASK_DEFERRALS[kind].lower()}"
    if task.deferral_pending:
        summary += " (awaiting a supervisor's approval)"
    return _save(task, before, summary, user=user, extra=extra)


def _ask_for_approval(task: Task, user: User, until: date) -> None:
    person = task.person
    who = f" about {person.full_name} ({person.ref})" if person else ""
    raise_alert(
        kind="deferral_approval",
        object_type="task",
        object_ref=str(task.id),
        due_on=local_today(),
        message=(
            f"{user.display_name} asks to put aside a {TASK_PRIORITIES[task.priority].lower()}-priority "
            f"{TASK_TYPES[task.task_type].lower()} task{who} until {until:%d %b %Y}, past its "
            f"{limit_hours(task)}-hour limit: {task.deferral_reason}"
        ),
        role="supervisor",
    )


def _tell_analysts(task: Task, user: User, reason: str) -> bool:
    person = task.person
    who = f"{person.full_name} ({person.ref})" if person else "no person"
    alert = raise_alert(
        kind="data_quality",
        object_type="task",
        object_ref=str(task.id),
        due_on=local_today(),
        message=f"{user.display_name} reports the data is wrong on task {task.id} ({task.title}) about {who}: {reason}",
        role="analyst",
    )
    return alert is not None


@_stale_is_conflict
def approve(task: Task, *, expected_version: int, user: User) -> dict:
    """A supervisor approves a request to put a task aside past its limit: it takes effect now."""
    _require(is_supervisor(user), "Only a supervisor approves putting a task aside.")
    _refuse_if_final(task, "be put aside")
    _check_version(task, expected_version)
    if not task.deferral_pending:
        raise TaskRefused("No request to put this task aside is waiting for approval.")
    before = snapshot(task)
    task.deferral_pending = False
    task.deferral_approved_by_id, task.deferral_approved_at = user.id, utcnow()
    return _save(task, before, f"approved putting task {task.id} aside until {task.deferred_until:%d %b %Y}", user=user)


@_stale_is_conflict
def refuse(task: Task, reason: str | None, *, expected_version: int, user: User) -> dict:
    """A supervisor refuses a request to put a task aside: the task stays in the lists."""
    _require(is_supervisor(user), "Only a supervisor refuses a request to put a task aside.")
    _refuse_if_final(task, "be changed")
    _check_version(task, expected_version)
    if not task.deferral_pending:
        raise TaskRefused("No request to put this task aside is waiting for approval.")
    reason = stripped(reason)
    if not reason or len(reason) > MAX_NOTE:
        raise ValidationFailed({"reason": "Say why the task cannot wait (at most 2,000 characters)."})
    before = snapshot(task)
    clear_deferral(task)
    return _save(task, before, f"refused putting task {task.id} aside: {reason}", user=user, extra={"reason": reason})


@_stale_is_conflict
def resume(task: Task, *, expected_version: int, user: User) -> dict:
    """Bring a task that was put aside (or asked to be) back into the lists now."""
    _require(can_work(user, task), "Only the officer who holds the task, or a supervisor, can bring it back.")
    _refuse_if_final(task, "be brought back")
    _check_version(task, expected_version)
    before = snapshot(task)
    clear_deferral(task)
    return _save(task, before, f"brought task {task.id} back from being put aside", user=user)
