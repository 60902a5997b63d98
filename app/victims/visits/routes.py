"""Visit pages: record a DALO needs assessment or hidden-harm visit (completing its task), read one,
and the repeat victims due a visit, by need, at the long-standing addresses /hidden-harm and
/hidden-harm/visits (the route functions keep their names from when tasking served them)."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.base import ValidationFailed, local_zone, utcnow
from app.security import roles_required
from app.tasking.board.services import raise_hidden_harm_visit
from app.victims import bp
from app.victims.common import READERS, WORKERS, find_person, local_moment
from app.victims.dash import services as dash
from app.victims.forms import answer, task_id
from app.victims.page.routes import actor, victim_or_404
from app.victims.visits import need, services
from app.victims.visits.forms import RaiseVisitForm, VisitForm
from app.victims.visits.models import NEEDS, SAFEGUARDING_REFERRALS, VISIT_EVIDENCE
from app.web import ListPage, show_errors


def _visit_values(form: VisitForm) -> services.VisitInput:
    return services.VisitInput(
        kind=form.kind.data,
        visited_at=local_moment(form.visited_at.data),
        seen_alone=answer(form.seen_alone),
        children_present=answer(form.children_present),
        perpetrator_present=answer(form.perpetrator_present),
        injuries_seen=answer(form.injuries_seen),
        injuries_detail=form.injuries_detail.data,
        dash_done=answer(form.dash_done),
        dash_ref=form.dash_ref.data,
        idva_offered=answer(form.idva_offered),
        idva_accepted=answer(form.idva_accepted),
        safety_advice_given=answer(form.safety_advice_given),
        safeguarding_referrals=form.safeguarding_referrals.data or [],
        evidence_secured=form.evidence_secured.data or [],
        arrest_made=answer(form.arrest_made),
        arrest_event_ref=form.arrest_event_ref.data,
        needs=form.needs.data or [],
        note=form.note.data,
        task_id=task_id(form.task_id.data),
    )


@bp.route("/<ref>/visits/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def new_visit(ref):
    person = victim_or_404(ref)
    form = VisitForm()
    form.dash_ref.choices = {"": "None"} | {
        a.ref: f"{a.ref}, {a.assessed_on:%d %b %Y}: {a.grade_label.lower()}" for a in dash.assessments_of(person)
    }
    if request.method == "GET":
        form.visited_at.data = utcnow().astimezone(local_zone()).replace(second=0, microsecond=0, tzinfo=None)
        form.task_id.data = request.args.get("task", "")
        form.kind.data = (
            request.args.get("kind") if request.args.get("kind") in ("needs_assessment",) else "hidden_harm"
        )
    task = next((t for t in services.open_visit_tasks(person) if str(t.id) == (form.task_id.data or "")), None)
    status = 200
    if form.validate_on_submit():
        try:
            visit = services.record_visit(
                person, _visit_values(form), actor=actor(), officer=current_user.display_name, user=current_user
            )
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            done = f" Task {visit.task_id} is marked done." if visit.task_id else ""
            flash(f"{visit.kind_label} {visit.ref} recorded.{done}", "success")
            return redirect(url_for("victims.victim", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("victims/visit_form.html", form=form, person=person, task=task), status


@bp.route("/visits/<ref>")
@roles_required(*READERS)
def visit(ref):
    found = services.get_visit(ref)
    if found is None:
        abort(404)
    services.view_visit(found, actor=actor(), reason=request.args.get("reason"))
    found = services.get_visit(ref)
    return render_template(
        "victims/visit.html",
        visit=found,
        assessment=dash.get_assessment_by_id(found.dash_assessment_id),
        labels={"referrals": SAFEGUARDING_REFERRALS, "evidence": VISIT_EVIDENCE, "needs": NEEDS},
    )


# Columns a user may sort the list by; without a choice it stays in order of need.
HIDDEN_HARM_SORTS = {
    "name": lambda r: (r.person.surname.lower(), r.person.forenames.lower(), r.person.ref),
    "last_contact": lambda r: r.last_contact.timestamp() if r.last_contact else 0.0,
    "last_visit": lambda r: r.last_visit.timestamp() if r.last_visit else 0.0,
}


def _hidden_harm_page(status: int = 200):
    raw = request.args.get("days", str(need.NO_CONTACT_DAYS))
    days = int(raw) if raw.isdigit() and int(raw) in need.NO_CONTACT_CHOICES else None
    if days is None:
        flash("Choose how many days without contact from the list.", "danger")
        days, status = need.NO_CONTACT_DAYS, 400
    rows = need.hidden_harm_list(user=current_user, no_contact_days=days)
    return render_template(
        "victims/hidden_harm.html",
        rows=rows,
        listing=ListPage(rows, keys=HIDDEN_HARM_SORTS, per_page=current_app.config["PAGE_SIZE"]),
        form=RaiseVisitForm(),
        window_days=need.HIDDEN_HARM_VISIT_DAYS,
        days=days,
        choices=need.NO_CONTACT_CHOICES,
    ), status


def hidden_harm():
    """Repeat victims due a hidden-harm visit, ordered by need."""
    return _hidden_harm_page()


def hidden_harm_visit():
    """Raise a DALO visit task for a repeat victim (tasking raises and owns the task)."""
    form = RaiseVisitForm()
    if not form.validate_on_submit():
        abort(400)
    person = find_person(request.form.get("person_ref"))
    if person is None:
        flash("No person has that reference, so no visit was raised.", "danger")
        return _hidden_harm_page(400)
    task, created = raise_hidden_harm_visit(person, user=current_user)
    if created:
        holder = task.owner.display_name if task.owner else f"the {task.team.name} team to allocate"
        due = task.due_at.astimezone(local_zone())
        flash(f"Visit raised for {person.full_name}, due {due:%d %b %Y}, for {holder}.", "success")
    else:
        flash(f"A visit for {person.full_name} is already open (task {task.id}).", "info")
    return redirect(url_for("victims.hidden_harm", days=request.args.get("days") or None))


# The hidden-harm list has long lived at /hidden-harm (outside /victims/): the addresses stay.
hidden_harm = roles_required(*READERS)(hidden_harm)
hidden_harm_visit = roles_required(*WORKERS)(hidden_harm_visit)
bp.record_once(
    lambda state: (
        state.app.add_url_rule("/hidden-harm", endpoint="victims.hidden_harm", view_func=hidden_harm),
        state.app.add_url_rule(
            "/hidden-harm/visits", endpoint="victims.hidden_harm_visit", view_func=hidden_harm_visit, methods=["POST"]
        ),
    )
)
