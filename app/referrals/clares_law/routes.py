"""Clare's Law pages: the case list with the 28-day clock, a new case (Right to Ask or Right to
Know), Right to Know from the network's new-partner candidates, and a case's steps, decision,
disclosure and closure. Supervisors (the DA Hub) work cases; analysts read them."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from app.base import EditConflict, ValidationFailed, local_today
from app.extensions import db
from app.network import graph as network
from app.network.stored import RIGHT_TO_KNOW_SORTS
from app.referrals import bp
from app.referrals.clares_law import services as clare
from app.referrals.clares_law.forms import (
    ClareCaseForm,
    ClareCloseForm,
    ClareDecisionForm,
    ClareDisclosureForm,
    ClareFilterForm,
    ClareStepsForm,
    RaiseRightToKnowForm,
)
from app.referrals.clares_law.models import APPLICANT_RELATIONSHIPS, CLARE_CLOSURES, CLARE_DECISIONS, CLARE_ROUTES
from app.referrals.programmes.routes import actor
from app.security import roles_required
from app.web import SortChoice, form_version, page_number, show_errors

READERS = clare.CLARE_READERS
WRITERS = clare.CLARE_WRITERS
SINCE_CHOICES = {"3": 3, "6": 6, "12": 12, "36": 36, "all": None}


@bp.app_template_global("clare_clock")
def clare_clock(case):
    return clare.clock(case)


@bp.route("/clares-law/")
@roles_required(*READERS)
def clare_index():
    form = ClareFilterForm(request.args)
    page = page_number()
    if not form.validate() or page is None:
        if page is None:
            form.form_errors.append("The page number must be a whole number from 1.")
        return render_template("referrals/clare_index.html", form=form, pagination=None, args={}), 400
    filters = clare.ClareFilters(route=form.route.data or None, status=form.status.data or None)
    pagination = db.paginate(
        clare.case_list_query(filters), page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    clare.audit_case_list(filters, page, pagination.total, actor=actor())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("referrals/clare_index.html", form=form, pagination=pagination, args=args)


@bp.route("/clares-law/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def clare_new():
    form = ClareCaseForm()
    if request.method == "GET":
        form.route.data = request.args.get("route") if request.args.get("route") in CLARE_ROUTES else None
        form.subject_ref.data = request.args.get("subject", "")[:64]
        form.person_at_risk_ref.data = request.args.get("at_risk", "")[:64]
        form.application_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        values = clare.CaseInput(
            route=form.route.data,
            subject_ref=form.subject_ref.data,
            person_at_risk_ref=form.person_at_risk_ref.data,
            person_at_risk_name=form.person_at_risk_name.data,
            applicant_name=form.applicant_name.data,
            applicant_relationship=form.applicant_relationship.data,
            application_on=form.application_on.data,
            note=form.note.data,
        )
        try:
            case = clare.create_case(values, actor=actor())
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"Clare's Law case {case.ref} opened; the 28-day clock runs from the application date.", "success")
            return redirect(url_for("referrals.clare_case", ref=case.ref))
    elif form.is_submitted():
        status = 400
    return render_template("referrals/clare_form.html", form=form), status


@bp.route("/clares-law/right-to-know")
@roles_required(*WRITERS)
def clare_candidates():
    within = request.args.get("within", "12")
    if within not in SINCE_CHOICES:
        return render_template(
            "referrals/clare_candidates.html",
            rows=None,
            within="12",
            choices=SINCE_CHOICES,
            since=None,
            bad_within=True,
        ), 400
    months = SINCE_CHOICES[within]
    since = network.cutoff(local_today(), months) if months else None
    page = page_number()
    if page is None:
        abort(400)
    listing = SortChoice(RIGHT_TO_KNOW_SORTS)
    rows = clare.right_to_know_candidates(
        since=since, actor=actor(), page=page, sort=listing.sort, descending=listing.descending
    )
    return render_template(
        "referrals/clare_candidates.html",
        rows=rows,
        listing=listing,
        within=within,
        choices=SINCE_CHOICES,
        since=since,
        form=RaiseRightToKnowForm(),
        offences=clare.offence_labels(),
    )


def right_to_know():
    """The new-partner candidates as the register shows them, with any disclosure task already set."""
    within = request.args.get("within", "12")
    if within not in SINCE_CHOICES:
        return render_template(
            "referrals/right_to_know.html", rows=None, within="12", choices=SINCE_CHOICES, since=None, bad_within=True
        ), 400
    months = SINCE_CHOICES[within]
    since = network.cutoff(local_today(), months) if months else None
    page = page_number()
    if page is None:
        abort(400)
    listing = SortChoice(RIGHT_TO_KNOW_SORTS)
    rows = clare.right_to_know_candidates(
        since=since, actor=None, page=page, sort=listing.sort, descending=listing.descending
    )
    return render_template(
        "referrals/right_to_know.html",
        rows=rows,
        listing=listing,
        within=within,
        choices=SINCE_CHOICES,
        since=since,
        offences=clare.offence_labels(),
    )


# Right to Know belongs to Clare's Law (the DA Hub owns it); the register's menu has long linked
# this page at /persons/network/right-to-know, and the URL stays.
right_to_know = roles_required("supervisor")(right_to_know)
bp.record_once(
    lambda state: state.app.add_url_rule(
        "/persons/network/right-to-know", endpoint="referrals.right_to_know", view_func=right_to_know
    )
)


@bp.route("/clares-law/right-to-know", methods=["POST"])
@roles_required(*WRITERS)
def clare_raise_right_to_know():
    form = RaiseRightToKnowForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        case = clare.raise_right_to_know(
            form.subject_ref.data.strip(), form.person_at_risk_ref.data.strip(), actor=actor()
        )
    except ValidationFailed as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("referrals.clare_candidates")), 303
    flash(f"Right to Know case {case.ref} opened; the 28-day clock starts today.", "success")
    return redirect(url_for("referrals.clare_case", ref=case.ref)), 303


# ---- one case -----------------------------------------------------------------------------------


def _case_or_404(ref: str):
    case = clare.get_case(ref)
    if case is None:
        abort(404)
    return case


def _render_case(case, status: int = 200, **forms):
    steps = forms.get("steps") or ClareStepsForm(formdata=None, obj=case)
    decision = forms.get("decision") or ClareDecisionForm(formdata=None)
    disclosure = forms.get("disclosure") or ClareDisclosureForm(formdata=None)
    close = forms.get("close") or ClareCloseForm(formdata=None)
    for form in (steps, decision, disclosure, close):
        if form.version_id.data in (None, ""):
            form.version_id.data = case.version_id
    for form, name in ((decision, "decided_on"), (disclosure, "disclosure_on"), (close, "closed_on")):
        if form[name].data is None and not form[name].errors:
            form[name].data = local_today()
    return render_template(
        "referrals/clare_case.html",
        case=case,
        clock=clare.clock(case),
        steps_form=steps,
        decision_form=decision,
        disclosure_form=disclosure,
        close_form=close,
        routes=CLARE_ROUTES,
        decisions=CLARE_DECISIONS,
        closures=CLARE_CLOSURES,
        relationships=APPLICANT_RELATIONSHIPS,
        step_labels=clare.STEP_LABELS,
    ), status


@bp.route("/clares-law/<ref>")
@roles_required(*READERS)
def clare_case(ref):
    case = _case_or_404(ref)
    clare.view_case(case, actor=actor(), reason=request.args.get("reason"))
    return _render_case(case)


def _work(ref: str, form_name: str, form, action, done_message: str):
    """Run one change on a case from its page: conflict 409, invalid 400, done: back to the case."""
    case = _case_or_404(ref)
    if not form.validate_on_submit():
        return _render_case(case, 400, **{form_name: form})
    try:
        action(case)
    except EditConflict:
        db.session.rollback()
        case = _case_or_404(ref)
        form.form_errors.append(
            "Someone else changed this case while you were working on it. Check what is shown now and save again."
        )
        form.version_id.data = case.version_id
        return _render_case(case, 409, **{form_name: form})
    except ValidationFailed as exc:
        db.session.rollback()
        case = _case_or_404(ref)
        show_errors(form, exc.errors)
        return _render_case(case, 400, **{form_name: form})
    flash(done_message, "success")
    return redirect(url_for("referrals.clare_case", ref=ref))


@bp.route("/clares-law/<ref>/steps", methods=["POST"])
@roles_required(*WRITERS)
def clare_steps(ref):
    form = ClareStepsForm()
    return _work(
        ref,
        "steps",
        form,
        lambda case: clare.update_steps(
            case,
            {name: form[name].data for name in clare.STEP_FIELDS},
            expected_version=form_version(form.version_id),
            actor=actor(),
        ),
        "Steps saved.",
    )


@bp.route("/clares-law/<ref>/decision", methods=["POST"])
@roles_required(*WRITERS)
def clare_decision(ref):
    form = ClareDecisionForm()
    return _work(
        ref,
        "decision",
        form,
        lambda case: clare.record_decision(
            case,
            decision=form.decision.data,
            rationale=form.rationale.data,
            decided_on=form.decided_on.data,
            expected_version=form_version(form.version_id),
            actor=actor(),
        ),
        "Decision recorded.",
    )


@bp.route("/clares-law/<ref>/disclosure", methods=["POST"])
@roles_required(*WRITERS)
def clare_disclosure(ref):
    form = ClareDisclosureForm()
    return _work(
        ref,
        "disclosure",
        form,
        lambda case: clare.record_disclosure(
            case,
            disclosure_on=form.disclosure_on.data,
            disclosed_to=form.disclosed_to.data,
            disclosed_what=form.disclosed_what.data,
            disclosed_how=form.disclosed_how.data,
            expected_version=form_version(form.version_id),
            actor=actor(),
        ),
        "Disclosure recorded and written to the audit log; the case is closed.",
    )


@bp.route("/clares-law/<ref>/close", methods=["POST"])
@roles_required(*WRITERS)
def clare_close(ref):
    form = ClareCloseForm()
    return _work(
        ref,
        "close",
        form,
        lambda case: clare.close_case(
            case,
            closed_on=form.closed_on.data,
            reason=form.reason.data,
            expected_version=form_version(form.version_id),
            actor=actor(),
        ),
        "Case closed.",
    )
