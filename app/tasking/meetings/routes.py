"""Tasking meeting pages: the list, a new meeting, the meeting (attendees, agenda and plans,
minutes), the printable pack and the CSV export. Supervisors run meetings; analysts read them."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.consultation import reason_required
from app.base import ValidationFailed, local_today
from app.catalogue import AGENDA_REASONS, MEETING_TACTICS
from app.security import roles_required
from app.tasking import bp
from app.tasking.meetings import pack
from app.tasking.meetings import services as ms
from app.tasking.meetings.forms import AddPersonForm, AttendeesForm, MeetingForm, MinutesForm, PlanForm
from app.tasking.tasks.forms import id_choices, owner_choices
from app.tasking.tasks.services import teams
from app.web import form_version, show_errors

RUNNERS = ("supervisor",)
READERS = ("supervisor", "analyst")


def _meeting_or_404(meeting_id: int):
    meeting = ms.get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _attendee_choices(form) -> None:
    form.attendees.choices = owner_choices(ms.attendee_choices(), blank="")[1:]


def _partners_text(meeting) -> str:
    return "\n".join(f"{a.name}, {a.agency}" if a.agency else a.name for a in meeting.attendees if a.user_id is None)


def _ids(values) -> list[int]:
    return [int(v) for v in values or [] if str(v).isdigit() and len(str(v)) < 10]


@bp.route("/meetings")
@roles_required(*READERS)
def meetings():
    raw_page = request.args.get("page", "1")
    if not (raw_page.isdigit() and 0 < int(raw_page) < 100000):
        abort(400)
    per_page = current_app.config["PAGE_SIZE"]
    found, total = ms.list_meetings(user=current_user, page=int(raw_page), per_page=per_page)
    pages = max(1, -(-total // per_page))
    return render_template("tasking/meetings.html", meetings=found, total=total, page=int(raw_page), pages=pages)


@bp.route("/meetings/new", methods=["GET", "POST"])
@roles_required(*RUNNERS)
def meeting_new():
    form = MeetingForm()
    form.team.choices = id_choices(teams(), blank="No particular team")
    _attendee_choices(form)
    if request.method == "GET":
        form.held_on.data = local_today()
        form.team.data = str(current_user.team_id or "")
        form.attendees.data = [str(current_user.id)]
        return render_template("tasking/meeting_new.html", form=form)
    if form.validate_on_submit():
        team = form.team.data
        values = ms.MeetingInput(
            held_on=form.held_on.data,
            title=form.title.data,
            team_id=int(team) if team and team.isdigit() else None,
            agenda_size=form.agenda_size.data,
            attendee_ids=_ids(form.attendees.data),
            partners=form.partners.data,
        )
        try:
            meeting = ms.create_meeting(values, user=current_user)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
        else:
            flash(f"Meeting recorded with {len(meeting.items)} persons on the agenda.", "success")
            return redirect(url_for("tasking.meeting", meeting_id=meeting.id))
    return render_template("tasking/meeting_new.html", form=form), 400


def _render_meeting(meeting, *, status=200, plans=None, attendees=None, minutes=None, add=None, conflict=None):
    entries = pack.pack_entries(meeting)
    plan_forms = {}
    for e in entries:
        item = e.item
        form = (plans or {}).get(item.id) or PlanForm(
            prefix=f"i{item.id}",
            formdata=None,
            data={
                "tactic": item.tactic or "",
                "rationale": item.rationale,
                "review_on": item.review_on,
                "version_id": item.version_id,
            },
        )
        plan_forms[item.id] = form
    if attendees is None:
        attendees = AttendeesForm(
            prefix="att",
            formdata=None,
            data={
                "attendees": [str(a.user_id) for a in meeting.attendees if a.user_id],
                "partners": _partners_text(meeting),
                "version_id": meeting.version_id,
            },
        )
    _attendee_choices(attendees)
    if minutes is None:
        minutes = MinutesForm(
            prefix="min", formdata=None, data={"minutes": meeting.minutes, "version_id": meeting.version_id}
        )
    return (
        render_template(
            "tasking/meeting.html",
            meeting=meeting,
            entries=entries,
            plan_forms=plan_forms,
            attendees_form=attendees,
            minutes_form=minutes,
            add_form=add or AddPersonForm(prefix="add", formdata=None),
            conflict=conflict,
            reasons=AGENDA_REASONS,
            tactics=MEETING_TACTICS,
            can_run=current_user.has_any_role(*RUNNERS),
        ),
        status,
    )


@bp.route("/meetings/<int:meeting_id>")
@roles_required(*READERS)
def meeting(meeting_id):
    found = _meeting_or_404(meeting_id)
    ms.view_meeting(found, user=current_user, reason=request.args.get("reason"))
    return _render_meeting(found)


@bp.route("/meetings/<int:meeting_id>/attendees", methods=["POST"])
@roles_required(*RUNNERS)
def meeting_attendees(meeting_id):
    found = _meeting_or_404(meeting_id)
    form = AttendeesForm(prefix="att")
    _attendee_choices(form)
    if not form.validate_on_submit():
        return _render_meeting(found, status=400, attendees=form)
    try:
        diff = ms.update_attendees(
            found,
            _ids(form.attendees.data),
            form.partners.data,
            expected_version=form_version(form.version_id),
            user=current_user,
        )
    except ms.MeetingConflict as exc:
        form.version_id.data = exc.obj.version_id
        return _render_meeting(exc.obj, status=409, attendees=form, conflict=("attendees", exc.change))
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render_meeting(found, status=400, attendees=form)
    flash("Attendees saved." if diff else "Nothing was changed.", "success" if diff else "info")
    return redirect(url_for("tasking.meeting", meeting_id=meeting_id, _anchor="attendees"))


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
@roles_required(*RUNNERS)
def meeting_minutes(meeting_id):
    found = _meeting_or_404(meeting_id)
    form = MinutesForm(prefix="min")
    if not form.validate_on_submit():
        return _render_meeting(found, status=400, minutes=form)
    try:
        diff = ms.update_minutes(
            found, form.minutes.data, expected_version=form_version(form.version_id), user=current_user
        )
    except ms.MeetingConflict as exc:
        form.version_id.data = exc.obj.version_id
        return _render_meeting(exc.obj, status=409, minutes=form, conflict=("minutes", exc.change))
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render_meeting(found, status=400, minutes=form)
    flash("Minutes saved." if diff else "Nothing was changed.", "success" if diff else "info")
    return redirect(url_for("tasking.meeting", meeting_id=meeting_id, _anchor="minutes"))


@bp.route("/meetings/<int:meeting_id>/agenda", methods=["POST"])
@roles_required(*RUNNERS)
def meeting_add_person(meeting_id):
    found = _meeting_or_404(meeting_id)
    form = AddPersonForm(prefix="add")
    if not form.validate_on_submit():
        return _render_meeting(found, status=400, add=form)
    try:
        item = ms.add_person(found, form.person_ref.data, user=current_user)
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render_meeting(_meeting_or_404(meeting_id), status=400, add=form)
    flash(f"{item.person.full_name} added to the agenda.", "success")
    return redirect(url_for("tasking.meeting", meeting_id=meeting_id, _anchor=f"item-{item.person_id}"))


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/plan", methods=["POST"])
@roles_required(*RUNNERS)
def meeting_plan(meeting_id, item_id):
    found = _meeting_or_404(meeting_id)
    item = ms.get_item(found, item_id)
    if item is None:
        abort(404)
    form = PlanForm(prefix=f"i{item.id}")
    if not form.validate_on_submit():
        return _render_meeting(found, status=400, plans={item.id: form})
    try:
        diff = ms.save_plan(
            item,
            tactic=form.tactic.data,
            rationale=form.rationale.data,
            review_on=form.review_on.data,
            expected_version=form_version(form.version_id),
            user=current_user,
        )
    except ms.MeetingConflict as exc:
        fresh = _meeting_or_404(meeting_id)
        form.version_id.data = exc.obj.version_id
        return _render_meeting(fresh, status=409, plans={item.id: form}, conflict=(f"item-{item.id}", exc.change))
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render_meeting(found, status=400, plans={item.id: form})
    flash(f"Plan saved for {item.person.full_name}." if diff else "Nothing was changed.", "success" if diff else "info")
    return redirect(url_for("tasking.meeting", meeting_id=meeting_id, _anchor=f"item-{item.person_id}"))


@bp.route("/meetings/<int:meeting_id>/pack")
@roles_required(*READERS)
@reason_required("export", ref="tasking-pack")
def meeting_pack(meeting_id):
    found = _meeting_or_404(meeting_id)
    entries = pack.export_pack(found, user=current_user)
    return render_template(
        "tasking/pack.html", meeting=found, entries=entries, reasons=AGENDA_REASONS, tactics=MEETING_TACTICS
    )


@bp.route("/meetings/<int:meeting_id>/pack.csv")
@roles_required(*READERS)
@reason_required("export", ref="tasking-pack")
def meeting_csv(meeting_id):
    found = _meeting_or_404(meeting_id)
    body = pack.export_csv(found, user=current_user)
    filename = f"tasking-meeting-{found.id}-{found.held_on.isoformat()}.csv"
    return Response(
        "\ufeff" + body,  # a BOM, so spreadsheet programs read the names as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
