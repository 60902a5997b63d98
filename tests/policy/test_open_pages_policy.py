"""The routes open to every signed-in role: what each role sees there.

The route table cannot refuse anyone on these routes, so it proves nothing about them; this file
does. The README gives referral staff programme referrals only and admins no personal records, and
DESIGN.md says who each alert goes to (order expiry and Clare's Law overdue: supervisors; an
overdue task: its holder, or the supervisors when nobody holds it; record reviews and data reported
wrong: analysts). Every user here is in the same team, so team membership cannot leak anything.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.alerts import services as alerts
from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth.services import issue_token
from app.base import local_today
from app.extensions import db
from app.offenders.retention import services as retention
from app.orders.expiry import raise_expiry_alerts
from app.referrals.clares_law.services import raise_clare_overdue_alerts
from app.tasking.tasks import deferrals
from app.tasking.tasks import requests as task_requests
from tests.factories import make_clare_case, make_event, make_lever, make_order, make_person, make_task
from tests.policy.policy_table import ROLES, links_outside_policy

TEAM = "North PDA"
NOW = datetime.now(UTC)
ACTOR = Actor("scheduler")

# Distinctive invented words, one set per alert, compared in lower case.
ORDER_ALERT = "consider applying for a new order"  # an order about to end
OWN_TASK_ALERT = "arrest zebedee at the lodge"  # an overdue task the officer holds
TEAM_TASK_ALERT = "visit marigold vantablack"  # an overdue task nobody holds yet
CLARE_ALERT = "passed its 28-day target"
REVIEW_ALERT = "op-old"  # a record due its retention review
DATA_ALERT = "reports the data is wrong"
PERSONAL = ["zebedee", "quillfeather", "marigold", "vantablack", "ozymandias", "oldcastle", "warrant kept at"]

# Who gets which alert (DESIGN.md "Scheduler", README "Scheduled jobs", decisions 12 and 14).
SEES = {
    "supervisor": {ORDER_ALERT, TEAM_TASK_ALERT, CLARE_ALERT},
    "officer": {OWN_TASK_ALERT},
    "referral": set(),
    "analyst": {REVIEW_ALERT, DATA_ALERT},
    "admin": set(),
}
ALL_ALERTS = set().union(*SEES.values())
# Links each role's home page must offer (README "Roles").
HOME_LINKS = {
    "supervisor": {"/targets", "/tasks/board", "/meetings", "/referrals/clares-law/"},
    "officer": {"/orders/log-breach", "/tasks/mine", "/persons/", "/referrals/forums/"},
    "referral": {"/referrals/"},
    "analyst": {"/targets", "/import/", "/audit/", "/persons/"},
    "admin": {"/admin/users", "/audit/", "/scoring-model"},
}


@pytest.fixture
def users(app, make_user):
    return {role: make_user(f"{role}-one", role, team=TEAM) for role in ROLES}


@pytest.fixture
def alerts_raised(app, users):
    t = local_today()
    perp = make_person("OP-PERP", forenames="Zebedee", surname="Quillfeather")
    victim = make_person("OP-V1", forenames="Marigold", surname="Vantablack")
    old = make_person("OP-OLD", forenames="Ozymandias", surname="Oldcastle")
    make_event(perp, victim, t - timedelta(days=20), "abh")
    make_event(old, victim, t - timedelta(days=365 * 11), "common_assault")  # MoPI group 2: 10 clear years
    make_lever(perp, "outstanding_warrant", t - timedelta(days=5), detail="Warrant kept at the lodge")
    make_order(perp, victim, starts_on=t - timedelta(days=100), ends_on=t + timedelta(days=3))
    make_clare_case(perp, victim, application_on=t - timedelta(days=40))
    officer = users["officer"]
    make_task(perp, owner=officer, title="Arrest Zebedee at the lodge", due_at=NOW - timedelta(hours=3))
    make_task(victim, title="Visit Marigold Vantablack", due_at=NOW - timedelta(hours=3), team=officer.team)
    wrong = make_task(perp, owner=officer, title="Check the address", due_at=NOW + timedelta(days=2))
    deferrals.defer(
        wrong, kind="data_wrong", until=None, reason="Wrong date of birth", expected_version=1, user=officer
    )
    raise_expiry_alerts(t, actor=ACTOR)
    raise_clare_overdue_alerts(t, actor=ACTOR)
    task_requests.raise_overdue_task_alerts(NOW, actor=ACTOR)
    retention.raise_review_alerts(t, actor=ACTOR)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_own_alerts_and_no_one_elses(app, login, users, alerts_raised, role):
    page = text(login(users[role], app.test_client()).get("/alerts/")).lower()
    shown = {marker for marker in ALL_ALERTS if marker in page}
    assert shown == SEES[role]
    if not SEES[role]:
        assert "no alerts for you right now." in page
        assert [word for word in PERSONAL if word in page] == []
    assert links_outside_policy(app, page, role) == []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_dismisses_its_own_alerts_only(app, login, users, role):
    for other in ROLES:
        alerts.raise_alert(
            kind="record_review",
            object_type="person",
            object_ref=f"R-{other}",
            due_on=local_today(),
            message=f"Addressed to {other}",
            user_id=users[other].id,
        )
    db.session.commit()
    mine = {a.object_ref: a.id for a in db.session.scalars(sa.select(Alert))}
    client = login(users[role], app.test_client())
    for other in ROLES:
        if other != role:
            assert client.post(f"/alerts/{mine[f'R-{other}']}/dismiss").status_code == 404, other
    assert client.post(f"/alerts/{mine[f'R-{role}']}/dismiss").status_code == 302
    db.session.expire_all()
    dismissed = list(db.session.scalars(sa.select(Alert.object_ref).where(Alert.dismissed_at.is_not(None))))
    assert dismissed == [f"R-{role}"]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert (entry.username, entry.object_ref) == (users[role].username, f"R-{role}")


@pytest.mark.parametrize("role", ROLES)
def test_the_home_page_offers_a_role_only_what_it_may_use(app, login, users, alerts_raised, role):
    page = text(login(users[role], app.test_client()).get("/"))
    assert links_outside_policy(app, page, role) == []
    assert {link for link in HOME_LINKS[role] if f'href="{link}"' not in page} == set()
    if role in ("referral", "admin"):
        assert [word for word in PERSONAL if word in page.lower()] == []


@pytest.mark.parametrize("role", ROLES)
def test_whoami_answers_with_the_callers_own_identity(app, users, role):
    token = issue_token(users[role].username, actor=Actor("test-setup"))
    response = app.test_client().get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json() == {"username": f"{role}-one", "roles": [role]}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_can_sign_out(app, login, users, role):
    client = login(users[role], app.test_client())
    assert client.post("/logout").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
