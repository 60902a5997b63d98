"""Lever pages: add a lever to a person, mark one as no longer active."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.base import EditConflict, ValidationFailed, today
from app.catalogue import LeverType
from app.extensions import db
from app.offenders import bp
from app.offenders.levers import services
from app.offenders.levers.forms import EndLeverForm, LeverForm
from app.offenders.persons.routes import EDITORS, person_or_404
from app.security import roles_required
from app.web import form_version, show_errors


def _lever_choices():
    return [(lt.code, lt.label) for lt in services.lever_catalogue().values() if not lt.derived]


@bp.route("/<ref>/levers/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_lever(ref):
    person = person_or_404(ref)
    form = LeverForm(levers=_lever_choices())
    if request.method == "GET":
        form.noted_on.data = today()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_lever(person, form.lever.data, form.noted_on.data, form.detail.data)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Lever added.", "success")
            return redirect(url_for("profile.person", ref=ref, _anchor="levers"))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/lever_form.html", form=form, person=person), status


@bp.route("/<ref>/levers/<code>/end", methods=["GET", "POST"])
@roles_required(*EDITORS)
def end_lever(ref, code):
    person = person_or_404(ref)
    lever_type = db.session.get(LeverType, code)
    if lever_type is None or lever_type.derived:
        abort(404)
    current = services.latest_lever_record(person, code)
    form = EndLeverForm()
    if request.method == "GET":
        if current is None or not current.active:
            abort(404)
        form.ended_on.data = today()
        form.record_id.data = current.id
        form.version_id.data = current.version_id
    status, conflict = 200, None
    if form.validate_on_submit():
        record_id = int(form.record_id.data) if (form.record_id.data or "").isdigit() else -1
        try:
            services.end_lever(
                person,
                code,
                form.ended_on.data,
                form.note.data,
                expected_record_id=record_id,
                expected_version=form_version(form.version_id),
            )
        except EditConflict:
            current = services.latest_lever_record(person, code)
            conflict = True
            if current is not None:
                form.record_id.data, form.version_id.data = current.id, current.version_id
            status = 409
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"{lever_type.label} marked as no longer active.", "success")
            return redirect(url_for("profile.person", ref=ref, _anchor="levers"))
    elif form.is_submitted():
        status = 400
    return render_template(
        "offenders/end_lever.html",
        form=form,
        person=person,
        lever_type=lever_type,
        current=current,
        conflict=conflict,
    ), status
