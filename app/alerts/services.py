"""Raising, listing and dismissing alerts. Raising is idempotent: one alert per kind, object and due date."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.alerts.models import Alert
from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import LoginAttempt, User
from app.base import utcnow
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.tasking.models import Task

ALERT_KINDS = {
    "order_expiring": "Order ending soon",
    "task_overdue": "Task overdue",
    "record_review": "Record review due",
    "clare_overdue": "Clare's Law case past 28 days",
    "data_quality": "Data reported wrong",
}
OPEN_TASK_STATUSES = ("open", "in_progress")
LOGIN_ATTEMPTS_KEPT_DAYS = 90


def raise_alert(
    *,
    kind: str,
    object_type: str,
    object_ref: str,
    due_on: date,
    message: str,
    role: str | None = None,
    user_id: int | None = None,
    team_id: int | None = None,
) -> bool:
    """Add the alert unless the same one (kind, object, due date) exists; True when added."""
    exists = db.session.scalar(
        sa.select(Alert.id).where(
            Alert.kind == kind, Alert.object_type == object_type, Alert.object_ref == object_ref, Alert.due_on == due_on
        )
    )
    if exists:
        return False
    db.session.add(
        Alert(
            kind=kind,
            object_type=object_type,
            object_ref=object_ref,
            due_on=due_on,
            message=message,
            role=role,
            user_id=user_id,
            team_id=team_id,
        )
    )
    return True


def raise_overdue_task_alerts(as_of: datetime, *, actor: Actor) -> int:
    """One alert to the owner (or the team's supervisors) for each open task past its due time."""
    tasks = db.session.scalars(
        sa.select(Task)
        .where(Task.status.in_(OPEN_TASK_STATUSES), Task.due_at < as_of)
        .where(sa.or_(Task.deferred_until.is_(None), Task.deferred_until <= as_of.date()))
    ).all()
    raised = 0
    for task in tasks:
        raised += raise_alert(
            kind="task_overdue",
            object_type="task",
            object_ref=str(task.id),
            due_on=task.due_at.date(),
            message=f"Task overdue since {task.due_at:%d %b %Y %H:%M}: {task.title}",
            user_id=task.owner_id,
            team_id=task.team_id,
            role=None if task.owner_id else "supervisor",
        )
    audit.record("create", f"{raised} overdue-task alert(s) raised", object_type="alert", actor=actor)
    db.session.commit()
    return raised


def raise_record_review_alerts(as_of: date, *, actor: Actor) -> int:
    """MoPI review: a person with no DA event for RECORD_REVIEW_YEARS is due a retention review."""
    years = current_app.config["RECORD_REVIEW_YEARS"]
    cutoff = as_of - timedelta(days=round(365.25 * years))
    last_event = (
        sa.select(sa.func.max(DAEvent.occurred_on))
        .where(sa.or_(DAEvent.suspect_id == Person.id, DAEvent.victim_id == Person.id))
        .scalar_subquery()
    )
    due = db.session.execute(
        sa.select(Person.ref, last_event.label("last_event")).where(
            sa.func.coalesce(last_event, sa.func.date(Person.created_at)) <= cutoff
        )
    ).all()
    raised = 0
    for ref, last in due:
        raised += raise_alert(
            kind="record_review",
            object_type="person",
            object_ref=ref,
            due_on=as_of if last is None else last,
            message=f"Person {ref}: no DA event for {years} years — review whether the record is still needed.",
            role="analyst",
        )
    audit.record("create", f"{raised} record-review alert(s) raised", object_type="alert", actor=actor)
    db.session.commit()
    return raised


def prune_login_attempts(as_of: datetime, *, actor: Actor) -> int:
    """Sign-in attempts serve throttling only; keep three months for security review, no more."""
    cutoff = as_of - timedelta(days=LOGIN_ATTEMPTS_KEPT_DAYS)
    deleted = db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
    audit.record(
        "delete",
        f"{deleted} sign-in attempt(s) older than {LOGIN_ATTEMPTS_KEPT_DAYS} days removed",
        object_type="login_attempts",
        actor=actor,
    )
    db.session.commit()
    return deleted


def alerts_for(user: User, *, include_dismissed: bool = False):
    """The alerts addressed to this user, their team or one of their roles, newest first."""
    query = sa.select(Alert).where(
        sa.or_(
            Alert.user_id == user.id,
            Alert.role.in_(user.role_names) & Alert.user_id.is_(None),
            (Alert.team_id == user.team_id) & Alert.user_id.is_(None) & Alert.role.is_(None)
            if user.team_id
            else sa.false(),
        )
    )
    if not include_dismissed:
        query = query.where(Alert.dismissed_at.is_(None))
    return query.order_by(Alert.due_on.asc(), Alert.id.desc())


def dismiss(alert: Alert, *, actor: Actor) -> None:
    alert.dismissed_at = utcnow()
    alert.dismissed_by_id = actor.user_id
    audit.record(
        "update",
        f"alert dismissed: {alert.message}",
        object_type=alert.object_type,
        object_ref=alert.object_ref,
        actor=actor,
    )
    db.session.commit()
