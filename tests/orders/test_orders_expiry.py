"""The protection gap: orders ending within 7 days, order-application tasks, and expiry alerts."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today, local_zone
from app.extensions import db
from app.orders import expiry
from app.tasking.models import Task
from tests.factories import count, make_order, make_person

TODAY = local_today()


@pytest.fixture
def orders(app):
    s = make_person("P1", surname="Garside", forenames="Rufus")
    p = make_person("P2", surname="Holloway", forenames="Tamsin")
    return {
        "today": make_order(s, p, "dvpo", ref="ENDS-TODAY", starts_on=TODAY - timedelta(days=20), ends_on=TODAY),
        "seven": make_order(
            s, p, ref="ENDS-7", starts_on=TODAY - timedelta(days=200), ends_on=TODAY + timedelta(days=7)
        ),
        "eight": make_order(
            s, p, ref="ENDS-8", starts_on=TODAY - timedelta(days=200), ends_on=TODAY + timedelta(days=8)
        ),
        "ended": make_order(
            s, p, ref="ENDED", starts_on=TODAY - timedelta(days=200), ends_on=TODAY - timedelta(days=1)
        ),
        "revoked": make_order(
            s,
            p,
            ref="REVOKED",
            starts_on=TODAY - timedelta(days=200),
            ends_on=TODAY + timedelta(days=3),
            revoked_on=TODAY - timedelta(days=1),
        ),
        "open": make_order(s, p, ref="NO-END", starts_on=TODAY - timedelta(days=200)),
        "not_started": make_order(
            s, p, ref="LATER", starts_on=TODAY + timedelta(days=1), ends_on=TODAY + timedelta(days=5)
        ),
    }


@pytest.fixture
def supervisor(client, make_user, login):
    user = make_user("sgt.ward", "supervisor", team="North PDA")
    login(user)
    return user


def test_orders_in_force_ending_within_7_days_are_listed(client, supervisor, orders):
    assert [o.ref for o in expiry.expiring_orders(TODAY)] == ["ENDS-TODAY", "ENDS-7"]
    page = client.get("/orders/expiring").get_data(as_text=True)
    for ref in ("ENDS-TODAY", "ENDS-7"):
        assert f">{ref}</a>" in page
    for ref in ("ENDS-8", "ENDED", "REVOKED", "NO-END", "LATER"):
        assert f">{ref}</a>" not in page
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "search")).data["orders"] == [
        "ENDS-TODAY",
        "ENDS-7",
    ]


def test_a_supervisor_raises_one_order_application_task_per_order(client, supervisor, orders):
    response = client.post("/orders/ENDS-7/application-task")
    assert response.status_code == 302
    task = db.session.scalars(sa.select(Task)).one()
    order = orders["seven"]
    assert task.task_type == "order_application"
    assert (task.order_id, task.person_id) == (order.id, order.subject_id)
    assert task.team_id == supervisor.team_id and task.owner_id is None
    assert task.status == "open" and task.created_by_id == supervisor.id
    # Due by 17:00 UK time the day before the order ends.
    due = task.due_at.astimezone(local_zone())
    assert (due.date(), due.hour) == (order.ends_on - timedelta(days=1), 17)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "task")).object_ref == str(task.id)

    page = client.get("/orders/expiring").get_data(as_text=True)
    assert "Raised, due" in page
    # A second press raises nothing new.
    assert client.post("/orders/ENDS-7/application-task").status_code == 302
    assert count(Task) == 1


def test_an_application_task_for_an_order_ending_today_is_due_soon_not_in_the_past(client, supervisor, orders):
    before = datetime.now(UTC)
    client.post("/orders/ENDS-TODAY/application-task")
    task = db.session.scalars(sa.select(Task)).one()
    assert task.due_at >= before


def test_without_a_team_the_supervisor_holds_the_task(client, make_user, login, orders):
    user = make_user("sgt.solo", "supervisor")
    login(user)
    client.post("/orders/ENDS-7/application-task")
    task = db.session.scalars(sa.select(Task)).one()
    assert task.owner_id == user.id and task.team_id is None


@pytest.mark.parametrize("ref", ["ENDED", "NO-END", "REVOKED"])
def test_no_application_task_for_an_order_not_in_force_with_an_end_date(client, supervisor, orders, ref):
    response = client.post(f"/orders/{ref}/application-task")
    assert response.status_code == 302
    assert count(Task) == 0


def test_application_task_for_an_unknown_order_is_404(client, supervisor, orders):
    assert client.post("/orders/NOPE/application-task").status_code == 404


@pytest.mark.parametrize("role", ["officer", "analyst", "referral", "admin"])
def test_only_supervisors_see_the_protection_gap(client, make_user, login, orders, role):
    login(make_user(f"only-{role}", role))
    assert client.get("/orders/expiring").status_code == 403
    assert client.post("/orders/ENDS-7/application-task").status_code == 403
    assert count(Task) == 0


# ---- expiry alerts (the scheduler calls raise_expiry_alerts daily) -------------------------------


def test_expiry_alerts_are_raised_once_per_order_and_end_date(app, orders):
    actor = Actor("scheduler")
    raised = expiry.raise_expiry_alerts(TODAY, actor=actor)
    assert sorted(a.object_ref for a in raised) == ["ENDS-7", "ENDS-TODAY"]
    alert = db.session.scalar(sa.select(Alert).where(Alert.object_ref == "ENDS-7"))
    assert alert.kind == "order_expiring" and alert.object_type == "order"
    assert alert.due_on == TODAY + timedelta(days=7)
    assert alert.role == "supervisor"
    assert "ends on" in alert.message and "in 7 days" in alert.message and "Rufus GARSIDE" in alert.message
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "alert"))
    assert entry.username == "scheduler" and entry.data["orders"] == ["ENDS-TODAY", "ENDS-7"]

    # The job runs again (a restart, a second worker): nothing new.
    assert expiry.raise_expiry_alerts(TODAY, actor=actor) == []
    assert count(Alert) == 2

    # Tomorrow LATER is in force and ENDS-8 comes within 7 days; the others already have their alert.
    raised = expiry.raise_expiry_alerts(TODAY + timedelta(days=1), actor=actor)
    assert [a.object_ref for a in raised] == ["LATER", "ENDS-8"]
    assert count(Alert) == 4


def test_an_order_whose_end_is_varied_gets_an_alert_for_its_new_end_date(app, orders):
    actor = Actor("scheduler")
    expiry.raise_expiry_alerts(TODAY, actor=actor)
    order = orders["seven"]
    order.ends_on = TODAY + timedelta(days=5)
    db.session.commit()
    assert [(a.object_ref, a.due_on) for a in expiry.raise_expiry_alerts(TODAY, actor=actor)] == [
        ("ENDS-7", TODAY + timedelta(days=5))
    ]


def test_no_alerts_means_no_audit_entry(app):
    assert expiry.raise_expiry_alerts(TODAY, actor=Actor("scheduler")) == []
    assert count(Alert) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_the_as_of_date_decides_what_is_expiring(app, orders):
    # Four days ago ENDED and the since-revoked order were still in force and ending within 7 days.
    raised = expiry.raise_expiry_alerts(TODAY - timedelta(days=4), actor=Actor("scheduler"))
    assert sorted(a.object_ref for a in raised) == ["ENDED", "ENDS-TODAY", "REVOKED"]
    # A week from now LATER has ended and ENDS-8 is within 7 days.
    raised = expiry.raise_expiry_alerts(TODAY + timedelta(days=7), actor=Actor("scheduler"))
    assert sorted(a.object_ref for a in raised) == ["ENDS-7", "ENDS-8"]
