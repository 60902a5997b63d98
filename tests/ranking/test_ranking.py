"""Ranking through the database: `flask rank`, GET /api/v1/targets, stored runs and re-scoring."""

import copy
import json
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth.services import issue_token
from app.base import local_today
from app.catalogue import LeverType, OffenceCategory
from app.extensions import db
from app.offenders.models import DAEvent, Lever, Person
from app.orders.models import Order
from app.ranking import services
from app.ranking.models import ScoreRow, ScoreRun, ScoringModel
from tests.factories import make_event, make_lever, make_order, make_person
from tests.ranking.test_scoring import V1, V2

AS_OF = date(2025, 6, 30)
ACTOR = Actor("test")


def days(n: int) -> date:
    return AS_OF - timedelta(days=n)


@pytest.fixture
def world(app):
    """Three ranked persons, two who are not, and their victims (all invented)."""
    victims = [make_person(f"V{n}", surname=f"Victimname{n}") for n in range(1, 5)]
    alpha = make_person("T-ALPHA", surname="Alderwood", forenames="Ash")
    bravo = make_person("T-BRAVO", surname="Brackenby", forenames="Bea")
    charlie = make_person("T-CHARLIE", surname="Coldharbour", forenames="Cal")
    delta = make_person("T-DELTA", surname="Dunmere", forenames="Dee")
    echo = make_person("T-ECHO", surname="Eastwold", forenames="Eli")
    # Alpha: R30 F10 G20 (365+10 days) V10 = 70; warrant 25 -> 95; serial, high_risk, active_order.
    make_event(alpha, victims[0], days(20), "abh", dash_risk="high")
    make_event(alpha, victims[1], days(100), "common_assault")
    make_lever(alpha, "outstanding_warrant", days(10))
    make_order(alpha, victims[0], starts_on=days(200))
    # Bravo: R30 F10 G5 (5+10 days) V0 = 45; unactioned breach 20 -> 65; recent_breach.
    make_event(bravo, victims[2], days(10), "breach_civil_order")
    make_event(bravo, victims[2], days(400), "common_assault")
    # Charlie: R5 F5 G2 V0 = 12.
    make_event(charlie, victims[3], days(700), "non_crime_incident")
    # Delta: nothing in the window, so not ranked whatever the levers; Echo: only after the as-of date.
    make_event(delta, victims[0], days(1200), "rape")
    make_lever(delta, "wanted_circulated", days(5))
    make_event(echo, victims[1], days(-1), "gbh")
    return {"alpha": alpha, "bravo": bravo, "charlie": charlie, "delta": delta, "echo": echo}


EXPECTED = [
    {
        "person_ref": "T-ALPHA",
        "priority": 95,
        "harm": 70,
        "opportunity": 25,
        "R": 30,
        "F": 10,
        "G": 20,
        "V": 10,
        "levers": {"outstanding_warrant": 25},
        "flags": ["serial", "high_risk", "active_order"],
    },
    {
        "person_ref": "T-BRAVO",
        "priority": 65,
        "harm": 45,
        "opportunity": 20,
        "R": 30,
        "F": 10,
        "G": 5,
        "V": 0,
        "levers": {"breach_unactioned": 20},
        "flags": ["recent_breach"],
    },
    {
        "person_ref": "T-CHARLIE",
        "priority": 12,
        "harm": 12,
        "opportunity": 0,
        "R": 5,
        "F": 5,
        "G": 2,
        "V": 0,
        "levers": {},
        "flags": [],
    },
]


def token_for(username: str, *roles: str, make_user) -> dict:
    make_user(username, *roles)
    return {"Authorization": f"Bearer {issue_token(username, actor=ACTOR)}"}


def rank_json(runner, *args) -> list:
    result = runner.invoke(args=["rank", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored_as_json(run_id: int) -> list[dict]:
    rows = db.session.execute(
        sa.select(ScoreRow, Person.ref)
        .join(Person, Person.id == ScoreRow.person_id)
        .where(ScoreRow.run_id == run_id)
        .order_by(ScoreRow.position)
    )
    return [
        {
            "person_ref": ref,
            "priority": row.priority,
            "harm": row.harm,
            "opportunity": row.opportunity,
            "R": row.r,
            "F": row.f,
            "G": row.g,
            "V": row.v,
            "levers": row.levers,
            "flags": row.flags,
        }
        for row, ref in rows
    ]


# ---- the command line ---------------------------------------------------------------------------


def test_rank_json_gives_the_documented_objects(world, runner):
    assert rank_json(runner, "--as-of", AS_OF.isoformat()) == EXPECTED


def test_rank_json_equals_the_api_for_the_same_date(world, runner, client, make_user):
    headers = token_for("sam", "supervisor", make_user=make_user)
    response = client.get(f"/api/v1/targets?as_of={AS_OF.isoformat()}", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == rank_json(runner, "--as-of", AS_OF.isoformat()) == EXPECTED
    limited = client.get(f"/api/v1/targets?as_of={AS_OF.isoformat()}&limit=2", headers=headers)
    assert limited.get_json() == rank_json(runner, "--as-of", AS_OF.isoformat(), "--limit", "2") == EXPECTED[:2]


def test_rank_without_as_of_scores_as_of_today(world, runner):
    by_default = rank_json(runner)
    # Echo's GBH, the day after AS_OF, exists as of today.
    assert "T-ECHO" in [item["person_ref"] for item in by_default]
    assert by_default == rank_json(runner, "--as-of", local_today().isoformat())
    assert {run.as_of for run in db.session.scalars(sa.select(ScoreRun))} == {local_today()}


def test_rank_limit(world, runner):
    assert rank_json(runner, "--as-of", AS_OF.isoformat(), "--limit", "1") == EXPECTED[:1]
    assert rank_json(runner, "--as-of", AS_OF.isoformat(), "--limit", "50") == EXPECTED
    for bad in ("0", "-3", "two"):
        result = runner.invoke(args=["rank", "--limit", bad])
        assert result.exit_code == 2
        assert "--limit" in result.output


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "is not a date"),
        ("30/06/2025", "is not a date"),
        ("yesterday", "is not a date"),
        ("20250630", "is not a date"),
        ((local_today() + timedelta(days=1)).isoformat(), "in the future"),
    ],
)
def test_rank_refuses_a_bad_as_of(world, runner, value, message):
    result = runner.invoke(args=["rank", "--as-of", value, "--json"])
    assert result.exit_code == 2
    assert "--as-of" in result.output and message in result.output
    assert result.stdout == ""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun)) == 0


def test_rank_table(world, runner):
    result = runner.invoke(args=["rank", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Ranked list as of 2025-06-30 (scoring model v2): 3 ranked."
    assert lines[1:] == [
        "#  Person     Name             Priority  Harm  Opp   R   F   G   V  Levers                  Flags",
        "1  T-ALPHA    Ash ALDERWOOD          95    70   25  30  10  20  10  outstanding_warrant 25"
        "  serial, high_risk, active_order",
        "2  T-BRAVO    Bea BRACKENBY          65    45   20  30  10   5   0  breach_unactioned 20    recent_breach",
        "3  T-CHARLIE  Cal COLDHARBOUR        12    12    0   5   5   2   0  -                       -",
    ]
    assert len(lines) == 5
    limited = runner.invoke(args=["rank", "--as-of", AS_OF.isoformat(), "--limit", "2"]).stdout.splitlines()
    assert limited[0].endswith("3 ranked, showing the first 2.") and len(limited) == 4


def test_rank_with_nobody_ranked(app, runner):
    result = runner.invoke(args=["rank", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["Ranked list as of 2025-06-30 (scoring model v2): 0 ranked."]
    assert rank_json(runner, "--as-of", AS_OF.isoformat()) == []


def test_rank_without_a_published_model_says_so(world, runner):
    db.session.execute(sa.delete(ScoringModel))
    db.session.commit()
    result = runner.invoke(args=["rank", "--json"])
    assert result.exit_code == 1 and "No scoring model has been published." in result.output
    assert result.stdout == ""


def test_rank_stores_a_manual_run_of_the_whole_list(world, runner):
    assert rank_json(runner, "--as-of", AS_OF.isoformat(), "--limit", "1") == EXPECTED[:1]
    run = db.session.scalars(sa.select(ScoreRun)).one()
    assert (run.trigger, run.as_of, run.model_version, run.partial, run.ranked_count) == ("manual", AS_OF, 2, False, 3)
    assert stored_as_json(run.id) == EXPECTED
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "score_run")).one()
    assert entry.action == "create" and entry.username.startswith("cli:") and entry.object_ref == str(run.id)


# ---- the API ------------------------------------------------------------------------------------


def test_targets_needs_a_token(world, client):
    response = client.get("/api/v1/targets")
    assert response.status_code == 401
    assert response.get_json()["field"] == "Authorization"


@pytest.mark.parametrize("role", ["officer", "referral", "admin"])
def test_targets_refused_to_other_roles(world, client, make_user, role):
    response = client.get("/api/v1/targets", headers=token_for("someone", role, make_user=make_user))
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "analyst"])
def test_targets_for_supervisor_and_analyst(world, client, make_user, role):
    response = client.get(f"/api/v1/targets?as_of={AS_OF}", headers=token_for("reader", role, make_user=make_user))
    assert response.status_code == 200
    assert response.get_json() == EXPECTED
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "targets")).one()
    assert (entry.action, entry.username, entry.object_ref) == ("view", "reader", "2025-06-30")
    # Reading the list stores no run.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun)) == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("as_of=2025-13-01", "as_of"),
        ("as_of=tomorrow", "as_of"),
        ("as_of=2025-06-30T00:00:00", "as_of"),
        (f"as_of={(local_today() + timedelta(days=1)).isoformat()}", "as_of"),
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("limit=%C2%B2", "limit"),  # a superscript two is a digit to str.isdigit, not to int()
        ("limit=" + "9" * 5000, "limit"),
        ("as_of=%EF%BC%92025-06-30", "as_of"),  # a full-width digit
        ("as_of=2025-06-30&limit=%20", None),  # blank means "all": not an error
    ],
)
def test_targets_bad_input_names_the_field(world, client, make_user, query, field):
    response = client.get(f"/api/v1/targets?{query}", headers=token_for("sam", "supervisor", make_user=make_user))
    if field is None:
        assert response.status_code == 200 and response.get_json() == EXPECTED
        return
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == field and body["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "view")) == 0


def test_targets_is_in_the_openapi_document(app, client, make_user):
    doc = client.get("/api/v1/openapi.json", headers=token_for("ana", "analyst", make_user=make_user)).get_json()
    get = doc["paths"]["/targets"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"as_of", "limit", "model"}
    assert set(get["responses"]) == {"200", "400", "401", "403"}
    target = get["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert set(target["required"]) == set(EXPECTED[0])


# ---- stored runs --------------------------------------------------------------------------------


def test_run_ranking_stores_the_whole_breakdown(world):
    started = time.time()
    run = services.run_ranking(AS_OF, "nightly", actor=ACTOR)
    assert (run.trigger, run.as_of, run.model_version, run.partial, run.ranked_count) == ("nightly", AS_OF, 2, False, 3)
    assert run.started_at.timestamp() >= started - 1 and run.finished_at >= run.started_at
    computed = services.compute_ranking(AS_OF)
    rows = list(db.session.scalars(sa.select(ScoreRow).where(ScoreRow.run_id == run.id).order_by(ScoreRow.position)))
    assert [row.position for row in rows] == [1, 2, 3]
    for row, score in zip(rows, computed, strict=True):
        assert row.person_id == score.person_id
        assert (row.priority, row.harm, row.opportunity, row.r, row.f, row.g, row.v) == (
            score.priority,
            score.harm,
            score.opportunity,
            score.r,
            score.f,
            score.g,
            score.v,
        )
        assert (row.harm_days, row.events_in_window, row.victims_in_window, row.latest_event_on) == (
            score.harm_days,
            score.events_in_window,
            score.victims_in_window,
            score.latest_event_on,
        )
        assert (row.levers, row.flags) == (score.levers, list(score.flags))
        assert (row.incidents_in_window, row.recency_days) == (score.incidents_in_window, score.recency_days)
    assert (rows[0].harm_days, rows[0].events_in_window, rows[0].victims_in_window, rows[0].latest_event_on) == (
        375,
        2,
        2,
        days(20),
    )
    assert stored_as_json(run.id) == EXPECTED


def test_run_ranking_refuses_an_unknown_trigger(world):
    with pytest.raises(ValueError, match="trigger"):
        services.run_ranking(AS_OF, "whenever", actor=ACTOR)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun)) == 0


def test_a_new_model_version_scores_differently_and_a_v1_run_stays_reproducible(world):
    v1 = db.session.get(ScoringModel, 1)
    v1_run = services.run_ranking(AS_OF, "nightly", actor=ACTOR, model=v1)
    params = copy.deepcopy(services.current_model().params)
    params["recency"][0]["points"] = 40
    params["lever_weights"]["outstanding_warrant"] = 5
    db.session.execute(sa.update(ScoringModel).values(is_current=False))
    db.session.add(ScoringModel(version=3, params=params, note="test: heavier recency", rules=2, is_current=True))
    db.session.commit()

    assert services.current_model().version == 3
    by_v3 = [s.to_json() for s in services.compute_ranking(AS_OF)]
    assert [(s["person_ref"], s["R"], s["priority"]) for s in by_v3] == [
        ("T-ALPHA", 40, 80 + 5),
        ("T-BRAVO", 40, 55 + 20),
        ("T-CHARLIE", 5, 12),
    ]
    assert [s.to_json() for s in services.compute_ranking(AS_OF, model=v1)] == stored_as_json(v1_run.id) == EXPECTED
    v3_run = services.run_ranking(AS_OF, "manual", actor=ACTOR)
    assert v3_run.model_version == 3 and stored_as_json(v3_run.id) == by_v3


def test_the_seeded_models_are_the_documented_v1_and_v2_and_match_the_catalogues(app):
    v1, v2 = db.session.get(ScoringModel, 1), db.session.get(ScoringModel, 2)
    assert (v1.rules, v1.is_current, v1.params) == (1, False, V1)
    assert (v2.rules, v2.is_current, v2.params) == (2, True, V2)
    assert services.current_model().version == 2
    assert dict(db.session.execute(sa.select(LeverType.code, LeverType.weight)).all()) == V1["lever_weights"]
    assert (
        dict(db.session.execute(sa.select(OffenceCategory.code, OffenceCategory.harm_days)).all()) == (V1["harm_days"])
    )


# ---- re-scoring one person ----------------------------------------------------------------------


def test_rescore_after_a_breach_moves_the_person_up(world):
    charlie = world["charlie"]
    before = [s.person_ref for s in services.compute_ranking(AS_OF)]
    assert before.index("T-CHARLIE") == 2
    make_event(charlie, world["alpha"], days(1), "breach_criminal_order", source="breach")

    result = services.rescore_person(charlie.id, as_of=AS_OF, actor=ACTOR)
    # R30 F10 G10 (30 harm days) V10 (a second victim) = 60; the unactioned breach 20 -> 80.
    assert result == {
        "person_ref": "T-CHARLIE",
        "priority": 80,
        "harm": 60,
        "opportunity": 20,
        "R": 30,
        "F": 10,
        "G": 10,
        "V": 10,
        "levers": {"breach_unactioned": 20},
        "flags": ["serial", "recent_breach"],
    }
    after = [s.person_ref for s in services.compute_ranking(AS_OF)]
    assert after.index("T-CHARLIE") == 1

    run = db.session.scalars(sa.select(ScoreRun)).one()
    assert (run.trigger, run.partial, run.ranked_count, run.as_of) == ("breach", True, 1, AS_OF)
    row = db.session.scalars(sa.select(ScoreRow).where(ScoreRow.run_id == run.id)).one()
    assert (row.person_id, row.position, row.priority, row.levers) == (charlie.id, None, 80, {"breach_unactioned": 20})
    assert services.latest_scores([charlie.id])[charlie.id].id == row.id
    assert db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "score_run")).one().username == (
        "test"
    )


def test_rescore_sees_a_breach_not_yet_committed(world):
    bravo = world["bravo"]
    event = DAEvent(
        ref="E-PENDING",
        occurred_on=days(2),
        offence="breach_criminal_order",
        suspect_id=bravo.id,
        victim_id=world["alpha"].id,
        source="breach",
        outcome="arrest",
        version_id=1,
    )
    db.session.add(event)
    result = services.rescore_person(bravo.id, as_of=AS_OF, actor=ACTOR)
    assert (result["F"], result["V"], result["G"]) == (15, 10, 10)  # 3 events, 2 victims, 5+10+30 days
    db.session.rollback()
    assert db.session.scalar(sa.select(DAEvent.id).where(DAEvent.ref == "E-PENDING")) is not None


def test_rescore_of_someone_not_ranked(world):
    assert services.rescore_person(world["delta"].id, as_of=AS_OF, actor=ACTOR) is None
    run = db.session.scalars(sa.select(ScoreRun)).one()
    assert (run.partial, run.ranked_count) == (True, 0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRow)) == 0


def test_rescore_defaults_to_today(world):
    make_event(world["echo"], world["alpha"], local_today(), "common_assault")
    result = services.rescore_person(world["echo"].id, actor=ACTOR)
    assert result["person_ref"] == "T-ECHO" and result["R"] == 30
    assert db.session.scalars(sa.select(ScoreRun)).one().as_of == local_today()


# ---- history ------------------------------------------------------------------------------------


def test_history_latest_scores_and_previous_positions(world):
    alpha, bravo, charlie = world["alpha"], world["bravo"], world["charlie"]
    # Foxtrot's only event falls between the two dates: top a month ago (ties Alpha at 40 with
    # the newer event), third now.
    foxtrot = make_person("T-FOXTROT", surname="Foxley", forenames="Fin")
    make_event(foxtrot, world["echo"], days(45), "common_assault")
    month_ago = services.run_ranking(days(30), "nightly", actor=ACTOR)
    now = services.run_ranking(AS_OF, "nightly", actor=ACTOR)
    # A run for a past date stored last is neither the latest score nor the previous run.
    services.run_ranking(days(60), "manual", actor=ACTOR)

    history = services.score_history(alpha.id)
    assert [(h.as_of, h.trigger, h.model_version, h.partial) for h in history] == [
        (days(60), "manual", 2, False),
        (days(30), "nightly", 2, False),
        (AS_OF, "nightly", 2, False),
    ]
    # A month earlier the ABH (20 days before AS_OF) and the warrant had not happened.
    assert [(h.row.harm, h.row.opportunity) for h in history] == [(40, 0), (40, 0), (70, 25)]
    assert [h.run_id for h in services.score_history(foxtrot.id)] == [month_ago.id, now.id]

    latest = services.latest_scores()
    assert {pid: row.run_id for pid, row in latest.items()} == {
        alpha.id: now.id,
        bravo.id: now.id,
        charlie.id: now.id,
        foxtrot.id: now.id,
    }
    assert services.latest_scores([bravo.id]).keys() == {bravo.id}
    assert services.latest_scores([]) == {}

    assert services.previous_positions() == {alpha.id: 1, bravo.id: 2, foxtrot.id: 3, charlie.id: 4}
    assert services.previous_positions(now) == {foxtrot.id: 1, alpha.id: 2, bravo.id: 3, charlie.id: 4}
    assert services.previous_positions(month_ago) == {alpha.id: 1, bravo.id: 2, charlie.id: 3}


# ---- queries ------------------------------------------------------------------------------------


def _populate(first: int, count: int) -> None:
    """Persons each with two events, a lever and an order, written in one go."""
    victim = make_person(f"VQ{first}")
    for n in range(first, first + count):
        person = Person(ref=f"Q{n:04d}", surname=f"Querymany{n}", forenames="Sam", version_id=1)
        db.session.add(person)
        db.session.flush()
        db.session.add_all(
            [
                DAEvent(
                    ref=f"EQ{n}a",
                    occurred_on=days(n % 900),
                    offence="common_assault",
                    suspect_id=person.id,
                    victim_id=victim.id,
                    version_id=1,
                ),
                DAEvent(
                    ref=f"EQ{n}b",
                    occurred_on=days(n % 50),
                    offence="breach_civil_order",
                    suspect_id=person.id,
                    victim_id=victim.id,
                    version_id=1,
                ),
                Lever(person_id=person.id, lever="drugs_intelligence", active=True, noted_on=days(5), version_id=1),
                Order(
                    ref=f"OQ{n}",
                    order_type="dvpo",
                    subject_id=person.id,
                    starts_on=days(60),
                    ends_on=days(-20),
                    version_id=1,
                ),
            ]
        )
    db.session.commit()


def _statements_during(fn, count_queries) -> tuple[int, object]:
    with count_queries() as seen:
        result = fn()
    return len(seen), result


def test_compute_ranking_queries_do_not_grow_with_persons(app, count_queries):
    _populate(1, 5)
    db.session.expire_all()
    few, ranked = _statements_during(lambda: services.compute_ranking(AS_OF), count_queries)
    assert len(ranked) == 5
    _populate(100, 45)
    db.session.expire_all()
    many, ranked = _statements_during(lambda: services.compute_ranking(AS_OF), count_queries)
    assert len(ranked) == 50
    assert all("active_order" in s.flags and s.levers["drugs_intelligence"] == 10 for s in ranked)
    # The model, levers, orders, custody periods, the few young victims, references, the events.
    assert many == few <= 7


def test_rescore_person_queries_only_that_person(app, count_queries):
    _populate(1, 40)
    person_id = db.session.scalar(sa.select(Person.id).where(Person.ref == "Q0007"))
    db.session.expire_all()
    statements, result = _statements_during(
        lambda: services.rescore_person(person_id, as_of=AS_OF, actor=ACTOR, commit=False), count_queries
    )
    assert result["person_ref"] == "Q0007"
    # The list's run and model; that person's levers, orders, custody, young victims, reference and
    # events; the run, its row, their current score replaced (delete, copy), the audit entry.
    assert statements <= 14


@pytest.mark.parametrize(("value", "message"), [("99", "There is no scoring model version 99"), ("x", "'x' is not")])
def test_rank_refuses_an_unknown_model(world, runner, value, message):
    result = runner.invoke(args=["rank", "--model", value, "--json"])
    assert result.exit_code == 2 and "--model" in result.output and message in result.output
    assert result.stdout == "" and db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun)) == 0


def test_rank_with_model_1_is_v1_exactly_and_does_not_become_the_list(world, runner):
    assert rank_json(runner, "--as-of", AS_OF.isoformat(), "--model", "1") == EXPECTED
    run = db.session.scalars(sa.select(ScoreRun)).one()
    assert (run.model_version, run.listed) == (1, False)
