"""Home page (the dashboards of the user's roles) and the breaches list the dashboards link to.
(Health checks are in app.operations.)"""

from flask import abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.services import Actor
from app.base import local_today
from app.catalogue import ROLES
from app.extensions import db
from app.main import bp, dashboards
from app.orders.breaches.services import BREACH_OUTCOMES
from app.orders.models import Breach, Order
from app.referrals.programmes.models import REFERRAL_STATES
from app.security import roles_required
from app.tasking.tasks.requests import tasks_about
from app.web import page_number

BREACH_READERS = ("supervisor", "officer", "analyst")


@bp.route("/")
@roles_required(*ROLES)
def index():
    today = local_today()
    user = current_user
    boards = {}
    if user.has_any_role("supervisor"):
        boards["supervisor"] = dashboards.supervisor(user, today)
    if user.has_any_role("officer", "supervisor"):
        boards["officer"] = dashboards.officer(user, today)
    if user.has_any_role("referral", "supervisor"):
        boards["referral"] = dashboards.referral_steps()
    if user.has_any_role("analyst"):
        boards["analyst"] = dashboards.analyst(user)
    return render_template(
        "main/index.html", boards=boards, today=today, referral_states=REFERRAL_STATES, movers_top=dashboards.MOVERS_TOP
    )


@bp.route("/breaches")
@roles_required(*BREACH_READERS)
def breaches():
    """Breaches not yet actioned (the last 90 days), or those the user logged awaiting an outcome."""
    mine = request.args.get("mine") == "1"
    page = page_number()
    if page is None:
        abort(400)
    query = (
        dashboards.awaiting_outcome_query(current_user) if mine else dashboards.unactioned_breaches_query(local_today())
    )
    pagination = db.paginate(
        query.options(joinedload(Breach.order).joinedload(Order.subject), joinedload(Breach.event)).order_by(
            Breach.occurred_at.desc(), Breach.id.desc()
        ),
        page=page,
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    tasks = tasks_about("breach", [b.id for b in pagination.items], task_type="breach_enforcement")
    audit.record(
        "search",
        f"listed breaches {'I logged awaiting an outcome' if mine else 'not yet actioned'} ({pagination.total})",
        object_type="breach",
        data={"mine": mine, "page": page, "found": pagination.total},
        actor=Actor.of(current_user),
    )
    db.session.commit()
    return render_template(
        "main/breaches.html", pagination=pagination, tasks=tasks, mine=mine, outcomes=BREACH_OUTCOMES
    )
