"""The person list (search) and the profile page."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.consultation import reason_required
from app.base import local_today
from app.offenders.persons import services as persons
from app.profile import bp, panels, services
from app.profile.forms import SearchForm
from app.security import can, roles_required
from app.tasking.cohort.forms import AdoptForm

READERS = ("supervisor", "officer", "analyst")


@bp.route("/")
@roles_required(*READERS)
def index():
    form = SearchForm(request.args, districts=persons.districts())
    raw_page = request.args.get("page", "1")
    page_ok = raw_page.isdigit() and 0 < int(raw_page) < 100000
    if not form.validate() or not page_ok:
        if not page_ok:
            form.form_errors.append("The page number must be a whole number from 1.")
        return render_template("profile/index.html", form=form, result=None), 400
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
    return render_template("profile/index.html", form=form, result=result, criteria=criteria, args=args)


@bp.route("/<ref>")
@roles_required(*READERS)
@reason_required("person", ref_arg="ref")
def person(ref):
    if (found := person_or_404(ref)).ref != ref:
        return redirect(url_for("profile.person", ref=found.ref))  # a reference merged away (302: undoable)
    persons.view_person(found, reason=request.args.get("reason"))
    # Loaded after the audit commit, which would otherwise expire everything the page reads.
    person = person_or_404(ref)
    data = services.profile(person, current_user.role_names)
    kinds = [k for k in request.args.getlist("kind") if k in panels.TIMELINE_KINDS]
    return render_template(
        "profile/person.html",
        person=person,
        p=data,
        events=data.events,
        panels=panels.panels(
            person,
            as_of=local_today(),
            can_read_clare=can("referrals.clare_index"),
            held_orders=data.orders,
            held_tasks=data.tasks,
        ),
        timeline=panels.filter_timeline(data.timeline, kinds),
        timeline_kinds=panels.TIMELINE_KINDS,
        kinds=kinds,
        custody_endpoint=panels.CUSTODY_ENDPOINT,
        adopt_form=AdoptForm(formdata=None, data={"person_ref": person.ref, "next": request.path}),
    )


def person_or_404(ref: str):
    person = persons.get_person(ref)
    if person is None:
        abort(404)
    return person
