"""A reason when a record is consulted (issue 15, item 12; DPA 2018 s.62): asked the first time in a
session, not asked for the user's own work, carried on the audit entry, searchable."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.base import today
from app.extensions import db
from app.ranking import services as ranking
from tests.factories import make_event, make_person, make_referral, make_task

REASON_FORM = "Why are you opening"


@pytest.fixture(scope="module")
def asking(database, _session_app):
    """The app as it runs for real: the reason form on."""
    return database.make_app(ASK_CONSULTATION_REASON=True)


@pytest.fixture
def signed_in(app, asking, make_user, login):
    def _signed_in(username, *roles, **kwargs):
        user = make_user(username, *roles, **kwargs)
        return user, login(user, asking.test_client())

    return _signed_in


@pytest.fixture
def perpetrator(app):
    person = make_person("P1", surname="Quenby", forenames="Harriet")
    make_event(person, make_person("V1", surname="Marsh"), today() - timedelta(days=20))
    return person


def views(ref):
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "view", AuditEntry.object_ref == ref)
            .order_by(AuditEntry.id)
        )
    )


def test_the_first_opening_in_a_session_asks_why_and_the_reason_is_on_the_entry(signed_in, perpetrator):
    _, c = signed_in("pc.ash", "officer")
    first = c.get("/persons/P1")
    text = first.get_data(as_text=True)
    assert first.status_code == 200 and REASON_FORM in text
    assert (
        "QUENBY" not in text and "Harriet" not in text and views("P1") == []
    )  # nothing of the record shown before a reason
    stated = c.post(
        "/audit/reason",
        data={
            "reason": "safeguarding",
            "detail": "Neighbour's call",
            "object_type": "person",
            "object_ref": "P1",
            "next": "/persons/P1",
        },
    )
    assert stated.status_code == 302 and stated.headers["Location"] == "/persons/P1"
    profile = c.get("/persons/P1")
    assert profile.status_code == 200 and "Harriet QUENBY" in profile.get_data(as_text=True)
    (view,) = views("P1")
    assert (view.reason_code, view.reason) == ("safeguarding", "Neighbour's call")
    # Not asked again in the same session; each later view carries the same reason.
    assert REASON_FORM not in c.get("/persons/P1").get_data(as_text=True)
    assert [v.reason_code for v in views("P1")] == ["safeguarding", "safeguarding"]


def test_a_new_session_asks_again(app, asking, signed_in, login, perpetrator):
    user, c = signed_in("pc.ash", "officer")
    c.get("/persons/P1")
    c.post("/audit/reason", data={"reason": "breach", "object_type": "person", "object_ref": "P1", "next": "/"})
    assert REASON_FORM not in c.get("/persons/P1").get_data(as_text=True)
    c.post("/logout")
    again = login(user, c)
    assert REASON_FORM in again.get("/persons/P1").get_data(as_text=True)
    other_record = make_person("P2")
    assert REASON_FORM in again.get(f"/persons/{other_record.ref}").get_data(as_text=True)


def test_a_reason_must_be_chosen_from_the_list(signed_in, perpetrator):
    _, c = signed_in("pc.ash", "officer")
    for data in ({}, {"reason": "curiosity"}, {"reason": "breach", "detail": "x" * 501}):
        response = c.post("/audit/reason", data={"object_type": "person", "object_ref": "P1", "next": "/"} | data)
        assert response.status_code == 400
    assert REASON_FORM in c.get("/persons/P1").get_data(as_text=True)
    # An off-site return address is never followed.
    response = c.post(
        "/audit/reason",
        data={"reason": "breach", "object_type": "person", "object_ref": "P1", "next": "//evil.example/x"},
    )
    assert response.headers["Location"] == "/"


def test_no_reason_is_asked_for_a_person_in_the_users_own_open_task(signed_in, perpetrator):
    user, c = signed_in("pc.ash", "officer")
    make_task(perpetrator, owner=user)
    response = c.get("/persons/P1")
    assert response.status_code == 200 and REASON_FORM not in response.get_data(as_text=True)
    (view,) = views("P1")
    assert view.reason_code == "own_work" and "open task" in view.reason


def test_a_task_held_by_someone_else_does_not_exempt(signed_in, make_user, perpetrator):
    make_task(perpetrator, owner=make_user("pc.other", "officer"))
    _, c = signed_in("pc.ash", "officer")
    assert REASON_FORM in c.get("/persons/P1").get_data(as_text=True)


def test_no_reason_is_asked_for_a_person_in_the_users_own_open_referral(app, signed_in, perpetrator):
    from app.audit.services import Actor
    from app.referrals.programmes import services as referrals

    user, c = signed_in("pc.ash", "officer")
    referrals.identify(perpetrator, actor=Actor.of(user))
    assert REASON_FORM not in c.get("/persons/P1").get_data(as_text=True)
    assert views("P1")[0].reason_code == "own_work"
    other = make_person("P3")
    make_event(other, make_person("V3"), today())
    make_referral(other)  # someone else's referral exempts nobody
    assert REASON_FORM in c.get("/persons/P3").get_data(as_text=True)


def test_an_export_asks_why_once_and_the_export_entry_carries_it(app, signed_in, perpetrator):
    ranking.run_ranking(today(), "manual", actor=__import__("app.audit.services", fromlist=["Actor"]).Actor("t"))
    _, c = signed_in("ana", "analyst")
    first = c.get("/targets/export.csv")
    assert first.status_code == 200 and REASON_FORM in first.get_data(as_text=True)
    c.post(
        "/audit/reason",
        data={"reason": "tasking", "object_type": "export", "object_ref": "target-list", "next": "/targets/export.csv"},
    )
    csv = c.get("/targets/export.csv")
    assert csv.mimetype == "text/csv" and "P1" in csv.get_data(as_text=True)
    export = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert export.reason_code == "tasking"


def test_the_log_is_searched_by_reason_user_and_person(app, signed_in, perpetrator):
    _, officer = signed_in("pc.ash", "officer")
    officer.get("/persons/P1")
    officer.post(
        "/audit/reason",
        data={
            "reason": "safeguarding",
            "detail": "Call from the refuge",
            "object_type": "person",
            "object_ref": "P1",
            "next": "/persons/P1",
        },
    )
    officer.get("/persons/P1")
    _, analyst = signed_in("ana", "analyst")
    text = analyst.get("/audit/?reason=safeguarding&user=pc.ash&object=P1").get_data(as_text=True)
    assert "Call from the refuge" in text and "viewed person P1" in text
    assert "No audit entries match" in analyst.get("/audit/?reason=disclosure").get_data(as_text=True)
    assert "viewed person P1" in analyst.get("/audit/?reason=refuge").get_data(as_text=True)  # words of a reason
    _, admin = signed_in("root", "admin")
    shown = admin.get("/audit/?reason=safeguarding&object=P1").get_data(as_text=True)
    assert "Safeguarding" in shown and "pc.ash" in shown
    assert "Call from the refuge" not in shown  # the words may name people: analysts only
    assert "No audit entries match" in admin.get("/audit/?reason=refuge").get_data(as_text=True)


def test_a_victims_page_asks_why_first_and_the_reason_is_on_the_entry(signed_in, perpetrator):
    _, c = signed_in("pc.birch", "officer")
    first = c.get("/victims/V1")
    assert first.status_code == 200 and REASON_FORM in first.get_data(as_text=True)
    assert "MARSH" not in first.get_data(as_text=True).upper().replace("WHY ARE YOU OPENING", "")
    assert views("V1") == []
    data = {"reason": "safeguarding", "detail": "", "object_type": "victim", "object_ref": "V1", "next": "/victims/V1"}
    assert c.post("/audit/reason", data=data).status_code == 302
    page = c.get("/victims/V1")
    assert page.status_code == 200 and REASON_FORM not in page.get_data(as_text=True)
    [entry] = views("V1")
    assert entry.reason_code == "safeguarding"
