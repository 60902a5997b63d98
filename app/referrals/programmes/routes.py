"""Programme referral pages: the list with counts by state, suggested candidates, the referral-safe
person pages, and a referral's moves, screening and attendance. Parse, call a service, render."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, local_today
from app.catalogue import select_choices
from app.extensions import db
from app.referrals import bp
from app.referrals.forums.models import MARAC_CRITERIA
from app.referrals.programmes import people, services, suggestions
from app.referrals.programmes.forms import (
    AttendanceForm,
    IdentifyForm,
    MoveForm,
    OneClickForm,
    PersonSearchForm,
    ReferralFilterForm,
    ScreeningForm,
)
from app.referrals.programmes.models import ATTENDANCE, REFERRAL_STATES, SCREENING_ANSWERS, SCREENING_ITEMS
from app.security import roles_required
from app.web import form_version, page_number, show_errors

READERS = services.PROGRAMME_READERS
IDENTIFIERS = services.PROGRAMME_IDENTIFIERS
WORKERS = services.PROGRAMME_WORKERS


@bp.context_processor
def vocabularies():
    return {
        "referral_states": REFERRAL_STATES,
        "screening_items": SCREENING_ITEMS,
        "screening_answers": SCREENING_ANSWERS,
        "attendance_labels": ATTENDANCE,
        "marac_criteria": MARAC_CRITERIA,
    }


def actor() -> Actor:
    return Actor.of(current_user)


def _programme_choices(blank: str):
    return select_choices(services.programme_labels(), blank)


# ---- the list -----------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*READERS)
def index():
    form = ReferralFilterForm(request.args)
    form.programme.choices = select_choices(
        {services.NO_PROGRAMME: "Not chosen yet", **services.programme_labels(active_only=False)}, "Any programme"
    )
    page = page_number()
    if not form.validate() or page is None:
        if page is None:
            form.form_errors.append("The page number must be a whole number from 1.")
        return render_template("referrals/index.html", form=form, pagination=None, counts=None, args={}), 400
    filters = services.ReferralFilters(
        programme=form.programme.data or None,
        state=form.state.data or None,
        identified_from=form.identified_from.data,
        identified_to=form.identified_to.data,
    )
    pagination = db.paginate(
        services.referral_list_query(filters), page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    counts = services.counts_by_state(filters)
    services.audit_list(filters, page, pagination.total, actor=actor())
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("referrals/index.html", form=form, pagination=pagination, counts=counts, args=args)


@bp.route("/suggested")
@roles_required(*READERS)
def suggested():
    page = page_number()
    if page is None:
        abort(404)
    per_page = 25
    found = suggestions.suggested_candidates(page=page, per_page=per_page, actor=actor())
    pages = max(1, -(-found.total // per_page))
    return render_template("referrals/suggested.html", found=found, page=page, pages=pages, form=OneClickForm())


@bp.route("/suggested/identify", methods=["POST"])
@roles_required(*IDENTIFIERS)
def identify_suggested():
    form = OneClickForm()
    if not form.validate_on_submit():
        abort(400)
    person = services.get_person(form.person_ref.data.strip())
    if person is None:
        abort(404)
    try:
        referral = suggestions.identify_suggested(person, actor=actor())
    except ValidationFailed as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("referrals.suggested")), 303
    flash(f"{person.full_name} identified for a programme: referral {referral.ref}.", "success")
    return redirect(url_for("referrals.view", ref=referral.ref)), 303


# ---- referral-safe person pages ----------------------------------------------------------------


@bp.route("/persons/")
@roles_required(*READERS)
def persons():
    form = PersonSearchForm(request.args)
    if not form.validate():
        return render_template("referrals/persons.html", form=form, found=None), 400
    found = people.search_perpetrators(form.q.data, actor=actor()) if form.q.data else None
    return render_template("referrals/persons.html", form=form, found=found)


def _visible_person(ref: str):
    person = services.get_person(ref)
    if person is None:
        abort(404)
    try:
        view = people.person_view(person, current_user.role_names)
    except services.NotVisible:
        abort(404)  # not a perpetrator: the same answer as no such person, so nothing leaks
    return person, view


@bp.route("/persons/<ref>")
@roles_required(*READERS)
def person(ref):
    person, view = _visible_person(ref)
    people.view_person(person, actor=actor(), reason=request.args.get("reason"))
    return render_template("referrals/person.html", view=view)


@bp.route("/persons/<ref>/identify", methods=["GET", "POST"])
@roles_required(*IDENTIFIERS)
def identify(ref):
    person, view = _visible_person(ref)
    form = IdentifyForm()
    form.programme.choices = _programme_choices("Not chosen yet")
    status = 200
    if form.validate_on_submit():
        try:
            referral = services.identify(
                person, actor=actor(), programme_code=form.programme.data or None, note=form.note.data
            )
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"{person.full_name} identified for a programme: referral {referral.ref}.", "success")
            return redirect(url_for("referrals.view", ref=referral.ref))
    elif form.is_submitted():
        status = 400
    return render_template("referrals/identify.html", view=view, form=form), status


# ---- one referral -----------------------------------------------------------------------------


def _referral_or_404(ref: str):
    referral = services.get_referral(ref)
    if referral is None:
        abort(404)
    return referral


def _forms(referral, *, move=None, screening=None, attendance=None) -> dict:
    move = move or MoveForm(formdata=None)
    move.programme.choices = _programme_choices("Keep the programme chosen" if referral.programme_code else "Choose")
    if not move.is_submitted() or move.version_id.data in (None, ""):
        move.version_id.data = referral.version_id
    if move.moved_on.data is None and not move.moved_on.errors:
        move.moved_on.data = local_today()
    move.to_state.choices = select_choices({s: REFERRAL_STATES[s] for s in referral.allowed_moves})
    screening = screening or ScreeningForm(formdata=None)
    if screening.version_id.data in (None, ""):
        screening.version_id.data = referral.version_id
    if screening.screened_on.data is None and not screening.screened_on.errors:
        screening.screened_on.data = local_today()
    attendance = attendance or AttendanceForm(formdata=None)
    if attendance.session_on.data is None and not attendance.session_on.errors:
        attendance.session_on.data = local_today()
    return {"move_form": move, "screening_form": screening, "attendance_form": attendance}


def _render(referral, status: int = 200, **forms):
    view = people.person_view(referral.person, current_user.role_names, must_be_perpetrator=False)
    return render_template(
        "referrals/referral.html",
        referral=referral,
        view=view,
        can_work=current_user.has_any_role(*WORKERS),
        **_forms(referral, **forms),
    ), status


@bp.route("/programme/<ref>")
@roles_required(*READERS)
def view(ref):
    referral = _referral_or_404(ref)
    services.view_referral(referral, actor=actor(), reason=request.args.get("reason"))
    return _render(referral)


def _conflict(ref: str, form_name: str, form):
    referral = _referral_or_404(ref)
    form.form_errors.append(
        "Someone else changed this referral while you were working on it. "
        f"It is now {referral.state_label.lower()}; check it and try again."
    )
    form.version_id.data = referral.version_id
    return _render(referral, 409, **{form_name: form})


@bp.route("/programme/<ref>/move", methods=["POST"])
@roles_required(*WORKERS)
def move(ref):
    referral = _referral_or_404(ref)
    form = MoveForm()
    form.programme.choices = _programme_choices("")
    if not form.validate_on_submit():
        return _render(referral, 400, move=form)
    try:
        services.move(
            referral,
            form.to_state.data,
            moved_on=form.moved_on.data,
            reason=form.reason.data,
            programme_code=form.programme.data or None,
            override=form.override.data,
            expected_version=form_version(form.version_id),
            actor=actor(),
        )
    except EditConflict:
        db.session.rollback()
        return _conflict(ref, "move", form)
    except services.IllegalMove as exc:
        form.to_state.errors = [exc.message]
        return _render(referral, 409, move=form)
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render(referral, 400, move=form)
    flash(f"Referral {referral.ref} is now {referral.state_label.lower()}.", "success")
    return redirect(url_for("referrals.view", ref=ref))


@bp.route("/programme/<ref>/screen", methods=["POST"])
@roles_required(*WORKERS)
def screen(ref):
    referral = _referral_or_404(ref)
    form = ScreeningForm()
    answers = {code: form[f"item_{code}"].data for code in SCREENING_ITEMS}
    if not form.validate_on_submit():
        return _render(referral, 400, screening=form)
    try:
        services.move(
            referral,
            "screened",
            moved_on=form.screened_on.data,
            screening=answers,
            screening_notes=form.screening_notes.data,
            expected_version=form_version(form.version_id),
            actor=actor(),
        )
    except EditConflict:
        db.session.rollback()
        return _conflict(ref, "screening", form)
    except services.IllegalMove as exc:
        form.form_errors.append(exc.message)
        return _render(referral, 409, screening=form)
    except ValidationFailed as exc:
        errors = dict(exc.errors)
        if "moved_on" in errors:
            errors["screened_on"] = errors.pop("moved_on").replace("date of the move", "date screened")
        show_errors(form, errors)
        return _render(referral, 400, screening=form)
    flash(f"Screening recorded: referral {referral.ref} is now screened.", "success")
    return redirect(url_for("referrals.view", ref=ref))


@bp.route("/programme/<ref>/attendance", methods=["POST"])
@roles_required(*WORKERS)
def attendance(ref):
    referral = _referral_or_404(ref)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return _render(referral, 400, attendance=form)
    try:
        services.add_attendance(
            referral,
            session_on=form.session_on.data,
            attendance=form.attendance.data,
            note=form.note.data,
            actor=actor(),
        )
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render(referral, 400, attendance=form)
    flash("Attendance noted.", "success")
    return redirect(url_for("referrals.view", ref=ref, _anchor="attendance-section"))
