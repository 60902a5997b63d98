"""My tasks and the supervisors' board: the pages that list tasks. (The hidden-harm list moved to
the victims part, app.victims.visits, at the same addresses.)"""

from flask import current_app, render_template, request, url_for
from flask_login import current_user

from app.security import roles_required
from app.tasking import bp
from app.tasking.board import services as lists
from app.tasking.board.forms import BoardFilterForm, board_owner_choices
from app.tasking.tasks import rules
from app.tasking.tasks import services as ts
from app.tasking.tasks.forms import CompleteForm, ReassignForm, VersionForm, id_choices, owner_choices
from app.tasking.tasks.routes import BOARD_READERS, WORKERS, form_prefix, int_or_none, outcome_hints


@bp.route("/tasks/mine")
@roles_required(*WORKERS)
def my_tasks():
    mine = lists.my_tasks(current_user)
    tasks = [
        *mine.overdue,
        *mine.due_today,
        *mine.upcoming,
        *mine.put_aside,
        *mine.team_unallocated,
    ]
    forms = {
        t.id: {
            "complete": CompleteForm(prefix=form_prefix(t), formdata=None, data={"version_id": t.version_id}),
            "button": VersionForm(prefix=form_prefix(t), formdata=None, data={"version_id": t.version_id}),
        }
        for t in tasks
    }
    hints = {t.id: outcome_hints(t) for t in tasks}
    return render_template(
        "tasking/my_tasks.html", mine=mine, forms=forms, hints=hints, now_next=url_for("tasking.my_tasks")
    )


@bp.route("/tasks/board")
@roles_required(*BOARD_READERS)
def board():
    owners = ts.task_owners()
    form = BoardFilterForm(request.args)
    form.team.choices = id_choices(ts.teams(), blank="All teams")
    form.owner.choices = board_owner_choices(owners)
    if not request.args and current_user.team_id:
        form.team.data = str(current_user.team_id)  # a supervisor's own team first
    raw_page = request.args.get("page", "1")
    page_ok = raw_page.isdigit() and 0 < int(raw_page) < 100000
    if (request.args and not form.validate()) or not page_ok:
        if not page_ok:
            form.form_errors.append("The page number must be a whole number from 1.")
        return render_template("tasking/board.html", form=form, result=None, forms={}, args={}), 400
    filters = lists.BoardFilters(
        team_id=int_or_none(form.team.data),
        owner=form.owner.data or None,
        task_type=form.task_type.data or None,
        status=form.status.data or "active",
        overdue=bool(form.overdue.data),
        due=form.due.data or None,
    )
    result = lists.board(filters, page=int(raw_page), per_page=current_app.config["PAGE_SIZE"], user=current_user)
    forms = {}
    if rules.is_supervisor(current_user):
        choices = owner_choices(owners, blank="Not allocated (the team's to take)")
        for group in result.groups:
            for t in group.tasks:
                f = ReassignForm(
                    prefix=f"r{t.id}",
                    formdata=None,
                    data={"version_id": t.version_id, "owner": str(t.owner_id or ""), "next": request.full_path},
                )
                f.owner.choices = choices
                forms[t.id] = f
    args = {k: v for k, v in request.args.items() if k != "page"}
    if not request.args and current_user.team_id:
        args["team"] = str(current_user.team_id)
    return render_template("tasking/board.html", form=form, result=result, forms=forms, args=args)
