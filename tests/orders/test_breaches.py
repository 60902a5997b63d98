"""Logging a breach from the web: the breach → DA event → task → re-score chain, double submissions,
every validation path, breach outcomes and the "Log a breach" entry point."""

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import g

from app.audit.models import AuditEntry
from app.auth.models import User
from app.base import local_today, local_zone
from app.catalogue import EVENT_OUTCOMES
from app.extensions import db
from app.imports.services import check_files
from app.offenders.models import DAEvent, PersonCategory
from app.orders import services as order_services
from app.orders.breaches import services as breaches
from app.orders.models import Breach
from app.ranking import services as ranking
from app.ranking.models import ScoreRow, ScoreRun, ScoringModel
from app.tasking.models import Task
from tests.factories import count, make_event, make_order, make_person

TODAY = local_today()
YESTERDAY_10AM = (TODAY - timedelta(days=1)).isoformat() + "T10:00"


@pytest.fixture
def people(app):
    subject = make_person("P10", surname="Ashworth", forenames="Dominic", district="North")
    protected = make_person("P20", surname="Bellamy", forenames="Freya", district="North")
    rival = make_person("P30", surname="Crowther", forenames="Gideon", district="South")
    rivals_victim = make_person("P40", surname="Dunmore", forenames="Hazel")
    # The subject: one common assault about 200 days ago (priority 20).
    make_event(subject, protected, TODAY - timedelta(days=200), "common_assault", ref="E-OLD")
    # Someone ranked above him: an ABH a month ago (priority 55).
    make_event(rival, rivals_victim, TODAY - timedelta(days=30), "abh", ref="E-RIVAL")
    return {"subject": subject, "protected": protected, "rival": rival, "rivals_victim": rivals_victim}


@pytest.fixture
def order(people):
    return make_order(
        people["subject"],
        people["protected"],
        "non_molestation",
        ref="NMO/2026/77",
        starts_on=TODAY - timedelta(days=60),
        ends_on=TODAY + timedelta(days=120),
        conditions=("Not to contact Freya Bellamy", "Not to go to 12 Larch Close", "Not to post about her"),
    )


@pytest.fixture
def officer(client, make_user, login):
    user = make_user("pc.okafor", "officer", team="North PDA")
    login(user)
    return user


def breach_form(**changes) -> dict:
    data = {
        "occurred_at": YESTERDAY_10AM,
        "conditions": ["1", "2"],
        "narrative": "Came to the house at 10am and shouted through the letterbox.",
        "reported_how": "victim_999",
        "protected_person_told": "yes",
        "arrested": "no",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def written() -> tuple[int, int, int]:
    return count(Breach), count(DAEvent), count(Task)


def position(person_ref: str) -> int | None:
    ranked = [s.person_ref for s in ranking.compute_ranking(TODAY)]
    return ranked.index(person_ref) + 1 if person_ref in ranked else None


# ---- the chain ----------------------------------------------------------------------------------


def test_logging_a_breach_makes_an_event_a_task_and_a_new_score_at_once(client, officer, people, order):
    assert (position("P30"), position("P10")) == (1, 2)
    runs_before = count(ScoreRun)

    form = client.get("/orders/NMO/2026/77/breaches/new")
    assert form.status_code == 200
    key = re.search(r'name="submission_key" type="hidden" value="([0-9a-f-]{36})"', form.get_data(as_text=True))
    assert key, "the form carries a one-time submission key"
    started = datetime.now(UTC)
    response = client.post("/orders/NMO/2026/77/breaches/new", data=breach_form(submission_key=key.group(1)))
    assert response.status_code == 302

    breach = db.session.scalars(sa.select(Breach)).one()
    assert response.headers["Location"] == f"/orders/breaches/{breach.ref}"
    assert re.fullmatch(r"ACH-B-\d{6}", breach.ref)
    assert breach.occurred_at == datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=local_zone()) - timedelta(
        days=1
    )
    assert sorted(c.number for c in breach.conditions) == [1, 2]
    assert breach.reported_how == "victim_999" and breach.protected_person_told is True
    assert breach.arrested is False and breach.outcome is None
    assert breach.logged_by_id == officer.id
    assert breach.submission_key == f"{officer.id}:{key.group(1)}"

    event = breach.event
    assert re.fullmatch(r"ACH-E-\d{6}", event.ref)
    assert event.offence == "breach_criminal_order"  # breach of a non-molestation order is an offence
    assert (event.suspect_id, event.victim_id) == (people["subject"].id, people["protected"].id)
    assert event.occurred_on == TODAY - timedelta(days=1)
    assert event.source == "breach" and event.outcome == "ongoing"
    assert event.district == "North"
    assert event.relationship_type == "partner"  # from the earlier event between them
    assert event.narrative == breach.narrative

    task = db.session.scalars(sa.select(Task)).one()
    assert task.task_type == "breach_enforcement"
    assert (task.breach_id, task.order_id, task.person_id) == (breach.id, order.id, people["subject"].id)
    assert task.team_id == officer.team_id and task.owner_id is None
    assert task.status == "open" and task.priority == "high"
    assert timedelta(hours=24) <= task.due_at - started <= timedelta(hours=24, minutes=1)

    assert db.session.get(PersonCategory, (people["subject"].id, "suspect")) is not None
    audited = {(e.object_type, e.action) for e in db.session.scalars(sa.select(AuditEntry))}
    assert {("breach", "create"), ("task", "create"), ("score_run", "create")} <= audited

    # Re-scored at once: a partial run for the subject, and he now heads the ranked list.
    assert count(ScoreRun) == runs_before + 1
    run = db.session.scalars(sa.select(ScoreRun).order_by(ScoreRun.id.desc())).first()
    assert run.partial and run.trigger == "breach"
    row = db.session.scalars(sa.select(ScoreRow).where(ScoreRow.run_id == run.id)).one()
    assert (row.person_id, row.priority) == (people["subject"].id, 70)
    assert row.levers == {"breach_unactioned": 20}
    assert (position("P10"), position("P30")) == (1, 2)

    # The officer sees the new score and the task.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "re-scored: priority 70" in page
    assert "Priority 70" in page
    assert "Enforce breach " + breach.ref in page
    assert "North PDA team (to be allocated)" in page
    assert event.ref in page


def test_a_civil_breach_is_a_civil_event_with_a_72_hour_task(client, officer, people):
    make_order(
        people["subject"],
        people["protected"],
        "dvpo",
        ref="DVPO/5",
        starts_on=TODAY - timedelta(days=3),
        ends_on=TODAY + timedelta(days=20),
    )
    started = datetime.now(UTC)
    assert client.post("/orders/DVPO/5/breaches/new", data=breach_form(conditions=["1"])).status_code == 302
    breach = db.session.scalars(sa.select(Breach)).one()
    assert breach.event.offence == "breach_civil_order"
    task = db.session.scalars(sa.select(Task)).one()
    assert timedelta(hours=72) <= task.due_at - started <= timedelta(hours=72, minutes=1)
    assert task.priority == "normal"


def test_an_arrest_at_the_time_gives_the_event_the_outcome_arrest(client, officer, people, order):
    assert client.post("/orders/NMO/2026/77/breaches/new", data=breach_form(arrested="yes")).status_code == 302
    breach = db.session.scalars(sa.select(Breach)).one()
    assert breach.arrested is True and breach.outcome == "arrest"
    assert breach.event.outcome == "arrest"
    # Already actioned: no breach_unactioned lever.
    assert ranking.score_one(people["subject"].id, TODAY).levers == {}


def test_an_officer_without_a_team_holds_the_task(client, make_user, login, people, order):
    user = make_user("pc.solo", "officer")
    login(user)
    assert client.post("/orders/NMO/2026/77/breaches/new", data=breach_form()).status_code == 302
    task = db.session.scalars(sa.select(Task)).one()
    assert task.owner_id == user.id and task.team_id is None


def test_a_subject_with_no_earlier_record_becomes_a_ranked_suspect(client, officer):
    subject = make_person("P70", surname="Eastwood", forenames="Ivor")
    protected = make_person("P80", surname="Fairley", forenames="June")
    make_order(subject, protected, ref="RO/1", starts_on=TODAY - timedelta(days=10))
    assert position("P70") is None
    assert client.post("/orders/RO/1/breaches/new", data=breach_form(conditions=["1"])).status_code == 302
    assert position("P70") == 1
    assert subject.category_codes == {"suspect"}
    assert db.session.get(PersonCategory, (protected.id, "victim")) is not None
    assert db.session.scalars(sa.select(DAEvent)).one().relationship_type is None


def test_with_several_protected_persons_the_officer_says_which(client, officer, people, order):
    order.protected_persons.append(people["rivals_victim"])
    db.session.commit()
    page = client.get("/orders/NMO/2026/77/breaches/new").get_data(as_text=True)
    assert "Which protected person?" in page
    response = client.post("/orders/NMO/2026/77/breaches/new", data=breach_form())
    assert response.status_code == 400
    assert "Choose which protected person" in response.get_data(as_text=True)
    response = client.post("/orders/NMO/2026/77/breaches/new", data=breach_form(protected_ref="P30"))
    assert response.status_code == 400  # not protected by this order
    assert written() == (0, 2, 0)
    assert client.post("/orders/NMO/2026/77/breaches/new", data=breach_form(protected_ref="P40")).status_code == 302
    assert db.session.scalars(sa.select(Breach)).one().event.victim_id == people["rivals_victim"].id


def test_breach_and_event_references_follow_on(client, officer, people, order):
    for _ in range(3):
        assert client.post("/orders/NMO/2026/77/breaches/new", data=breach_form()).status_code == 302
    refs = sorted(b.ref for b in db.session.scalars(sa.select(Breach)))
    assert refs == ["ACH-B-000001", "ACH-B-000002", "ACH-B-000003"]
    events = [b.event.ref for b in db.session.scalars(sa.select(Breach))]
    assert len(set(events)) == 3 and all(re.fullmatch(r"ACH-E-\d{6}", ref) for ref in events)
    assert {b.version_id for b in db.session.scalars(sa.select(Breach))} == {1}


def test_the_import_cannot_take_an_achilles_reference(app):
    persons = b"person_ref,surname,forenames,date_of_birth,gender,pnc_id,district\nACH-E-000001,Grey,Kit,,,,\n"
    _, errors, _ = check_files({"persons.csv": persons})
    assert [(e.line, e.column) for e in errors] == [(2, "person_ref")]
    assert "reserved for Achilles" in errors[0].reason


def test_nothing_is_written_if_the_re_score_fails(officer, people, order):
    # Without a scoring model the re-score cannot run: the breach, event and task go too.
    db.session.execute(sa.delete(ScoringModel))
    db.session.commit()
    report = breaches.BreachReport(
        occurred_at=datetime.now(UTC) - timedelta(hours=2), conditions=[1], narrative="Phoned her", arrested=False
    )
    with pytest.raises(LookupError):
        breaches.log_breach(order, report, user=officer)
    db.session.rollback()
    assert written() == (0, 2, 0)


# ---- one breach from a double submission --------------------------------------------------------


def test_a_double_submission_logs_one_breach(client, officer, people, order):
    data = breach_form()
    first = client.post("/orders/NMO/2026/77/breaches/new", data=data)
    second = client.post("/orders/NMO/2026/77/breaches/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert written() == (1, 3, 1)
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "had already been logged from this form; nothing new was saved" in page


def test_two_simultaneous_submissions_of_one_form_log_one_breach(app, officer, people, order):
    key = str(uuid.uuid4())
    officer_id = officer.id  # read here: an expired fixture object would reload through this thread's session
    results, failures = [], []
    barrier = threading.Barrier(2)

    def submit():
        try:
            with app.app_context():
                user = db.session.get(User, officer_id)
                the_order = order_services.get_order("NMO/2026/77")
                report = breaches.BreachReport(
                    occurred_at=datetime.now(UTC) - timedelta(hours=1),
                    conditions=[1],
                    narrative="At the door",
                    arrested=False,
                )
                barrier.wait(5)
                logged = breaches.log_breach(the_order, report, user=user, submission_key=key)
                results.append((logged.breach.ref, logged.created))
                db.session.remove()
        except Exception as exc:  # reported below, with the thread's error
            failures.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == []
    assert len({ref for ref, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    db.session.expire_all()
    assert written() == (1, 3, 1)


def test_simultaneous_breaches_get_distinct_references(app, officer, people, order):
    officer_id = officer.id
    results, failures = [], []
    barrier = threading.Barrier(3)

    def submit(n):
        try:
            with app.app_context():
                user = db.session.get(User, officer_id)
                report = breaches.BreachReport(
                    occurred_at=datetime.now(UTC) - timedelta(hours=n + 1),
                    conditions=[1],
                    narrative=f"Breach {n}",
                    arrested=False,
                )
                the_order = order_services.get_order("NMO/2026/77")
                barrier.wait(5)
                logged = breaches.log_breach(the_order, report, user=user, submission_key=str(uuid.uuid4()))
                results.append((logged.breach.ref, logged.breach.event.ref))
                db.session.remove()
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == []
    assert len({b for b, _ in results}) == 3 and len({e for _, e in results}) == 3
    db.session.expire_all()
    assert written() == (3, 5, 3)


# ---- every validation path ----------------------------------------------------------------------

LATER = (datetime.now(local_zone()) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
BAD_BREACHES = [
    ("occurred_at", {"occurred_at": ""}, "Enter the date and time of the breach"),
    ("occurred_at", {"occurred_at": "yesterday"}, "Not a valid datetime value"),
    ("occurred_at", {"occurred_at": LATER}, "cannot be in the future"),
    ("occurred_at", {"occurred_at": (TODAY - timedelta(days=61)).isoformat() + "T09:00"}, "was not in force on"),
    ("conditions", {"conditions": []}, "Tick at least one condition"),
    ("conditions", {"conditions": ["9"]}, "has no condition 9; its conditions are 1, 2, 3"),
    ("conditions", {"conditions": ["one"]}, "could not be coerced"),
    ("conditions", {"conditions": ["2", "2"]}, "Condition 2 is given twice"),
    ("narrative", {"narrative": ""}, "Say what happened"),
    ("narrative", {"narrative": "   "}, "Say what happened"),
    ("narrative", {"narrative": "x" * 10001}, "cannot be longer than 10000 characters"),
    ("reported_how", {"reported_how": ""}, "Say how it was reported"),
    ("reported_how", {"reported_how": "carrier_pigeon"}, "Not a valid choice"),
    ("protected_person_told", {"protected_person_told": None}, "Say whether the protected person has been told"),
    ("protected_person_told", {"protected_person_told": "perhaps"}, "Not a valid choice"),
    ("arrested", {"arrested": None}, "Say whether the subject was arrested"),
    ("arrested", {"arrested": "maybe"}, "Not a valid choice"),
    (None, {"submission_key": ""}, "The form was not sent correctly"),
    (None, {"submission_key": "12345"}, "The form was not sent correctly"),
]


@pytest.mark.parametrize(
    ("field", "changes", "message"), BAD_BREACHES, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_BREACHES)]
)
def test_a_bad_breach_report_is_refused_with_a_clear_message_and_nothing_written(
    client, officer, order, field, changes, message
):
    response = client.post("/orders/NMO/2026/77/breaches/new", data=breach_form(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    if field:
        assert f'href="#{field}"' in page
    assert written() == (0, 2, 0)
    # What the officer typed is still there, with a fresh key when the old one was bad.
    if field != "narrative":
        assert "shouted through the letterbox" in page
    assert re.search(r'name="submission_key" type="hidden" value="[0-9a-f-]{36}"', page)


@pytest.mark.parametrize(
    ("order_values", "message"),
    [
        ({"ends_on": TODAY - timedelta(days=5)}, "it ended on"),
        ({"revoked_on": TODAY - timedelta(days=2)}, "it was revoked on"),
        ({"starts_on": TODAY}, "it starts on"),
    ],
)
def test_a_breach_on_a_day_the_order_was_not_in_force_is_refused(client, officer, people, order_values, message):
    values = {"starts_on": TODAY - timedelta(days=60), **order_values}
    make_order(people["subject"], people["protected"], ref="X/1", **values)
    response = client.post("/orders/X/1/breaches/new", data=breach_form(conditions=["1"]))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert written() == (0, 2, 0)


def test_a_breach_before_a_revocation_can_still_be_logged(client, officer, people):
    make_order(
        people["subject"], people["protected"], ref="X/2", starts_on=TODAY - timedelta(days=60), revoked_on=TODAY
    )
    occurred = (TODAY - timedelta(days=3)).isoformat() + "T22:15"
    assert (
        client.post("/orders/X/2/breaches/new", data=breach_form(conditions=["1"], occurred_at=occurred)).status_code
        == 302
    )


def test_the_breach_form_for_an_unknown_order_is_404(client, officer):
    assert client.get("/orders/NOPE/breaches/new").status_code == 404
    assert client.post("/orders/NOPE/breaches/new", data=breach_form()).status_code == 404


def test_the_breach_form_is_prefilled_with_now_in_uk_time(client, officer, order):
    page = client.get("/orders/NMO/2026/77/breaches/new").get_data(as_text=True)
    now = datetime.now(local_zone())
    assert f'value="{now:%Y-%m-%dT%H:}' in page or f'value="{(now + timedelta(minutes=1)):%Y-%m-%dT%H:}' in page
    assert 'type="datetime-local"' in page
    assert "due within 24 hours" in page


# ---- outcomes -----------------------------------------------------------------------------------


@pytest.fixture
def logged(client, officer, people, order):
    assert client.post("/orders/NMO/2026/77/breaches/new", data=breach_form()).status_code == 302
    return db.session.scalars(sa.select(Breach)).one()


def test_the_outcome_mapping_uses_the_event_vocabulary():
    assert set(breaches.EVENT_OUTCOME_FOR) == set(breaches.BREACH_OUTCOMES)
    assert set(breaches.EVENT_OUTCOME_FOR.values()) <= set(EVENT_OUTCOMES)


@pytest.mark.parametrize(
    ("outcome", "event_outcome", "clears"),
    [
        ("arrest", "arrest", True),
        ("charge", "charge", True),
        ("recall", "arrest", True),
        ("returned_to_court", "charge", True),
        ("caution", "caution", False),
        ("nfa", "nfa", False),
    ],
)
def test_recording_an_outcome_updates_the_event_and_re_scores(client, logged, people, outcome, event_outcome, clears):
    assert ranking.score_one(people["subject"].id, TODAY).levers == {"breach_unactioned": 20}
    runs = count(ScoreRun)
    response = client.post(f"/orders/breaches/{logged.ref}/outcome", data={"outcome": outcome, "version_id": "1"})
    assert response.status_code == 302
    db.session.refresh(logged)
    db.session.refresh(logged.event)
    assert logged.outcome == outcome
    assert logged.event.outcome == event_outcome
    assert count(ScoreRun) == runs + 1
    score = ranking.score_one(people["subject"].id, TODAY)
    assert ("breach_unactioned" not in score.levers) is clears
    assert score.priority == (50 if clears else 70)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.object_type == "breach")
    ).one()
    assert entry.object_ref == logged.ref
    assert entry.data["changes"]["event_outcome"] == {"before": "ongoing", "after": event_outcome}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"re-scored: priority {score.priority}" in page
    assert breaches.BREACH_OUTCOMES[outcome] in page


@pytest.mark.parametrize(("value", "message"), [("", "Choose the outcome"), ("pardon", "Not a valid choice")])
def test_a_bad_outcome_is_refused(client, logged, value, message):
    response = client.post(f"/orders/breaches/{logged.ref}/outcome", data={"outcome": value, "version_id": "1"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(logged)
    assert logged.outcome is None


def test_a_stale_outcome_is_refused_with_409(client, logged):
    assert (
        client.post(f"/orders/breaches/{logged.ref}/outcome", data={"outcome": "charge", "version_id": "1"}).status_code
        == 302
    )
    response = client.post(f"/orders/breaches/{logged.ref}/outcome", data={"outcome": "nfa", "version_id": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else recorded an outcome" in page and "it is now: Charge" in page
    assert '<option selected value="nfa">' in page  # the user's choice is kept
    db.session.refresh(logged)
    assert logged.outcome == "charge"


def test_the_same_outcome_twice_changes_nothing(client, logged):
    client.post(f"/orders/breaches/{logged.ref}/outcome", data={"outcome": "charge", "version_id": "1"})
    db.session.refresh(logged)
    version = logged.version_id
    client.post(f"/orders/breaches/{logged.ref}/outcome", data={"outcome": "charge", "version_id": str(version)})
    db.session.refresh(logged)
    assert logged.version_id == version
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "update", AuditEntry.object_type == "breach")
        )
        == 1
    )


def test_the_breach_page_is_audited_and_unknown_breaches_are_404(client, logged):
    assert client.get(f"/orders/breaches/{logged.ref}").status_code == 200
    assert db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "view")).one().object_ref == logged.ref
    assert client.get("/orders/breaches/ACH-B-999999").status_code == 404
    assert client.post("/orders/breaches/ACH-B-999999/outcome", data={"outcome": "charge"}).status_code == 404


def test_the_order_page_lists_its_breaches(client, logged):
    page = client.get("/orders/NMO/2026/77").get_data(as_text=True)
    assert f">{logged.ref}</a>" in page and "1, 2" in page


# ---- the "Log a breach" entry point -------------------------------------------------------------


def test_the_entry_point_finds_the_order_by_reference(client, officer, order):
    assert client.get("/orders/log-breach").status_code == 200
    response = client.get("/orders/log-breach?q=NMO/2026/77")
    assert response.status_code == 302 and response.headers["Location"] == "/orders/NMO/2026/77/breaches/new"
    response = client.get("/orders/log-breach?q=nmo/2026/77")
    assert response.headers["Location"] == "/orders/NMO/2026/77/breaches/new"


def test_the_entry_point_finds_orders_by_person_reference_or_name(client, officer, people, order):
    make_order(
        people["subject"],
        people["protected"],
        ref="OLD/1",
        starts_on=TODAY - timedelta(days=400),
        ends_on=TODAY - timedelta(days=30),
    )
    for query in ("P10", "ashworth", "Dominic Ashworth"):
        page = client.get(f"/orders/log-breach?q={query}").get_data(as_text=True)
        assert "2 orders found" in page, query
        assert page.index("NMO/2026/77") < page.index("OLD/1")  # the order in force first
        assert 'href="/orders/NMO/2026/77/breaches/new"' in page
    assert (
        db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "search")).first().data["filters"]["q"]
        == "P10"
    )


def test_the_entry_point_says_when_nothing_matches(client, officer, order):
    page = client.get("/orders/log-breach?q=Nobody").get_data(as_text=True)
    assert "No order matches Nobody" in page
    response = client.get("/orders/log-breach?q=")
    assert response.status_code == 400
    assert "Enter an order reference, a person reference or a name" in response.get_data(as_text=True)


# ---- who may do what ----------------------------------------------------------------------------


def signed_in(app, login, user):
    """A fresh client signed in as `user`.

    The test's app context outlives each request, so Flask-Login's cached user (on `g`) would
    carry the previous user into the next client's requests: forget it first.
    """
    g.pop("_login_user", None)
    other = app.test_client()
    login(user, other)
    return other


def test_a_supervisor_can_log_a_breach_and_an_analyst_cannot(client, make_user, login, app, people, order):
    login(make_user("sgt.ward", "supervisor", team="North PDA"))
    assert client.post("/orders/NMO/2026/77/breaches/new", data=breach_form()).status_code == 302
    ref = db.session.scalars(sa.select(Breach)).one().ref
    analyst = signed_in(app, login, make_user("ana", "analyst"))
    assert analyst.get("/orders/log-breach").status_code == 403
    assert analyst.get("/orders/NMO/2026/77/breaches/new").status_code == 403
    assert analyst.post("/orders/NMO/2026/77/breaches/new", data=breach_form()).status_code == 403
    assert analyst.get(f"/orders/breaches/{ref}").status_code == 200
    assert (
        analyst.post(f"/orders/breaches/{ref}/outcome", data={"outcome": "charge", "version_id": "1"}).status_code
        == 403
    )
    assert count(Breach) == 1


@pytest.mark.parametrize("role", ["referral", "admin"])
def test_referral_staff_and_admins_cannot_log_or_see_breaches(client, make_user, login, logged, role, app):
    other = signed_in(app, login, make_user(f"only-{role}", role))
    assert other.get("/orders/log-breach").status_code == 403
    assert other.post("/orders/NMO/2026/77/breaches/new", data=breach_form()).status_code == 403
    assert other.get(f"/orders/breaches/{logged.ref}").status_code == 403
    assert other.post(f"/orders/breaches/{logged.ref}/outcome", data={"outcome": "charge"}).status_code == 403
    assert count(Breach) == 1
