"""The audit log as an auditor probes it (issue 15): admins see no personal data through it (4), it
cannot be overwritten or emptied (8), and consultations are logged with before and after (9)."""

import os
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEntry
from app.audit.services import Actor, record
from app.base import today
from app.extensions import db
from tests.factories import make_clare_case, make_event, make_person

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


def entries(action=None, object_ref=None):
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    if object_ref:
        query = query.where(AuditEntry.object_ref == object_ref)
    return list(db.session.scalars(query))


# ---- 4. admins read no personal data through the log ------------------------------------------------


@pytest.fixture
def edited_person(client, make_user, login):
    """P0000017 edited by an officer: the entry holds the name before and after."""
    officer = make_user("pc.ash", "officer")
    person = make_person("P0000017", surname="Quenby", forenames="Harriet")
    with client.application.test_client() as c:
        login(officer, c)
        data = {"surname": "Quenby-Marsh", "forenames": "Harriet", "version_id": person.version_id}
        assert c.post("/persons/P0000017/edit", data=data).status_code == 302
    return person


def test_an_admin_sees_who_and_when_but_no_values(client, make_user, login, edited_person):
    login(make_user("root", "admin"))
    response = client.get("/audit/?object=P0000017")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "pc.ash" in text and "P0000017" in text and "Changed" in text
    assert "Quenby" not in text and "Harriet" not in text


def test_an_analyst_sees_the_values(client, make_user, login, edited_person):
    login(make_user("ana", "analyst"))
    text = client.get("/audit/?object=P0000017").get_data(as_text=True)
    assert "Quenby-Marsh" in text and "Quenby" in text


# ---- 8. the log cannot be overwritten or emptied -------------------------------------------------


def _held_entry() -> AuditEntry:
    entry = record("view", "original", actor=Actor("tester"))
    db.session.commit()
    return entry


COLUMNS = "(id, at, username, action, summary) VALUES (:id, CURRENT_TIMESTAMP, 'x', 'view', 'tampered')"


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(
            f"INSERT OR REPLACE INTO audit_entries {COLUMNS}",
            marks=pytest.mark.skipif(ON_POSTGRES, reason="SQLite syntax"),
        ),
        pytest.param(f"REPLACE INTO audit_entries {COLUMNS}", marks=pytest.mark.skipif(ON_POSTGRES, reason="SQLite")),
        f"INSERT INTO audit_entries {COLUMNS} ON CONFLICT (id) DO UPDATE SET summary = 'tampered'",
        pytest.param("TRUNCATE audit_entries", marks=pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL")),
        pytest.param("TRUNCATE audit_entries CASCADE", marks=pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL")),
    ],
)
def test_the_log_cannot_be_overwritten_or_emptied(app, statement):
    entry = _held_entry()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": entry.id})
    db.session.rollback()
    assert [e.summary for e in entries()] == ["original"]


@pytest.mark.skipif(not ON_POSTGRES, reason="roles and grants are PostgreSQL's")
def test_the_documented_application_role_cannot_alter_drop_or_empty_the_log(app):
    """The grants README "Security" gives the application's role, checked on a real server."""
    role = "achilles_app_test"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(sa.text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
        conn.execute(sa.text(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM {role}"))
        conn.execute(sa.text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    _held_entry()
    url = db.engine.url.set(username=role, password=None)
    engine = sa.create_engine(url)
    try:
        for statement in (
            "TRUNCATE audit_entries",
            "DROP TABLE audit_entries",
            "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_entries_no_update ON audit_entries",
            "SET session_replication_role = replica",
            "DELETE FROM audit_entries",
        ):
            with engine.connect() as conn, pytest.raises(DBAPIError):
                conn.execute(sa.text(statement))
        with engine.begin() as conn:  # it can still write the log
            conn.execute(
                sa.text("INSERT INTO audit_entries (at, username, action, summary) VALUES (now(), 'app', 'view', 'ok')")
            )
    finally:
        engine.dispose()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
    assert [e.summary for e in entries()] == ["original", "ok"]


# ---- 9. consultations logged; changes with before and after --------------------------------------------


def test_opening_a_person_to_edit_is_a_logged_consultation(client, make_user, login):
    login(make_user("pc.ash", "officer"))
    make_person("P1", surname="Quenby")
    assert client.get("/persons/P1/edit").status_code == 200
    (view,) = entries("view", "P1")
    assert view.username == "pc.ash" and "to edit" in view.summary


def test_reading_alerts_is_a_logged_consultation(client, make_user, login):
    from app.alerts.services import raise_alert

    login(make_user("ana", "analyst"))
    raise_alert(
        kind="record_review", object_type="person", object_ref="P9", due_on=today(), message="P9 due", role="analyst"
    )
    db.session.commit()
    assert "P9 due" in client.get("/alerts/").get_data(as_text=True)
    (view,) = entries("view")
    assert view.object_type == "alerts" and view.data == {"records": ["person P9"]}


def test_a_clare_decision_is_logged_with_before_and_after(app):
    from app.referrals.clares_law import services as clares_law

    subject, at_risk = make_person("S1"), make_person("V1")
    make_event(subject, at_risk, today() - timedelta(days=30))
    case = make_clare_case(subject, at_risk, application_on=today() - timedelta(days=3))
    clares_law.record_decision(
        case,
        decision="not_disclose",
        rationale="No relevant history",
        decided_on=today(),
        expected_version=case.version_id,
        actor=Actor("hub"),
    )
    entry = entries("update", case.ref)[-1]
    assert entry.data["decision"] == {"before": None, "after": "not_disclose"}
    assert entry.data["closure"] == {"before": None, "after": "not_disclosed"}


def test_an_agenda_addition_is_logged_with_the_agenda_before_and_after(app, make_user):
    from app.tasking.meetings import services as meetings

    sup = make_user("sgt", "supervisor")
    first, second = make_person("P1"), make_person("P2")
    meeting = meetings.create_meeting(
        meetings.MeetingInput(held_on=date.today(), title="Weekly tasking", agenda_size=5), user=sup
    )
    meetings.add_person(meeting, first.ref, user=sup)
    meetings.add_person(meeting, second.ref, user=sup)
    entry = entries("update", str(meeting.id))[-1]
    assert entry.data["agenda"] == {"persons": {"before": ["P1"], "after": ["P1", "P2"]}}
