"""Simultaneous requests, with real concurrency on both engines (SQLite, the embedded default, as well
as PostgreSQL): each request in its own thread, app context and connection, and every one of them
has read the database before any of them writes (see tests/integrity/concurrency.py).

- Two submissions of one breach form, or two API calls with one Idempotency-Key, log one breach
  (README "Breaches" and "API": a retry is safe).
- Two people saving the same record from the same version: one is saved, the other gets 409 and
  nothing of theirs is written (docs/decisions.md #8).
- Two people identifying the same person for a programme: one open referral (decision #19).
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth.services import issue_token
from app.base import local_today, local_zone
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.orders.models import Breach
from app.referrals.programmes.models import ProgrammeReferral, ReferralMove
from app.tasking.models import Task
from tests.factories import count, make_event, make_order, make_person, make_referral
from tests.integrity.concurrency import race

TODAY = local_today()


@pytest.fixture
def order(app):
    subject = make_person("RC-P1", surname="Ravensworth", forenames="Tobias", district="North")
    protected = make_person("RC-V1", surname="Lindqvist", forenames="Maja", district="North")
    make_event(subject, protected, TODAY - timedelta(days=100), "common_assault")
    return make_order(
        subject, protected, ref="RC/ORD/1", starts_on=TODAY - timedelta(days=30), ends_on=TODAY + timedelta(days=200)
    )


def signed_in(app, login, user):
    return login(user, app.test_client())


def written() -> tuple[int, int, int]:
    db.session.expire_all()
    return count(Breach), count(DAEvent), count(Task)


def test_two_simultaneous_submissions_of_one_breach_form_log_one_breach(app, login, make_user, order):
    officer = make_user("rc.officer", "officer", team="North PDA")
    # The same form, submitted twice at once (a double tap on a slow connection): one key.
    form = {
        "occurred_at": (datetime.now(local_zone()) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "conditions": ["1"],
        "narrative": "Came to the door and shouted.",
        "reported_how": "victim_999",
        "protected_person_told": "yes",
        "arrested": "no",
        "submission_key": str(uuid.uuid4()),
    }
    taps = [signed_in(app, login, officer) for _ in range(2)]
    before = written()
    outcome = race(*[lambda c=c: c.post("/orders/RC/ORD/1/breaches/new", data=form) for c in taps])
    assert outcome.writes_held, "both submissions must have checked for the key before either wrote"
    first, second = outcome.results
    assert (first.status_code, second.status_code) == (302, 302)
    assert first.headers["Location"] == second.headers["Location"]
    assert written() == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_two_simultaneous_api_calls_with_one_idempotency_key_log_one_breach(app, make_user, order):
    make_user("rc.api", "officer", team="North PDA")
    token = issue_token("rc.api", actor=Actor("test-setup"))
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    payload = {
        "order_ref": "RC/ORD/1",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "conditions": [1],
        "narrative": "Sent forty messages in an hour.",
        "arrested": False,
    }
    before = written()
    # Signing a token in writes its last use; the race is on the breach's own first write.
    outcome = race(
        *[lambda: app.test_client().post("/api/v1/breaches", json=payload, headers=headers) for _ in range(2)],
        first_write=r"^\s*INSERT INTO da_events\b",
    )
    assert outcome.writes_held
    answers = sorted(outcome.results, key=lambda r: r.status_code)
    assert [r.status_code for r in answers] == [200, 201]
    assert {r.get_json()["breach_ref"] for r in answers} == {answers[1].get_json()["breach_ref"]}
    assert {r.get_json()["event_ref"] for r in answers} == {answers[1].get_json()["event_ref"]}
    assert written() == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_two_people_saving_one_person_at_once_one_is_told_of_the_conflict(app, login, make_user):
    person = make_person("RC-P9", surname="Oakhurst", forenames="Lena")
    editors = [signed_in(app, login, make_user(f"rc.editor{n}", "officer")) for n in (1, 2)]
    surnames = ["Oakhurst-Reyes", "Oakhurst-Vance"]
    outcome = race(
        *[
            lambda c=c, s=s: c.post("/persons/RC-P9/edit", data={"surname": s, "forenames": "Lena", "version_id": "1"})
            for c, s in zip(editors, surnames, strict=True)
        ]
    )
    assert outcome.writes_held
    statuses = [r.status_code for r in outcome.results]
    assert sorted(statuses) == [302, 409]
    saved = surnames[statuses.index(302)]
    db.session.expire_all()
    fresh = db.session.get(Person, person.id)
    assert (fresh.surname, fresh.version_id) == (saved, 2)
    changes = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.object_ref == "RC-P9")
    ).all()
    assert len(changes) == 1
    # The user who lost is shown what the other saved, and keeps what they typed.
    loser = outcome.results[statuses.index(409)].get_data(as_text=True)
    assert saved in loser and surnames[statuses.index(409)] in loser


def test_two_people_moving_one_referral_at_once_one_is_told_of_the_conflict(app, login, make_user):
    perpetrator = make_person("RC-P20")
    make_event(perpetrator, make_person("RC-V20"), TODAY - timedelta(days=5))
    referral = make_referral(perpetrator, "identified")
    ref, referral_id = referral.ref, referral.id  # read here: the threads have sessions of their own
    workers = [signed_in(app, login, make_user(f"rc.worker{n}", "referral")) for n in (1, 2)]
    moves = [
        {"to_state": "referred", "programme": "drive", "reason": ""},
        {"to_state": "withdrawn", "programme": "", "reason": "Moved out of the force area"},
    ]
    outcome = race(
        *[
            lambda c=c, m=m: c.post(
                f"/referrals/programme/{ref}/move",
                data=m | {"moved_on": TODAY.isoformat(), "version_id": "1"},
            )
            for c, m in zip(workers, moves, strict=True)
        ]
    )
    assert outcome.writes_held
    statuses = [r.status_code for r in outcome.results]
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    fresh = db.session.get(ProgrammeReferral, referral_id)
    assert fresh.state == moves[statuses.index(302)]["to_state"] and fresh.version_id == 2
    rows = db.session.scalars(sa.select(ReferralMove).where(ReferralMove.referral_id == referral_id)).all()
    assert [r.to_state for r in rows] == ["identified", fresh.state]


def test_two_people_identifying_one_person_at_once_make_one_referral(app, login, make_user):
    perpetrator = make_person("RC-P30")
    make_event(perpetrator, make_person("RC-V30"), TODAY - timedelta(days=5))
    officers = [signed_in(app, login, make_user(f"rc.identifier{n}", "officer")) for n in (1, 2)]
    outcome = race(
        *[
            lambda c=c: c.post("/referrals/persons/RC-P30/identify", data={"programme": "drive", "note": ""})
            for c in officers
        ]
    )
    assert outcome.writes_held
    assert sorted(r.status_code for r in outcome.results) == [302, 400]
    db.session.expire_all()
    assert count(ProgrammeReferral) == 1
