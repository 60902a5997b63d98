"""DA Hub pages: the responses, record a response (the Hub's hours on the form), read one, and the
Hub's figures per week."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.base import ValidationFailed, local_zone, utcnow
from app.security import roles_required
from app.victims import bp
from app.victims.common import FIGURE_READERS, READERS, WORKERS, local_moment
from app.victims.forms import answer
from app.victims.hub import services
from app.victims.hub.forms import HubResponseForm
from app.victims.hub.models import HUB_CLOSES, HUB_EVIDENCE, HUB_OPENS
from app.victims.page.routes import actor
from app.web import show_errors

HOURS = {"opens": HUB_OPENS, "closes": HUB_CLOSES}


@bp.route("/hub")
@roles_required(*READERS)
def hub_index():
    responses = services.recent_responses()
    services.audit_view(f"viewed the DA Hub's latest responses ({len(responses)})", actor=actor())
    return render_template("victims/hub_index.html", responses=responses, hours=HOURS)


@bp.route("/hub/new", methods=["GET", "POST"])
@roles_required(*WORKERS)
def hub_new():
    form = HubResponseForm()
    if request.method == "GET":
        now = utcnow().astimezone(local_zone()).replace(second=0, microsecond=0, tzinfo=None)
        form.contact_made_at.data = now
        form.person_ref.data = request.args.get("caller", "")[:64]
    status = 200
    if form.validate_on_submit():
        values = services.HubInput(
            person_ref=form.person_ref.data,
            suspect_ref=form.suspect_ref.data,
            call_received_at=local_moment(form.call_received_at.data),
            contact_made_at=local_moment(form.contact_made_at.data),
            channel=form.channel.data,
            consent=answer(form.consent),
            dash_ref=form.dash_ref.data,
            evidence=form.evidence.data or [],
            evidence_other=form.evidence_other.data,
            crime_recorded=answer(form.crime_recorded),
            crime_event_ref=form.crime_event_ref.data,
            safeguarding_done=answer(form.safeguarding_done),
            signposting_done=answer(form.signposting_done),
            signposted_to=form.signposted_to.data,
            outcome=form.outcome.data,
            note=form.note.data,
        )
        try:
            response = services.record_response(values, actor=actor(), handled_by=current_user.display_name)
        except ValidationFailed as exc:
            show_errors(form, exc.errors)
            status = 400
        else:
            flash(
                f"Hub response {response.ref} recorded: contact made {response.minutes_to_contact} minutes after "
                "the call.",
                "success",
            )
            return redirect(url_for("victims.hub_response", ref=response.ref))
    elif form.is_submitted():
        status = 400
    return render_template("victims/hub_form.html", form=form, hours=HOURS), status


@bp.route("/hub/<ref>")
@roles_required(*READERS)
def hub_response(ref):
    response = services.get_response(ref)
    if response is None:
        abort(404)
    services.audit_view(
        f"viewed DA Hub response {response.ref} to {response.person.ref}",
        actor=actor(),
        object_ref=response.ref,
        reason=request.args.get("reason"),
    )
    response = services.get_response(ref)
    return render_template("victims/hub_response.html", r=response, evidence=HUB_EVIDENCE)


@bp.route("/hub/figures")
@roles_required(*FIGURE_READERS)
def hub_figures():
    weeks = services.weekly_figures()
    services.audit_view("viewed the DA Hub's weekly figures", actor=actor(), object_type="hub_figures")
    return render_template("victims/hub_figures.html", weeks=weeks, hours=HOURS)
