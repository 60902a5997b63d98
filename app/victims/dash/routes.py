"""DASH pages: record an assessment of a victim, and read one with its answers."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.base import ValidationFailed, local_today
from app.security import roles_required
from app.victims import bp
from app.victims.common import READERS, WORKERS
from app.victims.dash import services
from app.victims.dash.forms import DashForm
from app.victims.dash.questions import DASH_ANSWERS, DASH_QUESTIONS, HIGH_FROM, MEDIUM_FROM
from app.victims.page.routes import actor, victim_or_404
from app.web import show_errors


@bp.route("/<ref>/dash/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def new_dash(ref):
    person = victim_or_404(ref)
    form = DashForm()
    if request.method == "GET":
        form.assessed_on.data = local_today()
        form.event_ref.data = request.args.get("event", "")[:64]
    status = 200
    if form.validate_on_submit():
        values = services.DashInput(
            assessed_on=form.assessed_on.data,
            answers=form.answers(),
            grade=form.grade.data or None,
            judgement_reason=form.judgement_reason.data,
            event_ref=form.event_ref.data,
            suspect_ref=form.suspect_ref.data,
            note=form.note.data,
        )
        try:
            assessment = services.record_assessment(person, values, actor=actor(), assessor=current_user.display_name)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(
                f"DASH assessment {assessment.ref} recorded: {assessment.yes_count} yes answers, "
                f"{assessment.grade_label.lower()} risk.",
                "success",
            )
            return redirect(url_for("victims.victim", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template(
        "victims/dash_form.html", form=form, person=person, medium_from=MEDIUM_FROM, high_from=HIGH_FROM
    ), status


@bp.route("/dash/<ref>")
@roles_required(*READERS)
def dash(ref):
    assessment = services.get_assessment(ref)
    if assessment is None:
        abort(404)
    services.view_assessment(assessment, actor=actor(), reason=request.args.get("reason"))
    assessment = services.get_assessment(ref)
    answers = {a.number: a.answer for a in assessment.answers}
    return render_template(
        "victims/dash.html", a=assessment, questions=DASH_QUESTIONS, answers=answers, labels=DASH_ANSWERS
    )
