"""Always-current scores: one row per ranked person, written by every full ranking that becomes the
list and by every re-score (breach, breach outcome, event, lever, custody, import), and read by the
target list, the person list, the profile and GET /api/v1/targets without `as_of`."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.services import Actor
from app.auth.services import issue_token
from app.base import local_today
from app.extensions import db
from app.imports.services import import_files
from app.offenders.custody import services as custody
from app.offenders.events import services as events
from app.offenders.levers import services as levers
from app.orders.breaches.services import BreachReport, log_breach, record_outcome
from app.ranking import services
from app.ranking.models import CurrentScore, ScoreRun, ScoringModel
from tests.factories import make_event, make_lever, make_order, make_person

TODAY = local_today()
ACTOR = Actor("test")


def ago(n: int):
    return TODAY - timedelta(days=n)


def current() -> dict[str, int]:
    """{person ref: priority} of the current scores."""
    return {
        ref: priority
        for ref, priority in db.session.execute(
            sa.text("SELECT p.ref, c.priority FROM current_scores c JOIN persons p ON p.id = c.person_id")
        )
    }


@pytest.fixture
def world(app, make_user):
    victims = [make_person(f"V{n}", surname=f"Victimname{n}") for n in range(1, 4)]
    alpha = make_person("T-ALPHA", surname="Alderwood", forenames="Ash")
    bravo = make_person("T-BRAVO", surname="Brackenby", forenames="Bea")
    # Alpha: R30 F5 G20 V0 = 55. Bravo: R5 (400 days) F5 G5 = 15.
    make_event(alpha, victims[0], ago(20), "abh")
    make_event(bravo, victims[1], ago(400), "common_assault")
    order = make_order(bravo, victims[1], starts_on=ago(300))
    officer = make_user("pc.one", "officer")
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    return {"alpha": alpha, "bravo": bravo, "victims": victims, "order": order, "officer": officer}


def test_a_full_ranking_becomes_the_current_scores(world):
    assert current() == {"T-ALPHA": 55, "T-BRAVO": 15}
    run = services.list_run()
    assert (run.listed, run.trigger) == (True, "nightly")
    row = db.session.scalars(sa.select(CurrentScore).where(CurrentScore.person_id == world["alpha"].id)).one()
    assert (row.run_id, row.r, row.f, row.g, row.v, row.incidents_in_window, row.recency_days) == (
        run.id,
        30,
        5,
        20,
        0,
        1,
        20,
    )


def test_a_run_for_a_past_day_or_another_version_is_history_only(world):
    past = services.run_ranking(ago(30), "manual", actor=ACTOR)
    v1 = services.run_ranking(TODAY, "manual", actor=ACTOR, model=db.session.get(ScoringModel, 1))
    assert (past.listed, v1.listed) == (False, False)
    assert services.list_run().trigger == "nightly" and current() == {"T-ALPHA": 55, "T-BRAVO": 15}


def test_a_breach_re_scores_its_subject_at_once(world):
    logged = log_breach(
        world["order"],
        BreachReport(
            occurred_at=datetime.now(UTC) - timedelta(hours=1), conditions=[1], narrative="Came round.", arrested=False
        ),
        user=world["officer"],
    )
    # Bravo: R30 F10 (2 incidents) G10 (10 + 30 harm days) V0 = 50 + the unactioned breach 20.
    assert logged.score["priority"] == 70 and current()["T-BRAVO"] == 70
    run = db.session.scalars(sa.select(ScoreRun).where(ScoreRun.partial.is_(True))).one()
    assert (run.trigger, run.listed, run.model_version) == ("breach", False, 2)
    # The outcome re-scores again: an arrest actions the breach.
    record_outcome(logged.breach, "recall", expected_version=logged.breach.version_id, user=world["officer"])
    assert current()["T-BRAVO"] == 50


def test_recording_or_correcting_an_event_re_scores_the_suspects(world, make_user):
    values = {
        "occurred_on": ago(2),
        "offence": "common_assault",
        "suspect_ref": "T-BRAVO",
        "victim_ref": "V3",
        "relationship_type": "partner",
    }
    event = events.create_event(values, actor=ACTOR)
    # Bravo: R30 F10 G5 (20 days) V10 (2 victims) = 55.
    assert current()["T-BRAVO"] == 55
    # The event moves to Alpha: Bravo goes back, Alpha gains an incident and a victim.
    changed = events.update_event(event, values | {"suspect_ref": "T-ALPHA"}, expected_version=1, actor=ACTOR)
    assert changed and current() == {"T-ALPHA": 30 + 10 + 20 + 10, "T-BRAVO": 15}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun).where(ScoreRun.trigger == "event")) == 2


def test_noting_and_ending_a_lever_re_scores_the_person(world):
    levers.add_lever(world["alpha"], "outstanding_warrant", ago(1), "Failed to appear", actor=ACTOR)
    assert current()["T-ALPHA"] == 80
    record = levers.latest_lever_record(world["alpha"], "outstanding_warrant")
    levers.end_lever(
        world["alpha"],
        "outstanding_warrant",
        TODAY,
        "Executed",
        expected_record_id=record.id,
        expected_version=record.version_id,
        actor=ACTOR,
    )
    assert current()["T-ALPHA"] == 55


def test_custody_re_scores_the_person_and_raises_the_flag(world):
    period = custody.record_period(
        world["bravo"],
        {"custody_from": ago(350), "kind": "sentence", "expected_release_on": TODAY + timedelta(days=20)},
        actor=ACTOR,
    )
    # 351 of Bravo's 400 days since the event were inside: 49 street days. R30 F5 G5 = 40.
    row = db.session.scalars(sa.select(CurrentScore).where(CurrentScore.person_id == world["bravo"].id)).one()
    assert (row.priority, row.recency_days, row.flags) == (40, 49, ["active_order", "in_custody", "release_due"])
    custody.update_period(period, {**{n: getattr(period, n) for n in custody.CUSTODY_EDITABLE}, "custody_to": ago(10)},
                          expected_version=period.version_id, actor=ACTOR)  # fmt: skip
    row = db.session.scalars(sa.select(CurrentScore).where(CurrentScore.person_id == world["bravo"].id)).one()
    assert row.flags == ["active_order"] and row.recency_days == 60


def test_a_re_score_that_leaves_a_person_unranked_removes_them(world):
    db.session.execute(
        sa.text("UPDATE da_events SET occurred_on = :day WHERE suspect_id = :person"),
        {"day": ago(2000), "person": world["bravo"].id},
    )
    db.session.commit()
    assert services.rescore_person(world["bravo"].id, actor=ACTOR, trigger="event") is None
    assert current() == {"T-ALPHA": 55}


def test_re_scores_use_the_version_the_list_was_ranked_with(world):
    params = copy.deepcopy(services.current_model().params) | {"opportunity_cap": 0}
    db.session.execute(sa.update(ScoringModel).values(is_current=False))
    db.session.add(ScoringModel(version=3, params=params, rules=2, is_current=True, note="test"))
    db.session.commit()
    levers.add_lever(world["alpha"], "outstanding_warrant", ago(1), None, actor=ACTOR)
    assert current()["T-ALPHA"] == 80  # version 2's cap of 50, not version 3's 0: one version per list
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    assert current()["T-ALPHA"] == 55


def test_an_import_re_scores_the_persons_it_touched(world):
    files = {
        "events.csv": (
            "event_ref,occurred_on,offence,suspect_ref,victim_ref,relationship,dash_risk,district,outcome\n"
            f"E-NEW,{ago(3).isoformat()},gbh,T-BRAVO,V2,ex_partner,high,,\n"
        ).encode(),
        "custody.csv": (
            f"person_ref,custody_from,custody_to,kind,expected_release_on\nT-ALPHA,{ago(10).isoformat()},,remand,\n"
        ).encode(),
    }
    result = import_files(files, actor=ACTOR)
    assert result.ok and result.rescored == 2
    # Bravo: R30 F10 G20 (740 days) V0 = 60; Alpha: in custody now.
    assert current()["T-BRAVO"] == 60
    alpha = db.session.scalars(sa.select(CurrentScore).where(CurrentScore.person_id == world["alpha"].id)).one()
    assert alpha.flags == ["in_custody"]
    run = db.session.scalars(sa.select(ScoreRun).where(ScoreRun.trigger == "import")).one()
    assert (run.partial, run.ranked_count) == (True, 2)
    assert "2 person(s) re-scored" in "\n".join(result.summary_lines())
    # Importing the same files again changes nothing and re-scores nobody.
    again = import_files(files, actor=ACTOR)
    assert again.ok and again.rescored == 0


def test_the_api_reads_the_current_scores_without_as_of(world, client, make_user):
    make_user("ana", "analyst")
    headers = {"Authorization": f"Bearer {issue_token('ana', actor=ACTOR)}"}
    # A fact changed behind the ranking's back (no re-score): the current scores do not know it yet...
    make_lever(world["bravo"], "outstanding_warrant", ago(1))
    body = client.get("/api/v1/targets", headers=headers).get_json()
    assert [(t["person_ref"], t["priority"]) for t in body] == [("T-ALPHA", 55), ("T-BRAVO", 15)]
    # ...and a re-score is seen at once.
    services.rescore_person(world["bravo"].id, actor=ACTOR, trigger="lever")
    body = client.get("/api/v1/targets?limit=1", headers=headers).get_json()
    assert body == [
        {
            "person_ref": "T-ALPHA",
            "priority": 55,
            "harm": 55,
            "opportunity": 0,
            "R": 30,
            "F": 5,
            "G": 20,
            "V": 0,
            "levers": {},
            "flags": [],
        }
    ]
    assert [t["person_ref"] for t in client.get("/api/v1/targets", headers=headers).get_json()] == [
        "T-ALPHA",
        "T-BRAVO",
    ]
    # With as_of or a model it is worked out for that day, whatever is stored.
    as_v1 = client.get(f"/api/v1/targets?as_of={TODAY.isoformat()}&model=1", headers=headers).get_json()
    assert [(t["person_ref"], t["priority"]) for t in as_v1] == [("T-ALPHA", 55), ("T-BRAVO", 40)]


@pytest.mark.parametrize("value", ["99", "0", "x", "1.5", "-1", "9" * 12])
def test_the_api_refuses_an_unknown_model_naming_the_field(world, client, make_user, value):
    make_user("ana", "analyst")
    headers = {"Authorization": f"Bearer {issue_token('ana', actor=ACTOR)}"}
    response = client.get(f"/api/v1/targets?model={value}", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["field"] == "model" and response.get_json()["error"]


def test_the_api_reading_current_scores_makes_a_fixed_handful_of_queries(world, client, make_user, count_queries):
    make_user("ana", "analyst")
    headers = {"Authorization": f"Bearer {issue_token('ana', actor=ACTOR)}"}
    with count_queries() as seen:
        assert client.get("/api/v1/targets?limit=50", headers=headers).status_code == 200
    # The token and its user, the list's run, the rows, their count and the audit entry: no query
    # of the events (nothing is ranked again).
    assert not any("da_events" in statement for statement in seen), seen
    # (+2: the request log reads the user's id and roles again after the audit entry's commit.)
    assert len(seen) <= 13, seen
