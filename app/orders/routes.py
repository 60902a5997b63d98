"""Order register, breach logging and the protection gap: parse the form, call a service, render."""

import uuid
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, local_today, local_zone
from app.catalogue import OffenceCategory, labels
from app.offenders.persons.services import districts
from app.orders import bp, expiry, services
from app.orders.breaches import services as breach_services
from app.orders.forms import (
    BreachForm,
    BreachOutcomeForm,
    FindOrderForm,
    OrderFilterForm,
    OrderForm,
    RevokeForm,
    yes_no,
)
from app.security import roles_required
from app.web import form_version, show_errors

READERS = ("supervisor", "officer", "analyst")
EDITORS = ("supervisor", "officer")
BREACH_LOGGERS = ("officer", "supervisor")
GAP_READERS = ("supervisor",)


@bp.context_processor
def vocabularies():
    return {"breach_outcomes": breach_services.BREACH_OUTCOMES, "reported_how": breach_services.REPORTED_HOW}


def _order_or_404(ref: str):
    order = services.get_order(ref)
    if order is None:
        abort(404)
    return order


def _breach_or_404(ref: str):
    breach = breach_services.get_breach(ref)
    if breach is None:
        abort(404)
    return breach


# Service error keys that have a differently named field on the order form.
FIELD_FOR_ERROR = {"conditions": "new_conditions"}


# ---- the register -------------------------------------------------------------------------------


@bp.route("/")
@roles_required(*READERS)
def index():
    form = OrderFilterForm(request.args)
    types = services.order_type_labels()
    form.order_type.choices = {"": "Any type", **types}
    form.district.choices = {"": "Any district", **{d: d for d in districts()}}
    if request.args and not form.validate():
        return (
            render_template("orders/index.html", form=form, orders=[], total=0, page=1, pages=1, args={}, as_of=None),
            400,
        )
    filters = services.OrderFilters(
        status=form.status.data or "in_force",
        ending_within=form.ending_within.data,
        order_type=form.order_type.data or None,
        district=form.district.data or None,
        q=(form.q.data or "").strip() or None,
    )
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    per_page = current_app.config["PAGE_SIZE"]
    orders, total = services.search_orders(filters, page=page, per_page=per_page)
    pages = max(1, -(-total // per_page))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "orders/index.html",
        form=form,
        orders=orders,
        total=total,
        page=page,
        pages=pages,
        args=args,
        as_of=local_today(),
    )


def _order_form_choices(form: OrderForm) -> None:
    form.order_type.choices = {"": "Choose the type of order", **services.order_type_labels()}


def _input_from(form: OrderForm, *, creating: bool) -> services.OrderInput:
    texts = {}
    for entry in form.existing_conditions.entries:
        number = (entry.form.number.data or "").strip()
        if number.isdigit():
            texts[int(number)] = entry.form.text.data or ""
    return services.OrderInput(
        ref=(form.ref.data or None) if creating else None,
        order_type=form.order_type.data,
        subject_ref=form.subject_ref.data,
        protected_refs=services.split_refs(form.protected_refs.data),
        made_on=form.made_on.data,
        served_on=form.served_on.data,
        starts_on=form.starts_on.data,
        ends_on=None if form.until_further_order.data else form.ends_on.data,
        court=form.court.data,
        power_of_arrest=form.power_of_arrest.data,
        notes=form.notes.data,
        condition_texts=texts,
        new_conditions=services.split_conditions(form.new_conditions.data),
        confirmed=bool(form.confirm_warnings.data),
    )


def _render_order_form(form, order=None, *, warnings=None, conflict=None, status=200):
    breached = services.breached_condition_numbers(order) if order is not None else set()
    return (
        render_template(
            "orders/edit.html", form=form, order=order, warnings=warnings or {}, conflict=conflict, breached=breached
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create():
    form = OrderForm()
    _order_form_choices(form)
    if request.method == "GET":
        form.subject_ref.data = request.args.get("subject", "").strip()
        return _render_order_form(form)
    if not form.validate_on_submit():
        return _render_order_form(form, status=400)
    try:
        order = services.create_order(_input_from(form, creating=True), actor=Actor.of(current_user))
    except ValidationFailed as exc:
        show_errors(form, exc.errors, FIELD_FOR_ERROR)
        return _render_order_form(form, warnings=exc.warnings, status=400 if exc.errors else 200)
    flash(f"Order {order.ref} recorded.", "success")
    return redirect(url_for("orders.view", ref=order.ref))


def _fill_from_order(form: OrderForm, order) -> None:
    form.order_type.data = order.order_type
    form.subject_ref.data = order.subject.ref
    form.protected_refs.data = ", ".join(p.ref for p in sorted(order.protected_persons, key=lambda p: p.id))
    form.made_on.data, form.served_on.data = order.made_on, order.served_on
    form.starts_on.data, form.ends_on.data = order.starts_on, order.ends_on
    form.until_further_order.data = order.ends_on is None
    form.court.data, form.power_of_arrest.data, form.notes.data = order.court, order.power_of_arrest, order.notes
    for condition in order.conditions:
        form.existing_conditions.append_entry({"number": str(condition.number), "text": condition.text})
    form.version_id.data = order.version_id


@bp.route("/<path:ref>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(ref):
    order = _order_or_404(ref)
    form = OrderForm()
    _order_form_choices(form)
    if request.method == "GET":
        services.view_order(order, purpose="to change it", reason=request.args.get("reason"))
        _fill_from_order(form, order)
        form.change_kind.data = request.args.get("kind") if request.args.get("kind") == "variation" else None
        return _render_order_form(form, order)
    valid = form.validate_on_submit()
    if form.change_kind.data not in ("correction", "variation"):
        form.change_kind.errors = [*form.change_kind.errors, "Say whether this is a correction or a variation."]
        valid = False
    elif form.change_kind.data == "variation" and form.varied_on.data is None and not form.varied_on.errors:
        form.varied_on.errors = [*form.varied_on.errors, "Enter the date the order was varied."]
        valid = False
    if not valid:
        return _render_order_form(form, order, status=400)
    variation_on = form.varied_on.data if form.change_kind.data == "variation" else None
    try:
        diff = services.update_order(
            order,
            _input_from(form, creating=False),
            expected_version=form_version(form.version_id),
            actor=Actor.of(current_user),
            variation_on=variation_on,
        )
    except EditConflict:
        # Keep what this user typed, show what the other user saved, and let them decide.
        order = _order_or_404(ref)
        form.version_id.data = order.version_id
        return _render_order_form(form, order, conflict=services.describe(order), status=409)
    except ValidationFailed as exc:
        show_errors(form, exc.errors, FIELD_FOR_ERROR)
        return _render_order_form(form, order, warnings=exc.warnings, status=400 if exc.errors else 200)
    if not diff:
        flash("Nothing was changed.", "info")
    else:
        flash(f"Order {order.ref} {'varied' if variation_on else 'corrected'}.", "success")
    return redirect(url_for("orders.view", ref=order.ref))


@bp.route("/<path:ref>/revoke", methods=["GET", "POST"])
@roles_required(*EDITORS)
def revoke(ref):
    order = _order_or_404(ref)
    form = RevokeForm()
    if request.method == "GET":
        services.view_order(order, purpose="to revoke it", reason=request.args.get("reason"))
        form.version_id.data = order.version_id
        return render_template("orders/revoke.html", form=form, order=order, conflict=None)
    if not form.validate_on_submit():
        return render_template("orders/revoke.html", form=form, order=order, conflict=None), 400
    try:
        services.revoke_order(
            order,
            form.revoked_on.data,
            form.reason.data,
            expected_version=form_version(form.version_id),
            actor=Actor.of(current_user),
        )
    except EditConflict:
        order = _order_or_404(ref)
        form.version_id.data = order.version_id
        conflict = services.describe(order)
        return render_template("orders/revoke.html", form=form, order=order, conflict=conflict), 409
    except ValidationFailed as exc:
        show_errors(form, exc.errors, FIELD_FOR_ERROR)
        return render_template("orders/revoke.html", form=form, order=order, conflict=None), 400
    flash(f"Order {order.ref} revoked from {form.revoked_on.data:%d %b %Y}.", "success")
    return redirect(url_for("orders.view", ref=order.ref))


# ---- the protection gap -------------------------------------------------------------------------


@bp.route("/expiring")
@roles_required(*GAP_READERS)
def expiring():
    orders = expiry.expiring_orders()
    expiry.view_expiring(orders)
    tasks = expiry.open_application_tasks([o.id for o in orders])
    return render_template(
        "orders/expiring.html",
        orders=orders,
        tasks=tasks,
        days=services.PROTECTION_GAP_DAYS,
        as_of=local_today(),
    )


@bp.route("/<path:ref>/application-task", methods=["POST"])
@roles_required(*GAP_READERS)
def application_task(ref):
    # CSRFProtect has already checked the form's token: this button carries nothing else.
    order = _order_or_404(ref)
    if order.ends_on is None or not order.in_force_on(local_today()):
        flash(f"Order {order.ref} is not in force with an end date, so no application task was raised.", "warning")
        return redirect(url_for("orders.expiring"))
    task, created = expiry.raise_application_task(order, user=current_user)
    if created:
        flash(f"Task raised: {task.title}.", "success")
    else:
        flash(f"An order-application task for {order.ref} is already open.", "info")
    return redirect(url_for("orders.expiring"))


# ---- breaches -----------------------------------------------------------------------------------


@bp.route("/log-breach")
@roles_required(*BREACH_LOGGERS)
def log_breach():
    """Find the order a breach is against: by order reference, or by the subject's reference or name."""
    form = FindOrderForm(request.args)
    if "q" not in request.args:
        return render_template("orders/find.html", form=form, orders=None)
    if not form.validate():
        return render_template("orders/find.html", form=form, orders=None), 400
    exact = services.get_order(form.q.data)
    if exact is not None:
        return redirect(url_for("orders.new_breach", ref=exact.ref))
    filters = services.OrderFilters(status="all", q=form.q.data)
    orders, total = services.search_orders(filters, per_page=50)
    if total == 1 and orders[0].ref.lower() == form.q.data.lower():
        return redirect(url_for("orders.new_breach", ref=orders[0].ref))
    today = local_today()
    orders.sort(key=lambda o: not o.in_force_on(today))
    return render_template("orders/find.html", form=form, orders=orders, total=total, today=today)


def _breach_form_choices(form: BreachForm, order) -> None:
    form.conditions.choices = [SelectChoice(c.number, f"{c.number}. {c.text}") for c in order.conditions]
    form.reported_how.choices = {"": "Choose how it was reported", **breach_services.REPORTED_HOW}
    people = sorted(order.protected_persons, key=lambda p: p.id)
    form.protected_ref.choices = {"": "Choose the protected person", **{p.ref: p.full_name for p in people}}


def _valid_key(text: str | None) -> bool:
    try:
        return uuid.UUID(text or "").version == 4
    except ValueError:
        return False


@bp.route("/<path:ref>/breaches/new", methods=["GET", "POST"])
@roles_required(*BREACH_LOGGERS)
def new_breach(ref):
    order = _order_or_404(ref)
    form = BreachForm()
    _breach_form_choices(form, order)
    several = len(order.protected_persons) > 1
    if request.method == "GET":
        services.view_order(order, purpose="to log a breach", reason=request.args.get("reason"))
        now = datetime.now(local_zone())
        form.occurred_at.data = now.replace(second=0, microsecond=0, tzinfo=None)
        form.submission_key.data = BreachForm.new_key()
        return render_template("orders/breach_form.html", form=form, order=order, several=several)
    valid = form.validate_on_submit()
    if several and not form.protected_ref.data:
        form.protected_ref.errors = [
            *form.protected_ref.errors,
            "Choose which protected person this breach was against.",
        ]
        valid = False
    if not _valid_key(form.submission_key.data):
        # Without its one-time key a resend could log the breach twice: give a new key and ask again.
        form.submission_key.data = BreachForm.new_key()
        form.form_errors.append("The form was not sent correctly. Check the details and send it again.")
        valid = False
    if not valid:
        return render_template("orders/breach_form.html", form=form, order=order, several=several), 400
    report = breach_services.BreachReport(
        occurred_at=form.occurred_at.data.replace(tzinfo=local_zone()),
        conditions=list(form.conditions.data),
        narrative=form.narrative.data,
        arrested=yes_no(form.arrested.data),
        reported_how=form.reported_how.data,
        protected_person_told=yes_no(form.protected_person_told.data),
        protected_ref=(form.protected_ref.data or None) if several else None,
    )
    try:
        logged = breach_services.log_breach(order, report, user=current_user, submission_key=form.submission_key.data)
    except ValidationFailed as exc:
        show_errors(form, exc.errors, FIELD_FOR_ERROR)
        return render_template("orders/breach_form.html", form=form, order=order, several=several), 400
    breach = logged.breach
    if not logged.created:
        flash(f"Breach {breach.ref} had already been logged from this form; nothing new was saved.", "info")
    else:
        score = logged.score
        summary = f"priority {score['priority']}" if score else "not ranked"
        flash(
            f"Breach {breach.ref} logged and enforcement task raised. {order.subject.full_name} was re-scored: "
            f"{summary}.",
            "success",
        )
    return redirect(url_for("orders.breach", ref=breach.ref))


def _render_breach(breach, outcome_form=None, *, conflict=None, status=200):
    if outcome_form is None:
        outcome_form = BreachOutcomeForm()
        outcome_form.outcome.data = breach.outcome
        outcome_form.version_id.data = breach.version_id
    outcome_form.outcome.choices = {"": "Choose the outcome", **breach_services.BREACH_OUTCOMES}
    return (
        render_template(
            "orders/breach.html",
            breach=breach,
            order=breach.order,
            task=breach_services.enforcement_task(breach),
            score=breach_services.current_score(breach.event.suspect_id),
            offence_label=labels(OffenceCategory).get(breach.event.offence, breach.event.offence),
            outcome_form=outcome_form,
            conflict=conflict,
        ),
        status,
    )


@bp.route("/breaches/<ref>")
@roles_required(*READERS)
def breach(ref):
    breach = _breach_or_404(ref)
    breach_services.view_breach(breach, reason=request.args.get("reason"))
    return _render_breach(breach)


@bp.route("/breaches/<ref>/outcome", methods=["POST"])
@roles_required(*BREACH_LOGGERS)
def breach_outcome(ref):
    breach = _breach_or_404(ref)
    form = BreachOutcomeForm()
    form.outcome.choices = {"": "Choose the outcome", **breach_services.BREACH_OUTCOMES}
    if not form.validate_on_submit():
        return _render_breach(breach, form, status=400)
    try:
        score = breach_services.record_outcome(
            breach, form.outcome.data, expected_version=form_version(form.version_id), user=current_user
        )
    except EditConflict:
        breach = _breach_or_404(ref)
        saved = breach_services.BREACH_OUTCOMES.get(breach.outcome, "none")
        form.version_id.data = breach.version_id
        return _render_breach(breach, form, conflict=saved, status=409)
    except ValidationFailed as exc:
        show_errors(form, exc.errors, FIELD_FOR_ERROR)
        return _render_breach(breach, form, status=400)
    label = breach_services.BREACH_OUTCOMES[form.outcome.data].lower()
    summary = f"priority {score['priority']}" if score else "not ranked"
    flash(f"Outcome recorded: {label}. The subject was re-scored: {summary}.", "success")
    return redirect(url_for("orders.breach", ref=breach.ref))


@bp.route("/<path:ref>")
@roles_required(*READERS)
def view(ref):
    order = _order_or_404(ref)
    services.view_order(order, reason=request.args.get("reason"))
    today = local_today()
    return render_template(
        "orders/view.html",
        order=order,
        breaches=breach_services.breaches_of(order),
        breached=services.breached_condition_numbers(order),
        history=services.order_history(order),
        in_force=order.in_force_on(today),
        ending_soon=order.ends_on is not None
        and order.in_force_on(today)
        and (order.ends_on - today).days <= services.PROTECTION_GAP_DAYS,
        today=today,
    )
