"""Person pages: the profile and its edit form (the full register arrives with the register issue)."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.offenders import bp, services
from app.offenders.forms import PersonForm
from app.security import roles_required

READERS = ("supervisor", "officer", "analyst")
EDITORS = ("supervisor", "officer", "analyst")


def _person_or_404(ref: str):
    person = services.get_person(ref)
    if person is None:
        abort(404)
    return person


@bp.route("/<ref>")
@roles_required(*READERS)
def profile(ref):
    person = _person_or_404(ref)
    services.view_person(person, reason=request.args.get("reason"))
    return render_template("offenders/profile.html", person=person, events=services.events_of(person))


@bp.route("/<ref>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(ref):
    person = _person_or_404(ref)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.version_id.data = person.version_id
    status, conflict = 200, None
    if form.validate_on_submit():
        values = {name: (form[name].data or None) for name in services.PERSON_EDITABLE}
        try:
            expected = int(form.version_id.data) if (form.version_id.data or "").isdigit() else -1
            diff = services.update_person(person, values, expected_version=expected)
        except services.EditConflict:
            # Keep what this user typed, show what the other user saved, and let them decide.
            person = _person_or_404(ref)
            conflict = {name: getattr(person, name) for name in services.PERSON_EDITABLE}
            form.version_id.data = person.version_id
            status = 409
        except services.ValidationFailed as exc:
            for name, message in exc.errors.items():
                form[name].errors = [*form[name].errors, message]
            status = 400
        else:
            flash("Changes saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("offenders.profile", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/edit.html", person=person, form=form, conflict=conflict), status
