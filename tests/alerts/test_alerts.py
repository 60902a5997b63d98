"""Alerts raised by the scheduled jobs, and the inbox where people see and dismiss them."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.alerts import services
from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth import services as auth_services
from app.auth.models import LoginAttempt
from app.extensions import db
from app.offenders.retention import services as retention
from app.tasking.models import Task
from app.tasking.tasks import requests as tasks_services
from tests.factories import make_event, make_person

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
ACTOR = Actor("scheduler")


def add_task(owner=None, due=NOW - timedelta(hours=2), status="open", **values):
    task = Task(
        task_type="arrest",
        title=values.pop("title", "Arrest the subject"),
        due_at=due,
        status=status,
        owner_id=owner.id if owner else None,
        team_id=owner.team_id if owner else None,
        version_id=1,
        **values,
    )
    db.session.add(task)
    db.session.commit()
    return task


def test_overdue_open_tasks_raise_one_alert_each_for_their_owner(app, make_user):
    officer = make_user("pc1", "officer", team="Team North")
    overdue = add_task(officer, title="Overdue one")
    add_task(officer, due=NOW + timedelta(hours=1), title="Not yet due")
    add_task(officer, status="done", outcome="arrested", title="Done already")
    add_task(officer, deferred_until=NOW.date() + timedelta(days=3), title="Snoozed")
    unowned = add_task(None, title="Nobody's")
    assert tasks_services.raise_overdue_task_alerts(NOW, actor=ACTOR) == 2
    assert tasks_services.raise_overdue_task_alerts(NOW + timedelta(hours=1), actor=ACTOR) == 0  # idempotent
    alerts = {a.object_ref: a for a in db.session.scalars(sa.select(Alert))}
    assert set(alerts) == {str(overdue.id), str(unowned.id)}
    assert alerts[str(overdue.id)].user_id == officer.id and "Overdue one" in alerts[str(overdue.id)].message
    assert alerts[str(unowned.id)].role == "supervisor"


def test_record_review_is_due_after_a_six_year_clear_period_for_other_offences(app):
    old, recent, victim = make_person("P-OLD"), make_person("P-NEW"), make_person("P-V")
    make_event(old, victim, date(2019, 1, 10), "harassment")  # MoPI group 3: 6-year clear period
    make_event(recent, victim, date(2025, 6, 1), "harassment")
    assert retention.raise_review_alerts(date(2026, 11, 21), actor=ACTOR) == 1
    (alert,) = db.session.scalars(sa.select(Alert)).all()
    # The victim shares a recent event, so only the old suspect's record is due.
    assert (alert.object_ref, alert.role, alert.due_on) == ("P-OLD", "analyst", date(2025, 1, 10))
    assert retention.raise_review_alerts(date(2026, 11, 22), actor=ACTOR) == 0


def test_old_sign_in_attempts_are_pruned(app):
    db.session.add_all(
        [
            LoginAttempt(username="a", success=False, at=NOW - timedelta(days=91)),
            LoginAttempt(username="b", success=True, at=NOW - timedelta(days=89)),
        ]
    )
    db.session.commit()
    assert auth_services.prune_login_attempts(NOW, actor=ACTOR) == 1
    assert list(db.session.scalars(sa.select(LoginAttempt.username))) == ["b"]


def test_inbox_shows_a_users_own_team_and_role_alerts_only(client, make_user, login):
    officer = make_user("pc2", "officer", team="Team North")
    other = make_user("pc3", "officer", team="Team South")
    mine = add_task(officer, title="Visit the protected person")
    theirs = add_task(other, title="Serve the warrant")
    tasks_services.raise_overdue_task_alerts(NOW, actor=ACTOR)
    services.raise_alert(
        kind="order_expiring",
        object_type="order",
        object_ref="O1",
        due_on=NOW.date(),
        message="Order O1 ends soon",
        role="supervisor",
    )
    db.session.commit()
    login(officer)
    text = client.get("/alerts/").get_data(as_text=True)
    assert "Visit the protected person" in text
    assert "Serve the warrant" not in text and "Order O1 ends soon" not in text
    their_alert = db.session.scalars(sa.select(Alert).where(Alert.object_ref == str(theirs.id))).one()
    assert client.post(f"/alerts/{their_alert.id}/dismiss").status_code == 404
    my_alert = db.session.scalars(sa.select(Alert).where(Alert.object_ref == str(mine.id))).one()
    assert client.post(f"/alerts/{my_alert.id}/dismiss").status_code == 302
    assert "No alerts for you right now." in client.get("/alerts/").get_data(as_text=True)
    assert "Visit the protected person" in client.get("/alerts/?dismissed=1").get_data(as_text=True)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.username == "pc2", AuditEntry.action == "update")
    ).one()
    assert "alert dismissed" in entry.summary


def test_supervisors_see_role_alerts(client, make_user, login):
    services.raise_alert(
        kind="order_expiring",
        object_type="order",
        object_ref="O1",
        due_on=NOW.date(),
        message="Order O1 ends soon",
        role="supervisor",
    )
    db.session.commit()
    login(make_user("sgt1", "supervisor"))
    assert "Order O1 ends soon" in client.get("/alerts/").get_data(as_text=True)
