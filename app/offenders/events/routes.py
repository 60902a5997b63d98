"""DA event pages: record an event against a person, correct one recorded by hand."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.base import EditConflict, ValidationFailed
from app.catalogue import BREACH_OFFENCES, OffenceCategory, labels
from app.offenders import bp
from app.offenders.events import services
from app.offenders.events.forms import EventForm, NewEventForm
from app.offenders.persons.routes import EDITORS, conflict_view, person_or_404
from app.security import roles_required
from app.web import form_version, show_errors


def _offence_choices():
    return [(code, label) for code, label in labels(OffenceCategory).items() if code not in BREACH_OFFENCES]


def _event_values(form) -> dict:
    return {name: form[name].data for name in services.EVENT_EDITABLE}


@bp.route("/<ref>/events/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_event(ref):
    person = person_or_404(ref)
    form = NewEventForm(offences=_offence_choices())
    if request.method == "GET":
        form.suspect_ref.data = person.ref if request.args.get("as") != "victim" else ""
        form.victim_ref.data = person.ref if request.args.get("as") == "victim" else ""
        form.district.data = person.district
    status = 200
    if form.validate_on_submit():
        try:
            event = services.create_event(_event_values(form) | {"ref": form.ref.data or None})
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"DA event {event.ref} recorded.", "success")
            return redirect(url_for("profile.person", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/event_form.html", form=form, person=person, event=None), status


@bp.route("/<ref>/events/<event_ref>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_event(ref, event_ref):
    person = person_or_404(ref)
    event = services.get_event(person, event_ref)
    if event is None:
        abort(404)
    if event.source != "manual":
        return render_template("offenders/event_not_editable.html", person=person, event=event), 409
    if request.method == "GET":
        services.view_event(event, reason=request.args.get("reason"))
    form = EventForm(
        offences=_offence_choices(), data=services.event_values(event) if request.method == "GET" else None
    )
    if request.method == "GET":
        form.version_id.data = event.version_id
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            diff = services.update_event(event, _event_values(form), expected_version=form_version(form.version_id))
        except EditConflict:
            event = services.get_event(person, event_ref)
            if event is None:
                abort(404)
            conflict = conflict_view(form, services.event_values(event))
            form.version_id.data = event.version_id
            status = 409
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Event saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("profile.person", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template(
        "offenders/event_form.html", form=form, person=person, event=event, conflict=conflict
    ), status
