"""MoPI review pages: the records due a review, and a record's review with its decision (analysts)."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.consultation import Consultation
from app.audit.services import Actor
from app.base import ValidationFailed, today
from app.catalogue import OffenceCategory, labels
from app.extensions import db
from app.offenders import bp
from app.offenders.persons import services as persons
from app.offenders.retention import services
from app.offenders.retention.forms import ReviewForm
from app.security import roles_required
from app.web import page_number, show_errors

REVIEWERS = ("analyst",)


@bp.route("/reviews")
@roles_required(*REVIEWERS)
def reviews():
    page = page_number()
    if page is None:
        abort(400)
    due = services.due_for_review(today())
    size = current_app.config["PAGE_SIZE"]
    shown = due[(page - 1) * size : page * size]
    by_group = {group: sum(1 for s in due if s.group == group) for group in services.GROUPS}
    return render_template(
        "offenders/reviews.html",
        due=shown,
        total=len(due),
        by_group=by_group,
        page=page,
        pages=-(-len(due) // size),
        offences=labels(OffenceCategory),
    )


@bp.route("/<ref>/review", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def review(ref):
    person = persons.get_person(ref)
    if person is None:
        abort(404)
    # The purpose of opening the record is the review itself: it goes on the audit entry.
    g.consultation = Consultation("person", person.ref, "data_quality", "MoPI retention review")
    form = ReviewForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.record_decision(
                person, form.decision.data, form.reason.data, form.next_review_on.data, actor=Actor.of(current_user)
            )
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"Decision recorded for {ref}.", "success")
            return redirect(url_for("offenders.reviews"))
    elif form.is_submitted():
        status = 400
    if request.method == "GET":
        persons.view_person(person, purpose="for its MoPI review")
    person = persons.get_person(ref)
    state = services.status_of(person)
    return render_template(
        "offenders/review.html",
        person=person,
        state=state,
        refusal=state.dispose_refusal(today()),
        decisions=services.decisions_of(person),
        offences=labels(OffenceCategory),
        form=form,
    ), status
