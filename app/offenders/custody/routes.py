"""Custody pages: record a period in custody for a person, or correct one (a release, a new date)."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.base import EditConflict, ValidationFailed
from app.extensions import db
from app.offenders import bp
from app.offenders.custody import services
from app.offenders.custody.forms import CustodyForm
from app.offenders.custody.models import CustodyPeriod
from app.offenders.persons import services as person_services
from app.offenders.persons.routes import person_or_404
from app.security import roles_required
from app.web import form_version, show_errors

CUSTODY_EDITORS = ("supervisor", "officer")


@bp.app_template_global("custody_periods")
def custody_periods(person) -> list[CustodyPeriod]:
    """For the profile's custody panel (offenders/_custody.html): the person's periods, latest first."""
    return services.periods_of(person)


def _values(form: CustodyForm) -> dict:
    return {name: form[name].data or None for name in services.CUSTODY_EDITABLE}


def _saved(person, message: str):
    flash(message, "success")
    return redirect(url_for("profile.person", ref=person.ref, _anchor="custody"))


@bp.route("/<ref>/custody/new", methods=["GET", "POST"])
@roles_required(*CUSTODY_EDITORS)
def new_custody(ref):
    person = person_or_404(ref)
    form = CustodyForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.record_period(person, _values(form))
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            return _saved(person, "Custody recorded; the person's score is up to date.")
    elif form.is_submitted():
        status = 400
    return render_template("offenders/custody_form.html", form=form, person=person, period=None), status


@bp.route("/<ref>/custody/<int:period_id>/edit", methods=["GET", "POST"])
@roles_required(*CUSTODY_EDITORS)
def edit_custody(ref, period_id):
    person = person_or_404(ref)
    period = db.session.get(CustodyPeriod, period_id)
    if period is None or period.person_id != person.id:
        abort(404)
    if request.method == "GET":
        person_services.view_person(person, reason=request.args.get("reason"), purpose="to correct a custody period")
    form = CustodyForm(obj=period if request.method == "GET" else None)
    status, conflict = 200, False
    if form.validate_on_submit():
        try:
            changed = services.update_period(period, _values(form), expected_version=form_version(form.version_id))
        except EditConflict:
            db.session.rollback()
            period = db.session.get(CustodyPeriod, period_id)
            conflict, status = True, 409
            form.version_id.data = period.version_id if period else ""
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            return _saved(
                person, "Custody changed; the person's score is up to date." if changed else "No change made."
            )
    elif form.is_submitted():
        status = 400
    return render_template(
        "offenders/custody_form.html", form=form, person=person, period=period, conflict=conflict
    ), status
