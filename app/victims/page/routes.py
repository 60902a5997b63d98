"""The victim page, finding a victim, and a victim's contact preferences and contact log.

Contact preferences and the log are served to supervisors and officers only (the roles named on
the routes); the page itself is also open to analysts, without them. Referral staff and admins
reach none of it.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit.consultation import reason_required
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, local_zone, utcnow
from app.security import roles_required
from app.victims import bp
from app.victims.common import READERS, WORKERS, find_person, is_victim, local_moment
from app.victims.contacts import services as contacts
from app.victims.contacts.forms import ContactForm, PreferencesForm
from app.victims.contacts.models import CONTACT_CHANNELS
from app.victims.forms import task_id
from app.victims.hub.models import HUB_CHANNELS, HUB_OUTCOMES
from app.victims.idva.models import IDVA_OUTCOMES
from app.victims.page import services
from app.web import form_version, page_number, show_errors


@bp.context_processor
def vocabularies():
    """The victims' vocabularies, for every victims page."""
    return {
        "contact_channels": CONTACT_CHANNELS,
        "idva_outcomes": IDVA_OUTCOMES,
        "hub_channels": HUB_CHANNELS,
        "hub_outcomes": HUB_OUTCOMES,
    }


def actor() -> Actor:
    return Actor.of(current_user)


def victim_or_404(ref: str):
    """The person with this reference, if recorded as a victim; else 404."""
    person = find_person(ref)
    if person is None or not is_victim(person):
        abort(404)
    return person


@bp.route("/")
@roles_required(*READERS)
def find():
    text = (request.args.get("q") or "").strip()
    page = page_number()
    if page is None or len(text) > 100:
        message = (
            "The page number must be a whole number from 1." if page is None else "Search with at most 100 letters."
        )
        return render_template("victims/find.html", text=text[:100], pagination=None, error=message), 400
    pagination = None
    if text:
        pagination = services.find_victims(text, page=page, per_page=current_app.config["PAGE_SIZE"], actor=actor())
    return render_template("victims/find.html", text=text, pagination=pagination, error=None)


@bp.route("/<ref>")
@roles_required(*READERS)
@reason_required("victim", ref_arg="ref")
def victim(ref):
    person = victim_or_404(ref)
    services.view_victim(person, current_user, reason=request.args.get("reason"))
    person = victim_or_404(ref)  # loaded again after the audit commit
    page = services.victim_page(person, current_user)
    return render_template("victims/victim.html", person=person, v=page)


@bp.route("/<ref>/contact-preferences", methods=["GET", "POST"])
@roles_required(*WORKERS)
def preferences(ref):
    person = victim_or_404(ref)
    held = contacts.preferences_of(person)
    form = PreferencesForm(obj=held if request.method == "GET" else None)
    if request.method == "GET":
        form.version_id.data = held.version_id if held else 0
        services.audit_contact_view(person, "opened the contact preferences of", actor=actor())
    status, conflict = 200, False
    if form.validate_on_submit():
        values = contacts.PreferencesInput(
            channels=form.channels.data or [],
            safe_phone=form.safe_phone.data,
            safe_email=form.safe_email.data,
            safe_times=form.safe_times.data,
            no_messages=form.no_messages.data,
            safe_word=form.safe_word.data,
            safety_plan_ref=form.safety_plan_ref.data,
        )
        try:
            changed = contacts.save_preferences(
                person, values, expected_version=form_version(form.version_id), actor=actor()
            )
        except EditConflict:
            held = contacts.preferences_of(person)
            form.version_id.data = held.version_id if held else 0
            form.form_errors.append(
                "Someone else saved these preferences while you were editing. Check what they saved (shown on the "
                "victim page), then save again."
            )
            status, conflict = 409, True
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Contact preferences saved." if changed else "Nothing was changed.", "success")
            return redirect(url_for("victims.victim", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("victims/preferences_form.html", form=form, person=person, conflict=conflict), status


@bp.route("/<ref>/contacts/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def new_contact(ref):
    person = victim_or_404(ref)
    form = ContactForm()
    if request.method == "GET":
        form.contacted_at.data = utcnow().astimezone(local_zone()).replace(second=0, microsecond=0, tzinfo=None)
        form.task_id.data = request.args.get("task", "")
        services.audit_contact_view(person, "opened the contact log form of", actor=actor())
    held = contacts.preferences_of(person)
    status = 200
    if form.validate_on_submit():
        values = contacts.ContactInput(
            contacted_at=local_moment(form.contacted_at.data),
            channel=form.channel.data or None,
            outcome=form.outcome.data,
            note=form.note.data,
            task_id=task_id(form.task_id.data),
        )
        try:
            contacts.log_contact(person, values, actor=actor(), made_by=current_user.display_name, user=current_user)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash("Contact logged.", "success")
            return redirect(url_for("victims.victim", ref=ref))
    elif form.is_submitted():
        status = 400
    return render_template("victims/contact_form.html", form=form, person=person, preferences=held), status
