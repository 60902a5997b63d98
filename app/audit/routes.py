"""The audit log search page for admins and analysts. There is no route that edits or deletes."""

from datetime import UTC, datetime, time

import sqlalchemy as sa
from flask import current_app, render_template, request

from app.audit import bp
from app.audit.models import AUDIT_ACTIONS, AuditEntry
from app.audit.services import record
from app.extensions import db
from app.security import roles_required


def _day(value: str | None, end: bool = False):
    try:
        day = datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


@bp.route("/")
@roles_required("admin", "analyst")
def index():
    args = request.args
    query = sa.select(AuditEntry)
    filters = {k: (args.get(k) or "").strip() for k in ("user", "action", "object", "from", "to")}
    if filters["user"]:
        query = query.where(sa.func.lower(AuditEntry.username).contains(filters["user"].lower(), autoescape=True))
    if filters["action"] in AUDIT_ACTIONS:
        query = query.where(AuditEntry.action == filters["action"])
    if filters["object"]:
        query = query.where(sa.func.lower(AuditEntry.object_ref) == filters["object"].lower())
    if start := _day(filters["from"]):
        query = query.where(AuditEntry.at >= start)
    if end := _day(filters["to"], end=True):
        query = query.where(AuditEntry.at <= end)
    page = db.paginate(
        query.order_by(AuditEntry.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=200,
        error_out=False,
    )
    # Reading the log, filtered or not, is itself a consultation of personal data.
    used = {k: v for k, v in filters.items() if v}
    record("search", "searched the audit log" if used else "read the audit log", object_type="audit", data=used)
    db.session.commit()
    return render_template("audit/index.html", page=page, filters=filters, actions=AUDIT_ACTIONS)
