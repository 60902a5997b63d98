"""IDVA referrals: recorded with consent (or a reason), the first contact and outcome, and the alert
when a high-risk referral has no first contact within 2 working days (weekends do not count)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.alerts.services import alerts_for
from app.audit.services import Actor
from app.base import utcnow
from app.extensions import db
from app.scheduler import jobs
from app.victims.idva import services as idva
from app.victims.idva.models import IdvaReferral
from tests.factories import count
from tests.victims.conftest import TODAY

MONDAY = date(2026, 11, 23)
THURSDAY, FRIDAY, SATURDAY, SUNDAY = (MONDAY + timedelta(days=n) for n in (3, 4, 5, 6))


@pytest.mark.parametrize(
    ("referred", "due"),
    [
        (MONDAY, MONDAY + timedelta(days=2)),  # Wednesday
        (THURSDAY, MONDAY + timedelta(days=7)),  # Friday, then Monday
        (FRIDAY, MONDAY + timedelta(days=8)),  # Monday, Tuesday
        (SATURDAY, MONDAY + timedelta(days=8)),  # the weekend does not count: Monday, Tuesday
        (SUNDAY, MONDAY + timedelta(days=8)),
    ],
)
def test_first_contact_is_due_two_working_days_after_the_referral(referred, due):
    assert idva.add_working_days(referred, 2) == due


def refer(person, *, on, risk="high", consent=True, actor=None, **values):
    values = idva.ReferralInput(
        referred_on=on, service="County IDVA Service", risk_level=risk, consent=consent, **values
    )
    return idva.refer(person, values, actor=actor or Actor("test"))


def test_a_friday_referral_is_not_chased_over_the_weekend_but_on_wednesday(world):
    referral = refer(world.victim, on=FRIDAY, actor=Actor.of(world.pc))
    tuesday = MONDAY + timedelta(days=8)
    assert idva.raise_first_contact_alerts(SUNDAY + timedelta(days=1), actor=Actor("scheduler")) == 0  # Monday
    assert idva.raise_first_contact_alerts(tuesday, actor=Actor("scheduler")) == 0  # still within 2 working days
    assert idva.raise_first_contact_alerts(tuesday + timedelta(days=1), actor=Actor("scheduler")) == 1  # Wednesday
    alert = db.session.scalars(sa.select(Alert)).one()
    assert (alert.kind, alert.object_ref, alert.due_on, alert.user_id) == (
        "idva_no_contact",
        referral.ref,
        tuesday,
        world.pc.id,
    )
    assert "no first contact recorded by" in alert.message and world.victim.ref in alert.message
    # Once per referral, however often the job runs.
    assert idva.raise_first_contact_alerts(tuesday + timedelta(days=2), actor=Actor("scheduler")) == 0
    assert [a.id for a in db.session.scalars(alerts_for(world.pc))] == [alert.id]


def test_no_alert_with_a_first_contact_an_outcome_or_a_lower_risk(world):
    contacted = refer(world.victim, on=MONDAY)
    idva.record_progress(
        contacted,
        first_contact_on=MONDAY + timedelta(days=3),
        outcome=None,
        outcome_on=None,
        expected_version=1,
        actor=Actor("test"),
    )  # late, but recorded: nothing to chase
    closed = refer(world.victim, on=MONDAY)
    idva.record_progress(
        closed,
        first_contact_on=None,
        outcome="not_reached",
        outcome_on=MONDAY + timedelta(days=1),
        expected_version=1,
        actor=Actor("test"),
    )
    refer(world.victim, on=MONDAY, risk="medium")
    assert idva.raise_first_contact_alerts(MONDAY + timedelta(days=10), actor=Actor("scheduler")) == 0


def test_without_a_referring_user_the_alert_goes_to_supervisors(world):
    refer(world.victim, on=MONDAY)
    assert idva.raise_first_contact_alerts(MONDAY + timedelta(days=3), actor=Actor("scheduler")) == 1
    alert = db.session.scalars(sa.select(Alert)).one()
    assert alert.role == "supervisor" and alert.user_id is None
    assert len(db.session.scalars(alerts_for(world.sup)).all()) == 1


def test_the_form_refers_and_the_referral_page_records_the_first_contact(client, login, world):
    login(world.pc)
    response = client.post(
        f"/victims/{world.victim.ref}/idva/new",
        data={
            "referred_on": TODAY.isoformat(),
            "service": "County IDVA Service",
            "risk_level": "high",
            "consent": "yes",
        },
    )
    assert response.status_code == 302
    referral = db.session.scalars(sa.select(IdvaReferral)).one()
    assert (referral.referred_by, referral.consent, referral.referred_by_id) == ("pc.okafor", True, world.pc.id)
    page = client.get(f"/victims/idva/{referral.ref}").get_data(as_text=True)
    assert f"expected by {idva.first_contact_due(referral):%d %b %Y}" in page
    response = client.post(
        f"/victims/idva/{referral.ref}",
        data={"first_contact_on": TODAY.isoformat(), "outcome": "", "outcome_on": "", "version_id": "1"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(IdvaReferral, referral.id).first_contact_on == TODAY
    # A stale form is a conflict, with nothing written.
    stale = client.post(
        f"/victims/idva/{referral.ref}",
        data={
            "first_contact_on": TODAY.isoformat(),
            "outcome": "engaged",
            "outcome_on": TODAY.isoformat(),
            "version_id": "1",
        },
    )
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(IdvaReferral, referral.id).outcome is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"consent": "no"}, "Say why the referral was made without the victim&#39;s consent"),
        ({"consent": ""}, "Say whether the victim consented"),
        ({"service": ""}, "Enter the IDVA service"),
        ({"risk_level": "extreme"}, "Choose the risk from the list"),
        ({"referred_on": (TODAY + timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"dash_ref": "ACH-D-999999"}, "Choose an assessment from the list"),
    ],
)
def test_bad_referrals_are_refused_with_a_message(client, login, world, data, message):
    login(world.pc)
    form = {"referred_on": TODAY.isoformat(), "service": "County IDVA Service", "risk_level": "high", "consent": "yes"}
    response = client.post(f"/victims/{world.victim.ref}/idva/new", data=form | data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(IdvaReferral) == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_contact_on": (MONDAY - timedelta(days=1)).isoformat()}, "first_contact_on", "before the referral"),
        ({"outcome": "engaged", "outcome_on": ""}, "outcome_on", "Enter the date of the outcome"),
        ({"outcome": "", "outcome_on": MONDAY.isoformat()}, "outcome", "Choose the outcome"),
        ({"outcome": "engaged", "outcome_on": MONDAY.isoformat()}, "first_contact_on", "engaged"),
        ({"outcome": "vanished", "outcome_on": MONDAY.isoformat()}, "outcome", "Choose an outcome from the list"),
    ],
)
def test_bad_progress_is_refused(client, login, world, data, field, message):
    referral = refer(world.victim, on=MONDAY)
    login(world.pc)
    form = {"first_contact_on": "", "outcome": "", "outcome_on": "", "version_id": "1"} | data
    response = client.post(f"/victims/idva/{referral.ref}", data=form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.expire_all()
    held = db.session.get(IdvaReferral, referral.id)
    assert (held.first_contact_on, held.outcome, held.version_id) == (None, None, 1)


def test_the_scheduled_job_raises_the_alerts(world):
    refer(world.victim, on=TODAY - timedelta(days=10))
    assert "1 IDVA first-contact alert(s)" in jobs.JOBS["idva_first_contact_alerts"].func(utcnow())
