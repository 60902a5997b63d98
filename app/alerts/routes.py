"""The alerts inbox: each user sees alerts addressed to them, their team or their roles."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.alerts import bp, services
from app.alerts.models import Alert
from app.audit.services import Actor
from app.catalogue import ROLES
from app.extensions import db
from app.security import roles_required


@bp.route("/")
@roles_required(*ROLES)
def index():
    show_dismissed = request.args.get("dismissed") == "1"
    kind = request.args.get("kind") or None
    if kind is not None and kind not in services.ALERT_KINDS:
        abort(400)
    query = services.alerts_for(current_user, include_dismissed=show_dismissed)
    if kind is not None:
        query = query.where(Alert.kind == kind)
    page = db.paginate(
        query,
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    # Alerts name persons and say things about them: reading them is a consultation (DPA s.62).
    services.record_view(page.items, actor=Actor.of(current_user))
    html = render_template(
        "alerts/index.html",
        page=page,
        kinds=services.ALERT_KINDS,
        kind=kind,
        show_dismissed=show_dismissed,
        form=FlaskForm(),
    )
    db.session.commit()  # after rendering, so the alerts shown are not read again one by one
    return html


@bp.route("/<int:alert_id>/dismiss", methods=["POST"])
@roles_required(*ROLES)
def dismiss(alert_id):
    visible = services.alerts_for(current_user, include_dismissed=True).where(Alert.id == alert_id)
    alert = db.session.scalar(visible)
    if alert is None:
        abort(404)  # not theirs, or no such alert: the same answer, so nothing leaks
    if FlaskForm().validate_on_submit() and alert.dismissed_at is None:
        services.dismiss(alert, actor=Actor.of(current_user))
        flash("Alert dismissed.", "success")
    return redirect(url_for("alerts.index"))
