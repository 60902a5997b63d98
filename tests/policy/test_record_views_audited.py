"""Every page that shows a record, opened by each role the policy table allows on it, writes exactly
one audit entry naming the record, the user and the stated reason (DPA 2018 s.62; DESIGN.md
"Audit": every view, search and export, with the reason for the consultation of a record).

The roles come from routes.csv, not from the app. Entries are matched by what they say, never by
their position in the log.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.offenders.custody import services as custody
from app.orders.breaches.services import BreachReport, log_breach
from app.ranking.services import run_ranking
from app.tasking.cohort import services as cohort
from app.tasking.meetings import services as meeting_services
from app.victims.dash import services as dash
from app.victims.dash.questions import DASH_QUESTIONS
from app.victims.hub import services as hub
from app.victims.idva import services as idva
from app.victims.visits import services as visits
from tests.factories import (
    make_clare_case,
    make_event,
    make_forum_referral,
    make_order,
    make_person,
    make_referral,
    make_task,
)
from tests.policy.policy_table import BY_KEY, ROLES, links_outside_policy, rule_of

TEAM = "North PDA"
REASON = "Breach enquiry 4471: checking history before arrest"


@pytest.fixture
def world(app, make_user):
    """One record of every kind, and one user per role."""
    t = local_today()
    users = {role: make_user(f"walk-{role}", role, team=TEAM) for role in ROLES}
    perp = make_person("WA-PERP", forenames="Gideon", surname="Walkerley")
    victim = make_person("WA-V1", forenames="Hester", surname="Walkerley")
    make_event(perp, victim, t - timedelta(days=30), "abh", ref="WA-E1", source="manual")
    order = make_order(perp, victim, ref="WA/ORD/1", starts_on=t - timedelta(days=60), ends_on=t + timedelta(days=90))
    breach = log_breach(
        order,
        BreachReport(
            occurred_at=datetime.now(UTC) - timedelta(hours=2), conditions=[1], narrative="At the door", arrested=False
        ),
        user=users["officer"],
    ).breach
    task = make_task(perp, owner=users["officer"], title="Arrest Gideon Walkerley")
    period = custody.record_period(
        perp, {"custody_from": t - timedelta(days=400), "custody_to": t - timedelta(days=200), "kind": "sentence"},
        actor=Actor("test-setup"),
    )  # fmt: skip
    run_ranking(t, "nightly", actor=Actor("test-setup"))
    meeting = meeting_services.create_meeting(
        meeting_services.MeetingInput(held_on=t, title="North PDA tasking", agenda_size=2), user=users["supervisor"]
    )
    member = cohort.adopt(perp.ref, "Serial perpetrator, two victims", user=users["supervisor"])
    referral = make_referral(perp, "referred")
    forum = make_forum_referral("marac", at_risk=victim, perpetrator=perp)
    case = make_clare_case(perp, victim, application_on=t - timedelta(days=3))
    victims = _victims_records(victim, perp, t)
    return victims | {
        "users": users,
        "person": perp.ref,
        "event": "WA-E1",
        "custody": str(period.id),
        "order": order.ref,
        "breach": breach.ref,
        "task": str(task.id),
        "meeting": str(meeting.id),
        "cohort_member": str(member.id),
        "run_as_of": t.isoformat(),
        "referral": referral.ref,
        "forum": forum.ref,
        "case": case.ref,
    }


def _victims_records(victim, perp, t) -> dict:
    """A DASH assessment, an IDVA referral, a hidden-harm visit and a Hub response for the victim."""
    actor = Actor("test-setup")
    assessment = dash.record_assessment(
        victim, dash.DashInput(assessed_on=t, answers={n: "no" for n in DASH_QUESTIONS}), actor=actor
    )
    referral = idva.refer(
        victim,
        idva.ReferralInput(referred_on=t, service="County IDVA Service", risk_level="high", consent=True),
        actor=actor,
    )
    seen = datetime.now(UTC) - timedelta(hours=3)
    visit = visits.record_visit(
        victim,
        visits.VisitInput(
            kind="hidden_harm",
            visited_at=seen,
            seen_alone=True,
            children_present=False,
            perpetrator_present=False,
            injuries_seen=False,
            dash_done=False,
            idva_offered=False,
            safety_advice_given=True,
            arrest_made=False,
        ),
        actor=actor,
        officer="PC Walk",
    )
    response = hub.record_response(
        hub.HubInput(
            person_ref=victim.ref,
            call_received_at=seen,
            contact_made_at=seen + timedelta(minutes=12),
            channel="phone",
            consent=True,
            crime_recorded=False,
            safeguarding_done=True,
            signposting_done=False,
            outcome="resolved",
        ),
        actor=actor,
    )
    return {
        "victim": victim.ref,
        "dash": assessment.ref,
        "idva": referral.ref,
        "visit": visit.ref,
        "hub": response.ref,
    }


# (path from the world, action, object type, object reference from the world, takes a reason)
PAGES = [
    ("/persons/{person}", "view", "person", "person", True),
    ("/persons/{person}/edit", "view", "person", "person", True),
    ("/persons/network/of/{person}", "view", "person", "person", True),
    ("/persons/{person}/events/{event}/edit", "view", "da_event", "event", True),
    ("/persons/{person}/custody/{custody}/edit", "view", "person", "person", True),
    ("/referrals/persons/{person}", "view", "person", "person", True),
    ("/orders/{order}", "view", "order", "order", True),
    ("/orders/{order}/edit", "view", "order", "order", True),
    ("/orders/{order}/revoke", "view", "order", "order", True),
    ("/orders/{order}/breaches/new", "view", "order", "order", True),
    ("/orders/breaches/{breach}", "view", "breach", "breach", True),
    ("/tasks/{task}", "view", "task", "task", True),
    ("/meetings/{meeting}", "view", "tasking_meeting", "meeting", True),
    ("/cohort/{cohort_member}/exit", "view", "cohort_member", "person", True),
    ("/meetings/{meeting}/pack", "export", "tasking_meeting", "meeting", False),
    ("/meetings/{meeting}/pack.csv", "export", "tasking_meeting", "meeting", False),
    ("/referrals/programme/{referral}", "view", "programme_referral", "referral", True),
    ("/referrals/forums/{forum}", "view", "forum_referral", "forum", True),
    ("/referrals/clares-law/{case}", "view", "clare_case", "case", True),
    ("/targets/export.csv", "export", "targets", "run_as_of", False),
    ("/victims/{victim}", "view", "victim", "victim", True),
    ("/victims/dash/{dash}", "view", "dash_assessment", "dash", True),
    ("/victims/idva/{idva}", "view", "idva_referral", "idva", True),
    ("/victims/visits/{visit}", "view", "victim_visit", "visit", True),
    ("/victims/hub/{hub}", "view", "hub_response", "hub", True),
    ("/audit/?object={person}", "search", "audit", None, False),
    ("/audit/", "search", "audit", None, False),
]


def allowed_roles(app, world, path: str) -> list[str]:
    """The roles routes.csv gives the rule that serves this page."""
    rule = rule_of(app, path.format(**world))
    return [role for role in ROLES if role in (BY_KEY[("GET", rule)].roles or ())]


def test_every_role_opens_some_record_page(app, world):
    assert {role for spec in PAGES for role in allowed_roles(app, world, spec[0])} == set(ROLES)


def entries_after(last_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id)))


@pytest.mark.parametrize("spec", PAGES, ids=[spec[0] for spec in PAGES])
def test_opening_a_record_writes_one_audit_entry_naming_it(app, login, world, spec):
    path, action, object_type, ref_key, takes_reason = spec
    url = path.format(**world)
    if takes_reason:
        url += "?reason=" + quote(REASON)
    for role in allowed_roles(app, world, path):
        user = world["users"][role]
        client = login(user, app.test_client())
        last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))
        response = client.get(url)
        assert response.status_code == 200, f"{role} {url}: {response.status_code}"
        new = entries_after(last)
        assert len(new) == 1, (role, [(e.action, e.object_type, e.object_ref, e.summary) for e in new])
        (entry,) = new
        expected_ref = world[ref_key] if ref_key else None
        assert (entry.action, entry.object_type, entry.object_ref) == (action, object_type, expected_ref), role
        assert (entry.user_id, entry.username) == (user.id, user.username)
        assert entry.reason == (REASON if takes_reason else None), role
        if response.mimetype == "text/html":
            assert links_outside_policy(app, response.get_data(as_text=True), role) == [], role
