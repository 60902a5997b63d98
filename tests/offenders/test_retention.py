"""MoPI review (issue 15, item 13): review groups from the most serious offence, what is due, decisions
recorded by an analyst, and disposal that anonymises while keeping counts and the audit trail."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import ValidationFailed, today
from app.extensions import db
from app.offenders.models import Address, DAEvent, Person, PersonAlias
from app.offenders.retention import services as retention
from app.offenders.retention.models import ReviewDecision
from app.orders.models import Breach
from tests.factories import count, make_event, make_lever, make_order, make_person, make_task

ACTOR = Actor("reviewer")
TODAY = today()


def years_ago(n: int, days: int = 0) -> date:
    return retention.add_years(TODAY, -n) - timedelta(days=days)


def status(person):
    return retention.status_of(person)


@pytest.mark.parametrize(
    ("offence", "group", "years"),
    [("rape", 1, 10), ("strangulation", 1, 10), ("abh", 2, 10), ("coercive_control", 2, 10), ("harassment", 3, 6)],
)
def test_the_group_comes_from_the_most_serious_offence(app, offence, group, years):
    suspect, victim = make_person("S1"), make_person("V1")
    make_event(suspect, victim, date(2010, 5, 1), "harassment")
    make_event(suspect, victim, date(2012, 3, 1), offence)
    found = status(suspect)
    assert found.group == group
    assert found.due_on == date(2012 + years, 3, 1)
    # The victim is reviewed as "other" (group 3) from their latest event.
    assert status(victim).group == 3 and status(victim).due_on == date(2018, 3, 1)


def test_the_due_list_shows_what_is_due_and_a_new_event_restarts_the_clear_period(app, client, make_user, login):
    old, recent, serious = make_person("OLD"), make_person("NEW"), make_person("SER")
    victim = make_person("V")
    make_event(old, victim, years_ago(7), "criminal_damage")  # group 3: due after 6 years
    make_event(serious, victim, years_ago(7), "gbh")  # group 1: not due until 10 years
    make_event(recent, victim, years_ago(1), "harassment")
    login(make_user("ana", "analyst"))
    text = client.get("/persons/reviews").get_data(as_text=True)
    assert "/persons/OLD/review" in text and "/persons/SER/review" not in text and "/persons/NEW/review" not in text
    make_event(old, make_person("V2"), TODAY - timedelta(days=10), "criminal_damage")
    assert "/persons/OLD/review" not in client.get("/persons/reviews").get_data(as_text=True)


def test_an_analyst_retains_with_a_reason_and_next_review_date(app, client, make_user, login):
    person = make_person("OLD")
    make_event(person, make_person("V"), years_ago(7), "harassment")
    login(make_user("ana", "analyst"))
    assert client.get("/persons/OLD/review").status_code == 200
    bad = client.post("/persons/OLD/review", data={"decision": "retain", "reason": "Still linked to a live case"})
    assert bad.status_code == 400 and "next review" in bad.get_data(as_text=True)
    too_late = (TODAY + timedelta(days=365 * 7)).isoformat()
    bad = client.post(
        "/persons/OLD/review", data={"decision": "retain", "reason": "Live case", "next_review_on": too_late}
    )
    assert bad.status_code == 400
    next_review = (TODAY + timedelta(days=365)).isoformat()
    ok = client.post(
        "/persons/OLD/review", data={"decision": "retain", "reason": "Live case", "next_review_on": next_review}
    )
    assert ok.status_code == 302
    (decision,) = db.session.scalars(sa.select(ReviewDecision)).all()
    assert (decision.decision, decision.review_group, decision.decided_by_name) == ("retain", 3, "ana")
    assert status(person).due_on == TODAY + timedelta(days=365)
    assert "/persons/OLD/review" not in client.get("/persons/reviews").get_data(as_text=True)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.summary.startswith("MoPI review"))).one()
    assert entry.reason == "Live case" and entry.object_ref == "OLD"


def test_disposal_anonymises_and_keeps_counts_and_the_audit_trail(app, client, make_user, login):
    person = make_person("OLD", surname="Quenby", forenames="Harriet", date_of_birth=date(1970, 2, 3), pnc_id="90/1A")
    victim = make_person("V", surname="Marsh")
    event = make_event(person, victim, years_ago(7), "harassment", narrative="Harriet shouted at the door")
    db.session.add_all(
        [PersonAlias(person_id=person.id, surname="Q", forenames="Hattie"), Address(person_id=person.id, text="1 Lane")]
    )
    db.session.commit()
    make_lever(person, "benefits", years_ago(8), detail="Claims at Quarry Lane")
    order = make_order(person, victim, starts_on=years_ago(7, days=-10), ends_on=years_ago(6))
    task = make_task(person, title="Arrest Harriet QUENBY", detail="Lives with her sister")
    events_before = count(DAEvent)
    login(make_user("ana", "analyst"))
    response = client.post("/persons/OLD/review", data={"decision": "dispose", "reason": "Clear for 7 years"})
    assert response.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Person, person.id)
    assert (kept.surname, kept.forenames, kept.date_of_birth, kept.pnc_id) == ("Disposed", "Record", None, None)
    assert kept.aliases == [] and kept.addresses == []
    assert db.session.get(DAEvent, event.id).narrative is None
    assert count(DAEvent) == events_before and db.session.get(DAEvent, event.id).offence == "harassment"
    from app.tasking.models import Task

    saved_task = db.session.get(Task, task.id)
    assert "QUENBY" not in saved_task.title and saved_task.detail is None
    assert db.session.get(type(order), order.id) is not None
    disposal = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "dispose")).one()
    assert disposal.object_ref == "OLD" and "Harriet" not in str(disposal.data)
    # The earlier audit trail is untouched (it still says who did what before).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 2
    assert "/persons/OLD/review" not in client.get("/persons/reviews").get_data(as_text=True)
    profile = client.get("/persons/OLD").get_data(as_text=True)
    assert "Harriet" not in profile and "Quenby" not in profile.title()
    assert count(Breach) == 0


def test_nothing_is_disposed_of_before_its_time_or_without_a_reason(app):
    group1 = make_person("G1", date_of_birth=date(1950, 1, 1))
    make_event(group1, make_person("V1"), years_ago(12), "rape")
    with pytest.raises(ValidationFailed, match="100th birthday"):
        retention.record_decision(group1, "dispose", "Old", None, actor=ACTOR)
    young = make_person("G3")
    make_event(young, make_person("V3"), years_ago(2), "harassment")
    with pytest.raises(ValidationFailed, match="not due"):
        retention.record_decision(young, "dispose", "Tidy up", None, actor=ACTOR)
    with pytest.raises(ValidationFailed, match="reason"):
        retention.record_decision(young, "retain", "", TODAY + timedelta(days=30), actor=ACTOR)
    assert count(ReviewDecision) == 0
    assert db.session.get(Person, young.id).surname != "Disposed"
    centenarian = make_person("G100", date_of_birth=retention.add_years(TODAY, -101))
    make_event(centenarian, make_person("V100"), years_ago(12), "gbh")
    retention.record_decision(centenarian, "dispose", "Subject over 100", None, actor=ACTOR)
    assert db.session.get(Person, centenarian.id).surname == "Disposed"


def test_the_scheduled_job_alerts_analysts_to_records_due(app):
    person = make_person("OLD")
    make_event(person, make_person("V"), years_ago(11), "abh")
    assert retention.raise_review_alerts(TODAY, actor=ACTOR) >= 1
    alert = db.session.scalars(sa.select(Alert).where(Alert.object_ref == "OLD")).one()
    assert alert.role == "analyst" and "Group 2" in alert.message.title()
    assert retention.raise_review_alerts(TODAY, actor=ACTOR) == 0  # once per record and due date


@pytest.mark.parametrize("role", ["officer", "supervisor", "admin", "referral"])
def test_only_analysts_review(client, make_user, login, role):
    make_person("OLD")
    login(make_user(f"only-{role}", role))
    assert client.get("/persons/reviews").status_code == 403
    assert client.post("/persons/OLD/review", data={"decision": "dispose", "reason": "x"}).status_code == 403


def test_the_quick_start_has_records_due_and_duplicates_to_look_at(app, client, make_user, login):
    from app.demo import reviews as register

    assert "already" not in register.seed(today=TODAY, seed=7, actor=ACTOR)
    assert "already present" in register.seed(today=TODAY, seed=7, actor=ACTOR)
    login(make_user("ana", "analyst"))
    reviews = client.get("/persons/reviews").get_data(as_text=True)
    assert reviews.count('/review"') >= 4  # groups 3 and 2 past their clear periods
    duplicates = client.get("/persons/duplicates").get_data(as_text=True)
    assert all(f"/persons/merge?a=DEMO-R-D{i}A&amp;b=DEMO-R-D{i}B" in duplicates for i in range(1, 6))
