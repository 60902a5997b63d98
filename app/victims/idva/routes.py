"""IDVA pages: refer a victim, read a referral, record the IDVA's first contact and the outcome."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.base import EditConflict, ValidationFailed, local_today
from app.security import can, roles_required
from app.victims import bp
from app.victims.common import READERS, WORKERS
from app.victims.dash import services as dash
from app.victims.forms import answer
from app.victims.idva import services
from app.victims.idva.forms import IdvaProgressForm, IdvaReferralForm
from app.victims.page.routes import actor, victim_or_404
from app.web import form_version, show_errors


def _assessment_choices(person) -> dict[str, str]:
    return {"": "None"} | {
        a.ref: f"{a.ref}, {a.assessed_on:%d %b %Y}: {a.grade_label.lower()} ({a.yes_count} yes)"
        for a in dash.assessments_of(person)
    }


@bp.route("/<ref>/idva/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def new_idva(ref):
    person = victim_or_404(ref)
    form = IdvaReferralForm()
    form.dash_ref.choices = _assessment_choices(person)
    if request.method == "GET":
        form.referred_on.data = local_today()
        latest = next(iter(dash.assessments_of(person)), None)
        if latest is not None:
            form.risk_level.data, form.dash_ref.data = latest.grade, latest.ref
    status = 200
    if form.validate_on_submit():
        values = services.ReferralInput(
            referred_on=form.referred_on.data,
            service=form.service.data,
            risk_level=form.risk_level.data or None,
            consent=answer(form.consent),
            consent_note=form.consent_note.data,
            dash_ref=form.dash_ref.data,
            note=form.note.data,
        )
        try:
            referral = services.refer(person, values, actor=actor(), referred_by=current_user.display_name)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            due = services.first_contact_due(referral)
            flash(
                f"IDVA referral {referral.ref} recorded."
                + (
                    f" The IDVA's first contact is expected by {due:%d %b %Y}." if referral.risk_level == "high" else ""
                ),
                "success",
            )
            return redirect(url_for("victims.victim", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("victims/idva_form.html", form=form, person=person), status


def _render(referral, form=None, status=200):
    if form is None:
        form = IdvaProgressForm(obj=referral, formdata=None)
        form.version_id.data = referral.version_id
    return render_template(
        "victims/idva.html",
        r=referral,
        form=form if can("victims.idva_progress") else None,
        due=services.first_contact_due(referral),
        overdue=services.contact_overdue(referral),
    ), status


@bp.route("/idva/<ref>")
@roles_required(*READERS)
def idva(ref):
    referral = services.get_referral(ref)
    if referral is None:
        abort(404)
    services.view_referral(referral, actor=actor(), reason=request.args.get("reason"))
    return _render(services.get_referral(ref))


@bp.route("/idva/<ref>", methods=["POST"])
@roles_required(*WORKERS)
def idva_progress(ref):
    referral = services.get_referral(ref)
    if referral is None:
        abort(404)
    form = IdvaProgressForm()
    if not form.validate_on_submit():
        return _render(referral, form, 400)
    try:
        diff = services.record_progress(
            referral,
            first_contact_on=form.first_contact_on.data,
            outcome=form.outcome.data or None,
            outcome_on=form.outcome_on.data,
            expected_version=form_version(form.version_id),
            actor=actor(),
        )
    except EditConflict:
        referral = services.get_referral(ref)
        form.version_id.data = referral.version_id
        form.form_errors.append(
            "Someone else changed this referral while you were working on it. Check what is shown now and save again."
        )
        return _render(referral, form, 409)
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render(services.get_referral(ref), form, 400)
    flash("Saved." if diff else "Nothing was changed.", "success")
    return redirect(url_for("victims.idva", ref=ref))
