"""Register pages: person list and search, profile, person/event/lever forms, network findings.

Routes are thin: parse the form, call a service, render or redirect. Referral staff have no
register page yet (the referrals issue adds a restricted view); admins have none.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.base import today
from app.catalogue import BREACH_OFFENCES, LeverType, OffenceCategory, labels
from app.extensions import db
from app.offenders import bp, network, services
from app.offenders.forms import EndLeverForm, EventForm, LeverForm, NewEventForm, NewPersonForm, PersonForm, SearchForm
from app.security import roles_required

READERS = ("supervisor", "officer", "analyst")
EDITORS = ("supervisor", "officer")  # README: analysts read the register, they do not change it
RIGHT_TO_KNOW_READERS = ("supervisor",)
NETWORK_READERS = ("supervisor", "analyst")
SINCE_CHOICES = {"3": 3, "6": 6, "12": 12, "36": 36, "all": None}


def _person_or_404(ref: str):
    person = services.get_person(ref)
    if person is None:
        abort(404)
    return person


def _version(form) -> int:
    raw = form.version_id.data or ""
    return int(raw) if raw.isdigit() else -1


def _show_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        target = form[name] if name in form._fields else None
        if target is None:
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]


# ---- list and search ---------------------------------------------------------------------------


@bp.route("/")
@roles_required(*READERS)
def index():
    form = SearchForm(request.args, districts=services.districts())
    raw_page = request.args.get("page", "1")
    page_ok = raw_page.isdigit() and 0 < int(raw_page) < 100000
    if not form.validate() or not page_ok:
        if not page_ok:
            form.form_errors.append("The page number must be a whole number from 1.")
        return render_template("offenders/index.html", form=form, result=None), 400
    page = int(raw_page)
    criteria = services.SearchCriteria(
        text=form.q.data or "",
        district=form.district.data or None,
        serial=form.serial.data,
        active_order=form.active_order.data,
        active_levers=form.active_levers.data,
    )
    result = services.search_persons(criteria, page=page, per_page=current_app.config["PAGE_SIZE"])
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("offenders/index.html", form=form, result=result, criteria=criteria, args=args)


# ---- profile -----------------------------------------------------------------------------------


@bp.route("/<ref>")
@roles_required(*READERS)
def profile(ref):
    services.view_person(_person_or_404(ref), reason=request.args.get("reason"))
    # Loaded after the audit commit, which would otherwise expire everything the page reads.
    person = _person_or_404(ref)
    data = services.profile(person, current_user.role_names)
    return render_template("offenders/profile.html", person=person, p=data, events=data.events)


# ---- persons -----------------------------------------------------------------------------------


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
        except services.ValidationFailed as exc:
            _show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"{person.full_name} was added as {person.ref}.", "success")
            return redirect(url_for("offenders.profile", ref=person.ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/person_form.html", form=form, person=None), status


@bp.route("/<ref>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(ref):
    person = _person_or_404(ref)
    if request.method == "GET":
        services.view_person(person, reason=request.args.get("reason"), purpose="to change it")
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.version_id.data = person.version_id
        form.aliases.data = services.aliases_text(person)
        form.markers.data = sorted(m.marker for m in person.markers)
        form.categories.data = sorted(c.category for c in person.categories if c.category in services.MANUAL_CATEGORIES)
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            diff = services.update_person(person, _person_values(form), expected_version=_version(form))
        except services.EditConflict:
            # Keep what this user typed, show what the other user saved, and let them decide.
            person = _person_or_404(ref)
            conflict = _conflict_view(form, services.person_snapshot(person))
            form.version_id.data = person.version_id
            status = 409
        except services.ValidationFailed as exc:
            _show_errors(form, exc.errors)
            status = 400
        else:
            flash("Changes saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("offenders.profile", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/person_form.html", person=person, form=form, conflict=conflict), status


def _conflict_view(form, saved: dict) -> dict:
    """{label: value as saved by the other user}, for the conflict box."""
    out = {}
    for name, value in saved.items():
        label = form[name].label.text if name in form._fields else name.replace("_", " ").capitalize()
        if isinstance(value, list):
            value = ", ".join(value) or None
        out[label] = value
    return out


# ---- DA events ---------------------------------------------------------------------------------


def _offence_choices():
    return [(code, label) for code, label in labels(OffenceCategory).items() if code not in BREACH_OFFENCES]


def _event_values(form) -> dict:
    return {name: form[name].data for name in services.EVENT_EDITABLE}


@bp.route("/<ref>/events/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_event(ref):
    person = _person_or_404(ref)
    form = NewEventForm(offences=_offence_choices())
    if request.method == "GET":
        form.suspect_ref.data = person.ref if request.args.get("as") != "victim" else ""
        form.victim_ref.data = person.ref if request.args.get("as") == "victim" else ""
        form.district.data = person.district
    status = 200
    if form.validate_on_submit():
        try:
            event = services.create_event(_event_values(form) | {"ref": form.ref.data or None})
        except services.ValidationFailed as exc:
            _show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"DA event {event.ref} recorded.", "success")
            return redirect(url_for("offenders.profile", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/event_form.html", form=form, person=person, event=None), status


@bp.route("/<ref>/events/<event_ref>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_event(ref, event_ref):
    person = _person_or_404(ref)
    event = services.get_event(person, event_ref)
    if event is None:
        abort(404)
    if event.source != "manual":
        return render_template("offenders/event_not_editable.html", person=person, event=event), 409
    if request.method == "GET":
        services.view_event(event, reason=request.args.get("reason"))
    form = EventForm(
        offences=_offence_choices(), data=services.event_values(event) if request.method == "GET" else None
    )
    if request.method == "GET":
        form.version_id.data = event.version_id
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            diff = services.update_event(event, _event_values(form), expected_version=_version(form))
        except services.EditConflict:
            event = services.get_event(person, event_ref)
            if event is None:
                abort(404)
            conflict = _conflict_view(form, services.event_values(event))
            form.version_id.data = event.version_id
            status = 409
        except services.ValidationFailed as exc:
            _show_errors(form, exc.errors)
            status = 400
        else:
            flash("Event saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("offenders.profile", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template(
        "offenders/event_form.html", form=form, person=person, event=event, conflict=conflict
    ), status


# ---- levers ------------------------------------------------------------------------------------


def _lever_choices():
    return [(lt.code, lt.label) for lt in services.lever_catalogue().values() if not lt.derived]


@bp.route("/<ref>/levers/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_lever(ref):
    person = _person_or_404(ref)
    form = LeverForm(levers=_lever_choices())
    if request.method == "GET":
        form.noted_on.data = today()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_lever(person, form.lever.data, form.noted_on.data, form.detail.data)
        except services.ValidationFailed as exc:
            _show_errors(form, exc.errors)
            status = 400
        else:
            flash("Lever added.", "success")
            return redirect(url_for("offenders.profile", ref=ref, _anchor="levers"))
    elif form.is_submitted():
        status = 400
    return render_template("offenders/lever_form.html", form=form, person=person), status


@bp.route("/<ref>/levers/<code>/end", methods=["GET", "POST"])
@roles_required(*EDITORS)
def end_lever(ref, code):
    person = _person_or_404(ref)
    lever_type = db.session.get(LeverType, code)
    if lever_type is None or lever_type.derived:
        abort(404)
    current = services.latest_lever_record(person, code)
    form = EndLeverForm()
    if request.method == "GET":
        if current is None or not current.active:
            abort(404)
        form.ended_on.data = today()
        form.record_id.data = current.id
        form.version_id.data = current.version_id
    status, conflict = 200, None
    if form.validate_on_submit():
        record_id = int(form.record_id.data) if (form.record_id.data or "").isdigit() else -1
        try:
            services.end_lever(
                person,
                code,
                form.ended_on.data,
                form.note.data,
                expected_record_id=record_id,
                expected_version=_version(form),
            )
        except services.EditConflict:
            current = services.latest_lever_record(person, code)
            conflict = True
            if current is not None:
                form.record_id.data, form.version_id.data = current.id, current.version_id
            status = 409
        except services.ValidationFailed as exc:
            _show_errors(form, exc.errors)
            status = 400
        else:
            flash(f"{lever_type.label} marked as no longer active.", "success")
            return redirect(url_for("offenders.profile", ref=ref, _anchor="levers"))
    elif form.is_submitted():
        status = 400
    return render_template(
        "offenders/end_lever.html",
        form=form,
        person=person,
        lever_type=lever_type,
        current=current,
        conflict=conflict,
    ), status


# ---- whole-register network findings -----------------------------------------------------------


@bp.route("/network/right-to-know")
@roles_required(*RIGHT_TO_KNOW_READERS)
def right_to_know():
    within = request.args.get("within", "12")
    if within not in SINCE_CHOICES:
        return render_template(
            "offenders/right_to_know.html", rows=None, within="12", choices=SINCE_CHOICES, since=None, bad_within=True
        ), 400
    months = SINCE_CHOICES[within]
    since = network.cutoff(today(), months) if months else None
    rows = services.right_to_know_candidates(since=since)
    return render_template("offenders/right_to_know.html", rows=rows, within=within, choices=SINCE_CHOICES, since=since)


@bp.route("/network/linked")
@roles_required(*NETWORK_READERS)
def networks():
    summary = services.network_summary()
    return render_template("offenders/networks.html", summary=summary)
