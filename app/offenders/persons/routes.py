"""Person pages: add a person, correct one. Routes are thin: parse the form, call a service."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.audit.consultation import reason_required
from app.base import EditConflict, ValidationFailed
from app.offenders import bp
from app.offenders.persons import services
from app.offenders.persons.forms import NewPersonForm, PersonForm
from app.security import roles_required
from app.web import form_version, show_errors

EDITORS = ("supervisor", "officer")  # README: analysts read the register, they do not change it


def person_or_404(ref: str):
    person = services.get_person(ref)
    if person is None:
        abort(404)
    return person


def _person_values(form) -> dict:
    values = {name: (form[name].data or None) for name in services.PERSON_EDITABLE}
    values["aliases"] = services.parse_aliases(form.aliases.data)
    values["markers"] = list(form.markers.data or [])
    values["categories"] = list(form.categories.data or [])
    return values


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    form = NewPersonForm()
    status = 200
    if form.validate_on_submit():
        values = _person_values(form) | {"ref": form.ref.data or None}
        try:
            person = services.create_person(values)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"{person.full_name} was added as {person.ref}.", "success")
            return redirect(url_for("profile.person", ref=person.ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/person_form.html", form=form, person=None), status


@bp.route("/<ref>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
@reason_required("person", ref_arg="ref")
def edit(ref):
    person = person_or_404(ref)
    # A posted form is read from the post alone: a field left out (the version above all) must not
    # be filled in from the record, or a stale edit would pass as a fresh one.
    form = PersonForm(obj=person) if request.method == "GET" else PersonForm()
    if request.method == "GET":
        form.version_id.data = person.version_id
        form.aliases.data = services.aliases_text(person)
        form.markers.data = sorted(m.marker for m in person.markers)
        form.categories.data = sorted(c.category for c in person.categories if c.category in services.MANUAL_CATEGORIES)
        # The form shows the whole record: opening it is a consultation.
        services.view_person(person, reason=request.args.get("reason"), purpose="to edit it")
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            diff = services.update_person(person, _person_values(form), expected_version=form_version(form.version_id))
        except EditConflict:
            # Keep what this user typed, show what the other user saved, and let them decide.
            person = person_or_404(ref)
            conflict = conflict_view(form, services.person_snapshot(person))
            form.version_id.data = person.version_id
            status = 409
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Changes saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("profile.person", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/person_form.html", person=person, form=form, conflict=conflict), status


def conflict_view(form, saved: dict) -> dict:
    """{label: value as saved by the other user}, for the conflict box."""
    out = {}
    for name, value in saved.items():
        label = form[name].label.text if name in form._fields else name.replace("_", " ").capitalize()
        if isinstance(value, list):
            value = ", ".join(value) or None
        out[label] = value
    return out
