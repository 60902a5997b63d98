"""Raising, listing and dismissing alerts. Raising is idempotent: one alert per kind, object and due date."""

from datetime import date

import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import utcnow
from app.extensions import db

ALERT_KINDS = {
    "order_expiring": "Order ending soon",
    "task_overdue": "Task overdue",
    "record_review": "Record review due",
    "clare_overdue": "Clare's Law case past 28 days",
    "data_quality": "Data reported wrong",
    "idva_no_contact": "No IDVA contact in 2 working days",
    "deferral_approval": "Put-aside awaiting approval",
    "task_raised": "Task raised for you",
}


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
) -> Alert | None:
    """Add the alert unless the same one (kind, object, due date) exists; the alert when added."""
    exists = db.session.scalar(
        sa.select(Alert.id).where(
            Alert.kind == kind, Alert.object_type == object_type, Alert.object_ref == object_ref, Alert.due_on == due_on
        )
    )
    if exists:
        return None
    alert = Alert(
        kind=kind,
        object_type=object_type,
        object_ref=object_ref,
        due_on=due_on,
        message=message,
        role=role,
        user_id=user_id,
        team_id=team_id,
    )
    db.session.add(alert)
    return alert


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


def record_view(alerts: list[Alert], *, actor: Actor) -> None:
    """Audit the reading of an alerts page: which records it named. The caller commits."""
    named = sorted({f"{a.object_type} {a.object_ref}" for a in alerts if a.object_ref})
    audit.record(
        "view",
        f"viewed {len(alerts)} alert(s)",
        object_type="alerts",
        data={"records": named} if named else None,
        actor=actor,
    )
