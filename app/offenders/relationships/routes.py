"""Relationship pages: record a relationship from a person's profile, and correct one."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed
from app.offenders import bp
from app.offenders.persons.routes import EDITORS, person_or_404
from app.offenders.relationships import services
from app.offenders.relationships.forms import RelationshipForm
from app.security import roles_required
from app.web import form_version, show_errors


def _values(form: RelationshipForm) -> services.RelationshipInput:
    return services.RelationshipInput(
        other_ref=form.other_ref.data,
        relationship_type=form.relationship_type.data or None,
        since=form.since.data,
        until=form.until.data,
        source=form.source.data or None,
        source_grade=form.source_grade.data or None,
        intelligence_grade=form.intelligence_grade.data or None,
        handling_code=form.handling_code.data or None,
        note=form.note.data,
        shared_address=form.shared_address.data,
        shared_postcode=form.shared_postcode.data,
    )


@bp.route("/<ref>/relationships/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_relationship(ref):
    person = person_or_404(ref)
    form = RelationshipForm()
    if request.method == "GET":
        form.other_ref.data = request.args.get("other", "")[:64]
    status = 200
    if form.validate_on_submit():
        try:
            services.record_relationship(person, _values(form), actor=Actor.of(current_user))
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Relationship recorded.", "success")
            return redirect(url_for("profile.person", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/relationship_form.html", form=form, person=person, link=None), status


@bp.route("/<ref>/relationships/<int:link_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_relationship(ref, link_id):
    person = person_or_404(ref)
    link = services.get_relationship(person, link_id)
    if link is None:
        abort(404)
    form = RelationshipForm(obj=link if request.method == "GET" else None)
    if request.method == "GET":
        form.version_id.data = link.version_id
    status = 200
    if form.validate_on_submit():
        try:
            diff = services.update_relationship(
                link,
                person,
                _values(form),
                expected_version=form_version(form.version_id),
                actor=Actor.of(current_user),
            )
        except EditConflict:
            link = services.get_relationship(person, link_id)
            form.version_id.data = link.version_id
            form.form_errors.append(
                "Someone else changed this relationship while you were editing. Check it and save again."
            )
            status = 409
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Relationship saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("profile.person", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/relationship_form.html", form=form, person=person, link=link), status
