"""Forum referral pages: the list, MARAC suggestions, a new referral with the rules that match, and
the meeting outcome. Supervisors and officers refer; analysts read; referral staff have no access
(a forum referral names the person at risk)."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from app.base import EditConflict, ValidationFailed, local_today
from app.extensions import db
from app.referrals import bp
from app.referrals.forums import services as forums
from app.referrals.forums.forms import ForumFilterForm, ForumOutcomeForm, ForumReferralForm
from app.referrals.forums.models import FORUM_SHORT, FORUMS, MARAC_CRITERIA
from app.referrals.programmes.routes import actor
from app.referrals.programmes.services import get_person
from app.security import roles_required
from app.tasking.tasks.requests import tasks_raised_from
from app.web import form_version, page_number, show_errors

READERS = forums.FORUM_READERS
WRITERS = forums.FORUM_WRITERS


@bp.route("/forums/")
@roles_required(*READERS)
def forums_index():
    form = ForumFilterForm(request.args)
    page = page_number()
    if not form.validate() or page is None:
        if page is None:
            form.form_errors.append("The page number must be a whole number from 1.")
        return render_template("referrals/forums.html", form=form, pagination=None, counts=None, args={}), 400
    filters = forums.ForumFilters(
        forum=form.forum.data or None,
        status=form.status.data or None,
        referred_from=form.referred_from.data,
        referred_to=form.referred_to.data,
    )
    pagination = db.paginate(
        forums.forum_list_query(filters), page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    counts = forums.counts_by_forum(filters)
    forums.audit_forum_list(filters, page, pagination.total, actor=actor())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "referrals/forums.html", form=form, pagination=pagination, counts=counts, args=args, forum_names=FORUM_SHORT
    )


@bp.route("/forums/marac-suggestions")
@roles_required(*READERS)
def marac_suggestions():
    page = page_number()
    if page is None:
        abort(404)
    found = forums.marac_suggestions(actor=actor())
    per_page = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-len(found) // per_page))
    shown = found[(page - 1) * per_page : page * per_page]
    return render_template(
        "referrals/marac_suggestions.html", found=found, shown=shown, page=page, pages=pages, today=local_today()
    )


@bp.route("/forums/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_forum_referral():
    form = ForumReferralForm()
    status = 200
    if request.method == "GET":
        form.forum.data = request.args.get("forum") if request.args.get("forum") in FORUMS else "marac"
        form.person_at_risk_ref.data = request.args.get("at_risk", "")[:64]
        form.perpetrator_ref.data = request.args.get("perpetrator", "")[:64]
        form.referred_on.data = local_today()
    suggestion = None
    at_risk = get_person((form.person_at_risk_ref.data or "").strip()) if form.person_at_risk_ref.data else None
    if form.validate_on_submit():
        values = forums.ForumInput(
            forum=form.forum.data,
            person_at_risk_ref=form.person_at_risk_ref.data,
            perpetrator_ref=form.perpetrator_ref.data,
            criterion=form.criterion.data,
            reason=form.reason.data,
            referred_on=form.referred_on.data,
        )
        try:
            referral = forums.create_forum_referral(values, actor=actor())
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"{referral.forum_label} referral {referral.ref} recorded.", "success")
            return redirect(url_for("referrals.forum_referral", ref=referral.ref))
    elif form.is_submitted():
        status = 400
    if at_risk is not None:
        suggestion = forums.suggest_for(at_risk)
        if request.method == "GET" and suggestion.matches and not form.criterion.data:
            form.criterion.data = suggestion.matches[0].criterion  # suggested; the user decides
    return render_template(
        "referrals/forum_form.html", form=form, suggestion=suggestion, criteria=MARAC_CRITERIA
    ), status


def _forum_or_404(ref: str):
    referral = forums.get_forum_referral(ref)
    if referral is None:
        abort(404)
    return referral


@bp.route("/forums/<ref>")
@roles_required(*READERS)
def forum_referral(ref):
    referral = _forum_or_404(ref)
    form = ForumOutcomeForm(obj=referral)
    form.version_id.data = referral.version_id
    forums.view_forum_referral(referral, actor=actor(), reason=request.args.get("reason"))
    return render_template("referrals/forum_referral.html", referral=referral, form=form, tasks=_tasks(referral))


def _tasks(referral) -> list:
    """The tasks raised for the referral's actions (forum actions become tasks)."""
    return tasks_raised_from([referral.ref]).get(referral.ref, [])


@bp.route("/forums/<ref>/outcome", methods=["POST"])
@roles_required(*WRITERS)
def forum_outcome(ref):
    referral = _forum_or_404(ref)
    form = ForumOutcomeForm()
    if not form.validate_on_submit():
        return render_template(
            "referrals/forum_referral.html", referral=referral, form=form, tasks=_tasks(referral)
        ), 400
    try:
        diff = forums.record_outcome(
            referral,
            meeting_on=form.meeting_on.data,
            outcome=form.outcome.data,
            actions=form.actions.data,
            expected_version=form_version(form.version_id),
            actor=actor(),
        )
    except EditConflict:
        db.session.rollback()
        referral = _forum_or_404(ref)
        form.form_errors.append(
            "Someone else changed this referral while you were editing it. What they saved is shown above; "
            "your entries are kept below: check them and save again."
        )
        form.version_id.data = referral.version_id
        return render_template(
            "referrals/forum_referral.html", referral=referral, form=form, tasks=_tasks(referral)
        ), 409
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return render_template(
            "referrals/forum_referral.html", referral=referral, form=form, tasks=_tasks(referral)
        ), 400
    flash("Meeting and outcome saved." if diff else "Nothing was changed.", "success")
    return redirect(url_for("referrals.forum_referral", ref=ref))
