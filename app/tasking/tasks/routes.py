"""Task pages: raise a task, a task's page and its actions, My tasks, the board, hidden-harm visits.

Routes are thin: parse the form, call a service in app.tasking.tasks.services, render or redirect.
Who may do what is decided in the service (see its docstring); a refusal there is a 403 here.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.base import ValidationFailed, local_today, local_zone
from app.catalogue import (
    MEETING_TACTICS,
    TASK_DEFERRALS,
    TASK_OUTCOMES,
    TASK_PRIORITIES,
    TASK_STATUSES,
    TASK_TYPES,
    LeverType,
)
from app.extensions import db
from app.offenders.models import Person
from app.security import roles_required
from app.tasking import bp
from app.tasking.tasks import checks, deferrals, effects, rules
from app.tasking.tasks import services as ts
from app.tasking.tasks.forms import (
    CancelForm,
    CompleteForm,
    DeferForm,
    ReassignForm,
    RefuseDeferralForm,
    TaskEditForm,
    TaskForm,
    VersionForm,
    id_choices,
    owner_choices,
)
from app.web import form_version, safe_next, show_errors

WORKERS = ("supervisor", "officer")
READERS = ("supervisor", "officer", "analyst")
BOARD_READERS = ("supervisor", "analyst")
DEFAULT_DUE_DAYS = 7


VALUE_LABELS = {
    "status": TASK_STATUSES,
    "outcome": TASK_OUTCOMES,
    "priority": TASK_PRIORITIES,
    "task_type": TASK_TYPES,
    "deferral_kind": TASK_DEFERRALS,
    "tactic": MEETING_TACTICS,
}


def task_value(name: str, value) -> str:
    """An audited task value in words: labels for codes, UK local time for instants."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name in VALUE_LABELS:
        return VALUE_LABELS[name].get(value, str(value))
    if name in ("due_at", "completed_at") and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment.astimezone(local_zone()).strftime("%d %b %Y %H:%M")
    if name in ("deferred_until", "review_on") and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d %b %Y")
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


@bp.context_processor
def task_helpers():
    return {"task_is_overdue": rules.is_overdue, "task_is_deferred": rules.is_deferred, "task_value": task_value}


def _task_or_404(task_id: int):
    task = ts.get_task(task_id)
    if task is None:
        abort(404)
    if not rules.can_see(current_user, task):
        abort(403)
    return task


def _after(form, task) -> str:
    return safe_next(form.next.data) or url_for("tasking.task_view", task_id=task.id)


def form_prefix(task) -> str:
    return f"t{task.id}"


def _action_forms(task, *, complete=None, cancel=None, defer=None, reassign=None, refuse=None):
    """The forms of the task page, each named after the task so several can share a page."""
    prefix = form_prefix(task)
    forms = {
        "refuse": refuse or RefuseDeferralForm(prefix=prefix, formdata=None, data={"version_id": task.version_id}),
        "button": VersionForm(prefix=prefix, formdata=None, data={"version_id": task.version_id}),
        "complete": complete or CompleteForm(prefix=prefix, formdata=None, data={"version_id": task.version_id}),
        "cancel": cancel or CancelForm(prefix=prefix, formdata=None, data={"version_id": task.version_id}),
        "defer": defer or DeferForm(prefix=prefix, formdata=None, data={"version_id": task.version_id}),
        "reassign": reassign
        or ReassignForm(
            prefix=f"r{task.id}",
            formdata=None,
            data={"version_id": task.version_id, "owner": str(task.owner_id or "")},
        ),
    }
    forms["reassign"].owner.choices = owner_choices(ts.task_owners(), blank="Not allocated (the team's to take)")
    return forms


NO_CONFLICT = object()


def _render_task(task, *, status=200, refusal=None, conflict=NO_CONFLICT, **forms):
    return (
        render_template(
            "tasking/task_view.html",
            task=task,
            forms=_action_forms(task, **forms),
            history=ts.history(task),
            refusal=refusal,
            conflicted=conflict is not NO_CONFLICT,
            conflict=None if conflict is NO_CONFLICT else conflict,
            field_labels=ts.FIELD_LABELS,
            overdue=rules.is_overdue(task),
            deferred=rules.is_deferred(task),
            can_work=rules.can_work(current_user, task),
            can_edit=rules.can_edit(current_user, task),
            can_take=rules.can_take(current_user, task),
            is_supervisor=rules.is_supervisor(current_user),
            awaiting_approval=rules.awaiting_approval(task),
            outcome_hints=outcome_hints(task),
            lever_labels=_lever_labels(),
            deferral_limit=deferrals.limit_hours(task),
        ),
        status,
    )


# ---- raising a task -----------------------------------------------------------------------------


def person_by_ref(ref: str | None) -> Person | None:
    ref = (ref or "").strip()
    return db.session.scalar(sa.select(Person).where(Person.ref == ref)) if ref else None


def _task_form_choices(form: TaskForm) -> None:
    form.owner.choices = owner_choices(ts.task_owners(), blank="Not allocated yet (the team's to take)")
    form.team.choices = id_choices(ts.teams(), blank="The officer's team")
    form.lever.choices = [("", "None"), *sorted(_lever_labels(recorded_only=True).items(), key=lambda kv: kv[1])]


def _lever_labels(*, recorded_only: bool = False) -> dict[str, str]:
    return {t.code: t.label for t in db.session.scalars(sa.select(LeverType)) if not (recorded_only and t.derived)}


def outcome_hints(task) -> dict[str, str]:
    """{outcome: what recording it does to the record}, for the completion forms."""
    return effects.describe(task.task_type, task.lever, _lever_labels())


def int_or_none(text: str | None, *, bad: int = -1) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else bad


def _officer_names_another_holder(form: TaskForm, supervisor: bool) -> bool:
    """An officer raises tasks for themselves only: naming someone else or a team is refused, not
    quietly changed into a task of their own."""
    if supervisor:
        return False
    others = form.owner.data not in ("", None, str(current_user.id))
    if others or form.team.data:
        form.form_errors.append(
            "Officers can only raise tasks for themselves: ask a supervisor to give one to someone else or a team."
        )
        return True
    return False


@bp.route("/tasks/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def task_new():
    form = TaskForm()
    _task_form_choices(form)
    supervisor = rules.is_supervisor(current_user)
    if request.method == "GET":
        person = person_by_ref(request.args.get("person"))
        task_type = request.args.get("type", "")
        form.person_ref.data = person.ref if person else (request.args.get("person") or "")[:64]
        form.task_type.data = task_type if task_type in TASK_TYPES else ""
        if person and task_type in TASK_TYPES:
            form.title.data = f"{TASK_TYPES[task_type]}: {person.full_name}"
        if request.args.get("title"):
            form.title.data = request.args["title"].strip()[: ts.MAX_TITLE]
        lever = request.args.get("lever", "")
        form.lever.data = lever if lever in dict(form.lever.choices) else ""
        form.order_ref.data = (request.args.get("order") or "")[:64]
        form.breach_ref.data = (request.args.get("breach") or "")[:64]
        form.referral_ref.data = (request.args.get("referral") or "")[:64]
        form.meeting_id.data = (request.args.get("meeting") or "")[:10]
        if form.referral_ref.data:
            form.detail.data = f"Raised from referral {form.referral_ref.data}."
        form.due_on.data = local_today() + timedelta(days=DEFAULT_DUE_DAYS)
        form.owner.data = "" if supervisor else str(current_user.id)
        form.team.data = ""
        return render_template("tasking/task_form.html", form=form, task=None, supervisor=supervisor, person=person)
    if form.validate_on_submit() and not _officer_names_another_holder(form, supervisor):
        values = checks.TaskInput(
            task_type=form.task_type.data,
            title=form.title.data,
            person_ref=form.person_ref.data,
            due_on=form.due_on.data,
            due_time=form.due_time.data,
            priority=form.priority.data,
            detail=form.detail.data,
            owner_id=int_or_none(form.owner.data) if supervisor else current_user.id,
            team_id=int_or_none(form.team.data) if supervisor else None,
            order_ref=form.order_ref.data,
            breach_ref=form.breach_ref.data,
            meeting_id=int_or_none(form.meeting_id.data),
            referral_ref=form.referral_ref.data,
            lever=form.lever.data or None,
        )
        try:
            task = ts.create_task(values, user=current_user)
        except ValidationFailed as exc:
            show_errors(form, exc.errors, {"owner": "owner", "meeting_id": "person_ref"})
        else:
            flash(f"Task raised: {task.title}.", "success")
            if task.meeting_id:
                return redirect(
                    url_for("tasking.meeting", meeting_id=task.meeting_id, _anchor=f"item-{task.person_id}")
                )
            return redirect(url_for("tasking.task_view", task_id=task.id))
    person = person_by_ref(form.person_ref.data)
    return render_template("tasking/task_form.html", form=form, task=None, supervisor=supervisor, person=person), 400


# ---- one task -----------------------------------------------------------------------------------


@bp.route("/tasks/<int:task_id>")
@roles_required(*READERS)
def task_view(task_id):
    task = _task_or_404(task_id)
    ts.view_task(task, reason=request.args.get("reason"))
    return _render_task(task)


def _conflict(exc: ts.TaskConflict, form):
    """After a stale save: the form keeps what the user typed, with the version now held."""
    form.version_id.data = exc.task.version_id
    return exc.change


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@roles_required(*WORKERS)
def task_edit(task_id):
    task = _task_or_404(task_id)
    if not rules.can_edit(current_user, task):
        abort(403)
    form = TaskEditForm()
    if request.method == "GET":
        local_due = task.due_at.astimezone(local_zone())
        form.title.data, form.detail.data, form.priority.data = task.title, task.detail, task.priority
        form.due_on.data, form.due_time.data = local_due.date(), local_due.time().replace(second=0, microsecond=0)
        form.version_id.data = task.version_id
        return render_template(
            "tasking/task_form.html", form=form, task=task, supervisor=rules.is_supervisor(current_user)
        )
    conflict, status = NO_CONFLICT, 400
    if form.validate_on_submit():
        values = ts.TaskEdit(
            form.title.data, form.detail.data, form.due_on.data, form.due_time.data, form.priority.data
        )
        try:
            diff = ts.edit_task(task, values, expected_version=form_version(form.version_id), user=current_user)
        except ts.TaskConflict as exc:
            task, conflict, status = exc.task, _conflict(exc, form), 409
        except ts.TaskRefused as exc:
            return _render_task(task, status=409, refusal=exc.message)
        except rules.NotAllowed:
            abort(403)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
        else:
            flash("Task changed." if diff else "Nothing was changed.", "success" if diff else "info")
            return redirect(url_for("tasking.task_view", task_id=task.id))
    return (
        render_template(
            "tasking/task_form.html",
            form=form,
            task=task,
            supervisor=rules.is_supervisor(current_user),
            conflicted=conflict is not NO_CONFLICT,
            conflict=None if conflict is NO_CONFLICT else conflict,
            field_labels=ts.FIELD_LABELS,
        ),
        status,
    )


def _button_action(task_id: int, action, success: str):
    """A one-button action (start, take, bring back): conflicts and refusals show on the task page."""
    task = _task_or_404(task_id)
    form = VersionForm(prefix=form_prefix(task))
    if not form.validate_on_submit():
        abort(400)
    try:
        action(task, form_version(form.version_id))
    except ts.TaskConflict as exc:
        return _render_task(exc.task, status=409, conflict=exc.change)
    except ts.TaskRefused as exc:
        return _render_task(task, status=409, refusal=exc.message)
    except rules.NotAllowed:
        abort(403)
    flash(success, "success")
    return redirect(_after(form, task))


@bp.route("/tasks/<int:task_id>/start", methods=["POST"])
@roles_required(*WORKERS)
def task_start(task_id):
    return _button_action(
        task_id,
        lambda task, v: ts.change_status(task, "in_progress", expected_version=v, user=current_user),
        "Task started.",
    )


@bp.route("/tasks/<int:task_id>/take", methods=["POST"])
@roles_required(*WORKERS)
def task_take(task_id):
    return _button_action(
        task_id, lambda task, v: ts.take(task, expected_version=v, user=current_user), "The task is yours now."
    )


@bp.route("/tasks/<int:task_id>/resume", methods=["POST"])
@roles_required(*WORKERS)
def task_resume(task_id):
    return _button_action(
        task_id,
        lambda task, v: deferrals.resume(task, expected_version=v, user=current_user),
        "The task is back in the lists.",
    )


def _form_page(template: str, task, form, *, status=200, conflict=NO_CONFLICT):
    return (
        render_template(
            template,
            task=task,
            form=form,
            conflicted=conflict is not NO_CONFLICT,
            conflict=None if conflict is NO_CONFLICT else conflict,
            field_labels=ts.FIELD_LABELS,
            overdue=rules.is_overdue(task),
            outcome_hints=outcome_hints(task),
            deferral_limit=deferrals.limit_hours(task),
        ),
        status,
    )


def _form_action(task_id: int, form_class, template: str, action, success: str, *, guard):
    """A task action with a form (complete, cancel, put aside): GET shows the form; a bad entry,
    a refusal or a conflict shows it again with the user's entries kept."""
    task = _task_or_404(task_id)
    if not guard(current_user, task):
        abort(403)
    form = form_class(prefix=form_prefix(task))
    if request.method == "GET":
        form.version_id.data = task.version_id
        form.next.data = safe_next(request.args.get("next")) or ""
        if task.status in rules.FINAL_STATUSES:
            return _render_task(task, status=409, refusal=f"This task is already {TASK_STATUSES[task.status].lower()}.")
        return _form_page(template, task, form)
    if not form.validate_on_submit():
        return _form_page(template, task, form, status=400)
    try:
        action(task, form)
    except ts.TaskConflict as exc:
        return _form_page(template, exc.task, form, status=409, conflict=_conflict(exc, form))
    except ts.TaskRefused as exc:
        return _render_task(task, status=409, refusal=exc.message)
    except rules.NotAllowed:
        abort(403)
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _form_page(template, task, form, status=400)
    flash(success(task) if callable(success) else success, "success")
    return redirect(_after(form, task))


@bp.route("/tasks/<int:task_id>/complete", methods=["GET", "POST"])
@roles_required(*WORKERS)
def task_complete(task_id):
    return _form_action(
        task_id,
        CompleteForm,
        "tasking/task_complete.html",
        lambda task, form: ts.change_status(
            task,
            "done",
            outcome=form.outcome.data,
            note=form.note.data,
            expected_version=form_version(form.version_id),
            user=current_user,
        ),
        lambda task: (
            "Task done and its outcome recorded."
            + (" " + "; ".join(task.outcome_effects) + "." if task.outcome_effects else "")
        ),
        guard=rules.can_work,
    )


@bp.route("/tasks/<int:task_id>/cancel", methods=["GET", "POST"])
@roles_required(*WORKERS)
def task_cancel(task_id):
    return _form_action(
        task_id,
        CancelForm,
        "tasking/task_cancel.html",
        lambda task, form: ts.change_status(
            task, "cancelled", note=form.note.data, expected_version=form_version(form.version_id), user=current_user
        ),
        "Task cancelled.",
        guard=rules.can_edit,
    )


@bp.route("/tasks/<int:task_id>/defer", methods=["GET", "POST"])
@roles_required(*WORKERS)
def task_defer(task_id):
    return _form_action(
        task_id,
        DeferForm,
        "tasking/task_defer.html",
        lambda task, form: deferrals.defer(
            task,
            form.kind.data,
            until=form.until.data,
            reason=form.reason.data,
            expected_version=form_version(form.version_id),
            user=current_user,
        ),
        lambda task: (
            "Asked to put the task aside: past its limit, so a supervisor must approve. It stays in your lists "
            "until then."
            if task.deferral_pending
            else "Task put aside."
        ),
        guard=rules.can_work,
    )


@bp.route("/tasks/<int:task_id>/deferral/approve", methods=["POST"])
@roles_required("supervisor")
def task_deferral_approve(task_id):
    return _button_action(
        task_id,
        lambda task, v: deferrals.approve(task, expected_version=v, user=current_user),
        "Approved: the task is put aside.",
    )


@bp.route("/tasks/<int:task_id>/deferral/refuse", methods=["POST"])
@roles_required("supervisor")
def task_deferral_refuse(task_id):
    task = _task_or_404(task_id)
    form = RefuseDeferralForm(prefix=form_prefix(task))
    if not form.validate_on_submit():
        return _render_task(task, status=400, refuse=form)
    try:
        deferrals.refuse(task, form.reason.data, expected_version=form_version(form.version_id), user=current_user)
    except ts.TaskConflict as exc:
        return _render_task(exc.task, status=409, conflict=exc.change)
    except ts.TaskRefused as exc:
        return _render_task(task, status=409, refusal=exc.message)
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render_task(task, status=400, refuse=form)
    flash("Refused: the task stays in the lists.", "success")
    return redirect(_after(form, task))


@bp.route("/tasks/<int:task_id>/reassign", methods=["POST"])
@roles_required("supervisor")
def task_reassign(task_id):
    task = _task_or_404(task_id)
    form = ReassignForm(prefix=f"r{task.id}")
    form.owner.choices = owner_choices(ts.task_owners(), blank="Not allocated (the team's to take)")
    if not form.validate_on_submit():
        return _render_task(task, status=400, reassign=form)
    try:
        diff = ts.reassign(
            task, int_or_none(form.owner.data), expected_version=form_version(form.version_id), user=current_user
        )
    except ts.TaskConflict as exc:
        form.version_id.data = exc.task.version_id
        return _render_task(exc.task, status=409, conflict=exc.change, reassign=form)
    except ts.TaskRefused as exc:
        return _render_task(task, status=409, refusal=exc.message)
    except ValidationFailed as exc:
        show_errors(form, exc.errors)
        return _render_task(task, status=400, reassign=form)
    holder = task.owner.display_name if task.owner else "the team (not allocated)"
    flash(f"Task {task.id} given to {holder}." if diff else "Nothing was changed.", "success" if diff else "info")
    return redirect(_after(form, task))


# ---- My tasks and the board ---------------------------------------------------------------------


# ---- hidden-harm visits -------------------------------------------------------------------------
