"""Writing audit entries. Every service that views, changes, exports or discloses calls record()."""

import getpass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user

from app.audit.models import CONSULTATION_REASONS, AuditEntry
from app.extensions import db
from app.operations.logs import current_request_id

# The entries that record a consultation of personal data: they carry the reason given for it.
CONSULTATION_ACTIONS = ("view", "search", "export", "disclosure")


class Actor:
    """Who acted, when not the signed-in user: a CLI operator or the scheduler."""

    def __init__(self, username: str, user_id: int | None = None):
        self.username = username
        self.user_id = user_id

    @classmethod
    def cli(cls) -> "Actor":
        return cls(f"cli:{getpass.getuser()}")

    @classmethod
    def of(cls, user) -> "Actor":
        return cls(user.username, user.id)


def _current_actor() -> Actor:
    if has_request_context() and current_user.is_authenticated:
        return Actor.of(current_user)
    # An audit entry never loses its actor: a caller outside a signed-in request must say who.
    raise RuntimeError("audit.record needs an actor outside a signed-in request")


def record(
    action: str,
    summary: str,
    *,
    object_type: str | None = None,
    object_ref: str | None = None,
    reason: str | None = None,
    data: dict | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction, so it commits or rolls back with the work."""
    actor = actor or _current_actor()
    reason_code = None
    consultation = g.get("consultation") if has_request_context() else None
    if consultation is not None and action in CONSULTATION_ACTIONS:
        # The view asked why (app.audit.consultation): every consultation it logs says so.
        reason_code, reason = consultation.code, reason or consultation.text or consultation.label
    entry = AuditEntry(
        user_id=actor.user_id,
        username=actor.username,
        remote_addr=request.remote_addr if has_request_context() else None,
        action=action,
        object_type=object_type,
        object_ref=object_ref,
        summary=summary,
        reason=reason or None,
        reason_code=reason_code,
        data=jsonable(data) if data is not None else None,
        request_id=current_request_id(),
    )
    db.session.add(entry)
    return entry


def snapshot(obj, fields) -> dict:
    return {name: jsonable(getattr(obj, name)) for name in fields}


def changes(before: dict, after: dict) -> dict:
    """{field: {"before": old, "after": new}} for the fields whose value changed."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def jsonable(value):
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _refuse_change(mapper, connection, target):
    raise PermissionError("audit entries are append-only")


sa.event.listen(AuditEntry, "before_update", _refuse_change)
sa.event.listen(AuditEntry, "before_delete", _refuse_change)


def last_change(object_type: str, object_ref: str) -> AuditEntry | None:
    """The latest audited creation or update of a record (who changed it last, and how)."""
    return db.session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_ref == object_ref)
        .where(AuditEntry.action.in_(("create", "update")))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )


def state_reason(object_type: str, object_ref: str, code: str, detail: str | None, *, actor: Actor) -> AuditEntry:
    """A user says why they are opening a record (or making an export); it holds for their session."""
    if code not in CONSULTATION_REASONS:
        raise ValueError(f"unknown consultation reason {code!r}")
    entry = record(
        "consult",
        f"stated a reason to open {object_type} {object_ref}",
        object_type=object_type,
        object_ref=object_ref,
        reason=detail or CONSULTATION_REASONS[code],
        actor=actor,
    )
    entry.reason_code = code
    db.session.commit()
    return entry
