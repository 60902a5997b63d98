"""Victim feedback pages: record a victim's answers (with consent), and the figures in aggregate."""

from flask import flash, redirect, render_template, request, url_for

from app.base import ValidationFailed, local_today
from app.security import roles_required
from app.victims import bp
from app.victims.common import FIGURE_READERS, WORKERS
from app.victims.feedback import services
from app.victims.feedback.forms import FeedbackForm
from app.victims.feedback.models import FEEDBACK_ANSWERS, REPORT_AGAIN_ANSWERS
from app.victims.page.routes import actor, victim_or_404
from app.web import show_errors


@bp.route("/<ref>/feedback/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def new_feedback(ref):
    person = victim_or_404(ref)
    form = FeedbackForm()
    if request.method == "GET":
        form.recorded_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        values = services.FeedbackInput(
            consent=form.consent.data,
            case_closed_on=form.case_closed_on.data,
            recorded_on=form.recorded_on.data,
            listened=form.listened.data,
            safer=form.safer.data,
            report_again=form.report_again.data,
            comment=form.comment.data,
        )
        try:
            services.record_feedback(person, values, actor=actor())
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Feedback recorded. It is shown only in the figures, never with a name.", "success")
            return redirect(url_for("victims.victim", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("victims/feedback_form.html", form=form, person=person), status


@bp.route("/feedback")
@roles_required(*FIGURE_READERS)
def feedback_figures():
    groups = services.figures(actor=actor())
    return render_template(
        "victims/feedback_figures.html",
        groups=groups,
        smallest=services.SMALLEST_GROUP,
        answers=FEEDBACK_ANSWERS,
        again=REPORT_AGAIN_ANSWERS,
    )
