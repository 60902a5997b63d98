"""The managed cohort pages: the members (with the exit rule checked for each), adopt, exit."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, local_today
from app.catalogue import COHORT_EXIT_REASONS
from app.security import roles_required
from app.tasking import bp
from app.tasking.cohort import services as cohort
from app.tasking.cohort.forms import AdoptForm, ExitForm
from app.web import form_version, safe_next, show_errors


def _page(adopt_form=None, status=200):
    include_exited = request.args.get("exited") == "1"
    members = cohort.list_members(include_exited=include_exited, actor=Actor.of(current_user))
    open_members = [m for m in members if m.is_open]
    return (
        render_template(
            "tasking/cohort.html",
            members=open_members,
            exited=[m for m in members if not m.is_open],
            include_exited=include_exited,
            desistance=cohort.desistance_of(open_members),
            priorities=cohort.current_priorities([m.person_id for m in open_members]),
            reviews=cohort.next_reviews([m.person_id for m in open_members]),
            adopt_form=adopt_form or AdoptForm(formdata=None),
            reasons=COHORT_EXIT_REASONS,
            desist_weeks=cohort.DESIST_WEEKS,
            desist_fall=round(cohort.DESIST_FALL * 100),
            today=local_today(),
        ),
        status,
    )


@bp.route("/cohort")
@roles_required(*cohort.COHORT_READERS)
def cohort_index():
    return _page()


@bp.route("/cohort/adopt", methods=["POST"])
@roles_required(*cohort.COHORT_MANAGERS)
def cohort_adopt():
    form = AdoptForm()
    back = safe_next(form.next.data)
    if form.validate_on_submit():
        try:
            member = cohort.adopt(form.person_ref.data, form.reason.data, user=current_user)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
        else:
            flash(f"{member.person.full_name} adopted into the managed cohort.", "success")
            return redirect(back or url_for("tasking.cohort_index"))
    if back:
        flash("Not adopted: " + " ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(back)
    return _page(form, 400)


@bp.route("/cohort/<int:member_id>/exit", methods=["GET", "POST"])
@roles_required(*cohort.COHORT_MANAGERS)
def cohort_exit(member_id):
    member = cohort.get_member(member_id)
    if member is None:
        abort(404)
    form = ExitForm()
    check = cohort.desistance_of([member])[member.id]
    status = 200
    if request.method == "GET":
        cohort.view_member(member, actor=Actor.of(current_user), reason=request.args.get("reason"))
        form.version_id.data = member.version_id
        form.exited_on.data = local_today()
        if check.passes:
            form.exit_reason.data = "desisted"
    elif form.validate_on_submit():
        try:
            cohort.exit_member(
                member,
                form.exit_reason.data,
                form.note.data,
                exited_on=form.exited_on.data,
                expected_version=form_version(form.version_id),
                user=current_user,
            )
        except EditConflict:
            form.form_errors.append("Someone else changed this membership while you were working on it: check it.")
            member = cohort.get_member(member_id)
            form.version_id.data = member.version_id
            status = 409
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"{member.person.full_name} has left the managed cohort.", "success")
            return redirect(url_for("tasking.cohort_index"))
    else:
        status = 400
    return render_template("tasking/cohort_exit.html", member=member, form=form, check=check), status
