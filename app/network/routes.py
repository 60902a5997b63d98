"""Whole-register network pages: the linked networks of the register (as stored by the last
computation of the findings), and the picture of one person's whole linked network."""

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_login import current_user

from app.audit.consultation import reason_required
from app.extensions import db
from app.network import bp, services, stored
from app.offenders.models import Person
from app.security import roles_required

NETWORK_READERS = ("supervisor", "analyst")


@bp.app_template_global("network_findings_status")
def network_findings_status() -> stored.FindingsStatus:
    """When the stored findings were computed (every page that reads them says so)."""
    return stored.findings_status()


@bp.route("/linked")
@roles_required(*NETWORK_READERS)
def networks():
    summary = stored.network_summary()
    return render_template("network/networks.html", summary=summary)


PERIODS = {"12": 12, "36": 36, "all": None}
PICTURE_READERS = ("supervisor", "officer", "analyst")


@bp.route("/of/<ref>")
@roles_required(*PICTURE_READERS)
@reason_required("person", ref_arg="ref")
def network_of(ref: str):
    """The picture of a person's whole linked network, over the last 12 or 36 months or all time."""
    person = db.session.scalar(sa.select(Person).where(Person.ref == ref))
    if person is None:
        abort(404)
    period = request.args.get("period", "all")
    if period not in PERIODS:
        return render_template("network/network_of.html", person=person, pic=None, period="all", periods=PERIODS), 400
    pic, since = services.whole_network_picture(
        person, current_user.role_names, months=PERIODS[period], reason=request.args.get("reason")
    )
    return render_template(
        "network/network_of.html", person=person, pic=pic, period=period, periods=PERIODS, since=since
    )
