"""Programme referral rules: acceptance needs the screening's "meets eligibility: yes" or a recorded
override; completion needs a session attended; dropping out raises a risk review for the police."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import ValidationFailed, today
from app.extensions import db
from app.referrals.programmes import services
from app.referrals.programmes.models import SCREENING_ITEMS, ProgrammeReferral, ReferralMove
from app.tasking.models import Task
from tests.factories import make_event, make_person, make_referral, make_task

ACTOR = Actor("test-setup")


def perpetrator(ref="PR001"):
    person = make_person(ref, forenames="Gideon", surname="Crowther")
    victim = make_person(f"{ref}V", surname="Victimsurname")
    make_event(person, victim, today() - timedelta(days=30))
    return person


def screened(person, *, eligible: str):
    referral = make_referral(person, "referred")
    answers = {code: "yes" for code in SCREENING_ITEMS} | {"meets_eligibility": eligible}
    services.move(
        referral, "screened", moved_on=today(), screening=answers, expected_version=referral.version_id, actor=ACTOR
    )
    return referral


@pytest.fixture
def worker(app, make_user, login, client):
    user = make_user("rita", "referral")
    login(user)
    return user


def fresh(referral) -> ProgrammeReferral:
    db.session.expire_all()
    return db.session.get(ProgrammeReferral, referral.id)


@pytest.mark.parametrize("answer", ["no", "na"])
def test_a_referral_screened_not_eligible_cannot_be_accepted_without_a_reason(client, worker, answer):
    referral = screened(perpetrator(), eligible=answer)
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={"to_state": "accepted", "moved_on": today().isoformat(), "version_id": referral.version_id},
    )
    assert response.status_code == 400
    assert "Decline the referral, or record why it is accepted all the same." in response.get_data(as_text=True)
    assert fresh(referral).state == "screened"


def test_an_override_with_a_reason_is_recorded_on_the_move_and_in_the_audit(client, worker):
    referral = screened(perpetrator(), eligible="no")
    response = client.post(
        f"/referrals/programme/{referral.ref}/move",
        data={
            "to_state": "accepted",
            "moved_on": today().isoformat(),
            "version_id": referral.version_id,
            "override": "Provider agreed to a place after a case conference.",
        },
    )
    assert response.status_code == 302
    assert fresh(referral).state == "accepted"
    move = db.session.scalars(sa.select(ReferralMove).where(ReferralMove.to_state == "accepted")).one()
    assert move.reason == "Accepted although not screened eligible: Provider agreed to a place after a case conference."
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_ref == referral.ref).order_by(AuditEntry.id.desc())
    ).first()
    assert entry.data["eligibility_override"] == "Provider agreed to a place after a case conference."


def test_an_eligible_referral_is_accepted_without_an_override(app):
    referral = screened(perpetrator(), eligible="yes")
    services.move(referral, "accepted", moved_on=today(), expected_version=referral.version_id, actor=ACTOR)
    assert fresh(referral).state == "accepted"


def test_completion_needs_a_session_attended(app):
    referral = make_referral(perpetrator(), "started")
    services.add_attendance(referral, session_on=today(), attendance="missed", note=None, actor=ACTOR)
    with pytest.raises(ValidationFailed) as refused:
        services.move(referral, "completed", moved_on=today(), expected_version=referral.version_id, actor=ACTOR)
    assert "No session attended is recorded" in refused.value.errors["to_state"]
    db.session.rollback()
    assert fresh(referral).state == "started"
    services.add_attendance(referral, session_on=today(), attendance="attended", note=None, actor=ACTOR)
    referral = fresh(referral)
    services.move(referral, "completed", moved_on=today(), expected_version=referral.version_id, actor=ACTOR)
    assert fresh(referral).state == "completed"


def test_dropping_out_raises_a_risk_review_for_the_persons_officer(app, make_user):
    officer = make_user("pc.okafor", "officer", team="North PDA")
    person = perpetrator()
    make_task(person, owner=officer, task_type="intelligence_development", status="done", outcome="no_further_action")
    referral = make_referral(person, "started")
    services.move(
        referral,
        "dropped_out",
        moved_on=today(),
        reason="Stopped attending after week 3.",
        expected_version=referral.version_id,
        actor=ACTOR,
    )
    task = db.session.scalars(sa.select(Task).where(Task.task_type == "risk_review")).one()
    assert (task.person_id, task.owner_id, task.team_id) == (person.id, officer.id, officer.team_id)
    assert task.raised_from == referral.ref and task.priority == "high"
    assert "Stopped attending after week 3." in task.detail
    alert = db.session.scalars(sa.select(Alert).where(Alert.kind == "task_raised")).one()
    assert alert.user_id == officer.id


def test_dropping_out_with_no_officer_goes_to_the_supervisors(app):
    person = perpetrator()
    referral = make_referral(person, "started")
    services.move(
        referral,
        "dropped_out",
        moved_on=today(),
        reason="Moved away.",
        expected_version=referral.version_id,
        actor=ACTOR,
    )
    task = db.session.scalars(sa.select(Task).where(Task.task_type == "risk_review")).one()
    assert task.owner_id is None
    alert = db.session.scalars(sa.select(Alert).where(Alert.kind == "task_raised")).one()
    assert alert.role == "supervisor" and alert.user_id is None


def test_a_refused_drop_out_raises_no_task(app):
    referral = make_referral(perpetrator(), "started")
    with pytest.raises(ValidationFailed):
        services.move(referral, "dropped_out", moved_on=today(), expected_version=referral.version_id, actor=ACTOR)
    db.session.rollback()
    assert db.session.scalars(sa.select(Task)).all() == []
