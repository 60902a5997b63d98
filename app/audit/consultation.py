"""A reason before a record is consulted (DPA 2018 s.62: the log of a consultation shows why).

A view that shows a record (a person's profile, a victim's page) or makes an export is wrapped in
`@reason_required(...)`. The first time a user opens that record (or that export) in a session they
are shown a short form — why are you looking? — unless the record is in their own open work (a
part answers `signals.consultation_exempt`). The stated reason is itself an audit entry ("consult"),
and every consultation entry written while the view runs carries it (`audit.services.record`).

Using it on a page is one line:

    @bp.route("/<ref>")
    @roles_required(...)
    @reason_required("person", ref_arg="ref")
    def person(ref): ...

and for an export with no record of its own: `@reason_required("export", ref="target-list")`.
"""

from dataclasses import dataclass
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, render_template, request
from flask_login import current_user

from app import signals
from app.audit.models import OWN_WORK, REASON_LABELS, AuditEntry
from app.extensions import db

# The roles that open records and exports guarded here (the reason form's own route uses them).
CONSULTING_ROLES = ("supervisor", "officer", "analyst")


@dataclass(frozen=True)
class Consultation:
    object_type: str
    object_ref: str
    code: str
    text: str | None

    @property
    def label(self) -> str:
        return REASON_LABELS.get(self.code, self.code)


def current() -> Consultation | None:
    """The reason for the consultation the current request makes, if the view asked for one."""
    return g.get("consultation")


def stated_reason(user, object_type: str, object_ref: str) -> Consultation | None:
    """The reason the user gave for this record earlier in this session, if they gave one."""
    started = getattr(user, "session_started_at", None)
    if started is None:
        return None  # no server-side session (the API): nothing said earlier counts
    entry = db.session.execute(
        sa.select(AuditEntry.reason_code, AuditEntry.reason)
        .where(
            AuditEntry.user_id == user.id,
            AuditEntry.action == "consult",
            AuditEntry.object_type == object_type,
            AuditEntry.object_ref == object_ref,
            AuditEntry.at >= started,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return Consultation(object_type, object_ref, entry.reason_code, entry.reason) if entry else None


def own_work(user, object_type: str, object_ref: str) -> Consultation | None:
    """A consultation needing no stated reason: the record is in the user's own open work."""
    answers = [why for _, why in signals.consultation_exempt.send(object_type, object_ref=object_ref, user=user) if why]
    return Consultation(object_type, object_ref, OWN_WORK, "; ".join(answers)) if answers else None


def reason_required(object_type: str, *, ref_arg: str | None = None, ref: str | None = None):
    """Ask for a reason before the view runs (GET), unless one was given in this session or the
    record is in the user's own open work. A POST is never interrupted (it follows a page that asked)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_app.config["ASK_CONSULTATION_REASON"]:
                return view(*args, **kwargs)
            object_ref = str(kwargs[ref_arg]) if ref_arg else ref
            consultation = stated_reason(current_user, object_type, object_ref) or own_work(
                current_user, object_type, object_ref
            )
            if consultation is None and request.method in ("GET", "HEAD"):
                return ask(object_type, object_ref)
            g.consultation = consultation
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ask(object_type: str, object_ref: str, form=None, status: int = 200):
    from app.audit.forms import ReasonForm

    form = form or ReasonForm(
        formdata=None, data={"object_type": object_type, "object_ref": object_ref, "next": request.full_path}
    )
    return render_template("audit/reason.html", form=form, object_type=object_type, object_ref=object_ref), status
