"""The audit log search page for admins and analysts, and the reason-for-consultation form. There is
no route that edits or deletes an entry."""

from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request
from flask_login import current_user

from app.audit import bp, consultation
from app.audit.forms import ReasonForm
from app.audit.models import AUDIT_ACTIONS, REASON_LABELS, AuditEntry
from app.audit.services import Actor, record, state_reason
from app.extensions import db
from app.security import roles_required
from app.web import safe_next

# Who sees what an entry says (the values before and after, the summary, the reason in words):
# analysts. Admins run the system, have no access to personal records, and see who did what kind
# of thing to which record, and when — never the personal data an entry may hold.
VALUE_READERS = ("analyst",)
FILTERS = ("user", "action", "object", "reason", "from", "to")


def _day(value: str | None, end: bool = False):
    try:
        day = datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


def _search(filters: dict, sees_values: bool):
    query = sa.select(AuditEntry)
    if filters["user"]:
        query = query.where(sa.func.lower(AuditEntry.username).contains(filters["user"].lower(), autoescape=True))
    if filters["action"] in AUDIT_ACTIONS:
        query = query.where(AuditEntry.action == filters["action"])
    if filters["object"]:
        query = query.where(sa.func.lower(AuditEntry.object_ref) == filters["object"].lower())
    if filters["reason"] in REASON_LABELS:
        query = query.where(AuditEntry.reason_code == filters["reason"])
    elif filters["reason"]:
        # Words of a stated reason: only for those who may read the reasons themselves.
        words = filters["reason"].lower()
        query = query.where(
            sa.func.lower(AuditEntry.reason).contains(words, autoescape=True) if sees_values else sa.false()
        )
    if start := _day(filters["from"]):
        query = query.where(AuditEntry.at >= start)
    if end := _day(filters["to"], end=True):
        query = query.where(AuditEntry.at <= end)
    return query


@bp.route("/")
@roles_required("admin", "analyst")
def index():
    sees_values = current_user.has_any_role(*VALUE_READERS)
    filters = {k: (request.args.get(k) or "").strip()[:200] for k in FILTERS}
    page = db.paginate(
        _search(filters, sees_values).order_by(AuditEntry.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=200,
        error_out=False,
    )
    # Reading the log, filtered or not, is itself a consultation of personal data.
    used = {k: v for k, v in filters.items() if v}
    record("search", "searched the audit log" if used else "read the audit log", object_type="audit", data=used)
    html = render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actions=AUDIT_ACTIONS,
        reasons=REASON_LABELS,
        sees_values=sees_values,
    )
    db.session.commit()  # after rendering, so the page's entries are not expired and read again
    return html


@bp.route("/reason", methods=["POST"])
@roles_required(*consultation.CONSULTING_ROLES)
def reason():
    form = ReasonForm()
    object_type, object_ref = (form.object_type.data or "")[:40], (form.object_ref.data or "")[:100]
    if not object_type or not object_ref:
        abort(400)
    if not form.validate_on_submit():
        return consultation.ask(object_type, object_ref, form=form, status=400)
    state_reason(object_type, object_ref, form.reason.data, form.detail.data, actor=Actor.of(current_user))
    return redirect(safe_next(form.next.data) or "/")
