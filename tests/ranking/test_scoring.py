"""The scoring model v1 on plain data, at every band edge, with hand-worked expectations.

No database: the params are the very dict the catalogue migration seeds as scoring model v1.
"""

import copy
import importlib.util
from datetime import date, timedelta
from pathlib import Path

import pytest

from app import catalogue
from app.ranking.scoring import (
    BREACH_OFFENCES,
    BREACH_UNACTIONED,
    FLAGS,
    EventFact,
    LeverRecord,
    OrderSpan,
    PersonInputs,
    earliest_relevant,
    rank,
    score_person,
)

VERSIONS = Path(__file__).parents[2] / "migrations" / "versions"
MIGRATION = VERSIONS / "20261121_5e1d0c7a9b21_seed_catalogues.py"
MIGRATION_V2 = VERSIONS / "20261202_53196a43de7a_scoring_model_v2_and_current_scores.py"


def _seeded(path: Path, name: str) -> dict:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def _seeded_v1() -> dict:
    return _seeded(MIGRATION, "MODEL_V1")


V1 = _seeded_v1()
V2 = _seeded(MIGRATION_V2, "MODEL_V2")
T = date(2026, 6, 30)


def ev(days_ago: int, offence: str = "non_crime_incident", victim: int = 1, dash=None, outcome=None) -> EventFact:
    return EventFact(T - timedelta(days=days_ago), victim, offence, dash, outcome)


def lever(name: str, days_ago: int, active: bool = True) -> LeverRecord:
    return LeverRecord(name, active, T - timedelta(days=days_ago))


def person(*events, levers=(), orders=(), ref="P1") -> PersonInputs:
    return PersonInputs(ref=ref, events=list(events), levers=list(levers), orders=list(orders))


def score(*events, params=V1, as_of=T, **kw):
    return score_person(person(*events, **kw), params, as_of)


def test_params_are_the_design_defaults():
    # The numbers of DESIGN.md "Default scoring model (v1)", as the migration stores them.
    assert V1["window_months"] == 36 and V1["days_per_month"] == 30.44
    assert [(b["max_months"], b["points"]) for b in V1["recency"]] == [(3, 30), (6, 20), (12, 10), (24, 5), (36, 1)]
    assert [(b["min_events"], b["points"]) for b in V1["frequency"]] == [(1, 5), (2, 10), (3, 15), (5, 20), (10, 30)]
    assert [(b["below_days"], b["points"]) for b in V1["gravity"]] == [
        (10, 2),
        (30, 5),
        (180, 10),
        (365, 15),
        (1000, 20),
        (2000, 25),
        (None, 30),
    ]
    assert [(b["min_victims"], b["points"]) for b in V1["victims"]] == [(1, 0), (2, 10), (3, 20)]
    assert V1["opportunity_cap"] == 50 and V1["lever_weights"][BREACH_UNACTIONED] == 20


def test_fixed_codes_agree_with_the_catalogue():
    assert set(BREACH_OFFENCES) == set(catalogue.BREACH_OFFENCES)
    assert BREACH_UNACTIONED == catalogue.DERIVED_LEVER_BREACH_UNACTIONED


# ---- R: recency ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_ago", "r"),
    [
        (0, 30),
        (91, 30),  # 2.99 months
        (92, 20),  # 3.02 months
        (182, 20),  # 5.98
        (183, 10),  # 6.01
        (365, 10),  # 11.99
        (366, 5),  # 12.02
        (730, 5),  # 23.98
        (731, 1),  # 24.01
        (1095, 1),  # 35.97
    ],
)
def test_recency_band_edges(days_ago, r):
    s = score(ev(days_ago))
    # One non-crime incident: F 5 (one event), G 2 (0 harm days), V 0 (one victim).
    assert (s.r, s.f, s.g, s.v) == (r, 5, 2, 0)
    assert s.harm == s.priority == r + 7


def test_recency_comes_from_the_latest_event():
    s = score(ev(700), ev(100), ev(400))
    assert s.r == 20 and s.latest_event_on == T - timedelta(days=100)


# ---- the 36-month window ------------------------------------------------------------------------


def test_window_edge_1095_days_in_1096_out():
    # 36 months = 1095.84 days.
    assert score(ev(1095)).events_in_window == 1
    assert score(ev(1096)) is None
    s = score(ev(10), ev(1096, victim=2))
    assert (s.events_in_window, s.victims_in_window, s.f, s.v) == (1, 1, 5, 0)


def test_loading_horizon_reaches_the_window_edge():
    assert earliest_relevant(T, V1) <= T - timedelta(days=1095)


def test_events_after_the_as_of_date_do_not_exist():
    assert score(ev(-1)) is None
    s = score(ev(-1, "rape", victim=2, dash="high"), ev(400, "common_assault"))
    assert (s.events_in_window, s.latest_event_on, s.r, s.g, s.v, s.flags) == (1, T - timedelta(days=400), 5, 5, 0, ())


# ---- F: frequency -------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "f"), [(1, 5), (2, 10), (3, 15), (4, 15), (5, 20), (9, 20), (10, 30), (25, 30)])
def test_frequency_bands(count, f):
    s = score(*[ev(10 + n) for n in range(count)])
    assert (s.events_in_window, s.f) == (count, f)


# ---- G: gravity ---------------------------------------------------------------------------------

# Offences used to make an exact total of harm days (no breaches, so no lever or flag changes).
BUILDING_BLOCKS = ["rape", "gbh", "abh", "sexual_assault", "coercive_control", "common_assault"]
BUILDING_BLOCKS += ["malicious_communications", "criminal_damage"]


def events_for_harm(total: int) -> list[EventFact]:
    events, left = [], total
    for offence in BUILDING_BLOCKS:
        while V1["harm_days"][offence] <= left:
            events.append(ev(20, offence))
            left -= V1["harm_days"][offence]
    assert left == 0, total
    return events


@pytest.mark.parametrize(
    ("harm_days", "g"),
    [
        (0, 2),
        (9, 2),
        (10, 5),
        (29, 5),
        (30, 10),
        (179, 10),
        (180, 15),
        (364, 15),
        (365, 20),
        (999, 20),
        (1000, 25),
        (1999, 25),
        (2000, 30),
        (5000, 30),
    ],
)
def test_gravity_band_edges(harm_days, g):
    events = events_for_harm(harm_days) if harm_days else [ev(20)]
    s = score(*events)
    assert (s.harm_days, s.g) == (harm_days, g)


def test_gravity_counts_only_events_in_the_window():
    s = score(ev(10, "common_assault"), ev(1096, "rape"))
    assert (s.harm_days, s.g) == (10, 5)


def test_harm_days_are_taken_from_the_model():
    params = copy.deepcopy(V1)
    params["harm_days"]["common_assault"] = 400
    assert score(ev(10, "common_assault"), params=params).g == 20


# ---- V: victims ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("victims", "v"), [(1, 0), (2, 10), (3, 20), (6, 20)])
def test_victim_bands(victims, v):
    s = score(*[ev(10 + n, victim=n % victims) for n in range(6)])
    assert (s.victims_in_window, s.v) == (victims, v)


def test_harm_is_the_sum_of_the_parts():
    # 3 events, 2 victims, latest 100 days ago, harm days 365 + 10 + 10 = 385.
    s = score(ev(100, "abh"), ev(200, "common_assault", victim=2), ev(300, "common_assault"))
    assert (s.r, s.f, s.g, s.v) == (20, 15, 20, 10)
    assert s.harm == 65 and s.priority == 65 and s.opportunity == 0


# ---- levers and opportunity ---------------------------------------------------------------------


def test_active_levers_and_the_cap_at_50():
    s = score(ev(10), levers=[lever("outstanding_warrant", 5), lever("firearms_certificate", 50)])
    assert s.levers == {"outstanding_warrant": 25, "firearms_certificate": 15}
    assert s.opportunity == 40 and s.priority == s.harm + 40
    s = score(ev(10), levers=[lever("outstanding_warrant", 5), lever("wanted_circulated", 6)])
    assert s.opportunity == 50
    s = score(
        ev(10),
        levers=[lever("outstanding_warrant", 5), lever("wanted_circulated", 6), lever("firearms_certificate", 7)],
    )
    # Every active lever is listed with its weight; only the total is capped.
    assert sum(s.levers.values()) == 65 and s.opportunity == 50 and s.priority == s.harm + 50


def test_a_later_record_deactivates_a_lever():
    s = score(ev(10), levers=[lever("bail_conditions", 100), lever("bail_conditions", 20, active=False)])
    assert s.levers == {} and s.opportunity == 0
    s = score(
        ev(10),
        levers=[
            lever("bail_conditions", 100),
            lever("bail_conditions", 20, active=False),
            lever("bail_conditions", 5),
        ],
    )
    assert s.levers == {"bail_conditions": 10}


def test_a_lever_noted_after_the_as_of_date_is_ignored():
    assert score(ev(10), levers=[lever("outstanding_warrant", -1)]).levers == {}
    # Nor does a later deactivation undo a lever that was active on T.
    s = score(ev(10), levers=[lever("outstanding_warrant", 30), lever("outstanding_warrant", -1, active=False)])
    assert s.levers == {"outstanding_warrant": 25}
    # Noted on T itself counts.
    assert score(ev(10), levers=[lever("outstanding_warrant", 0)]).opportunity == 25


def test_lever_weights_are_taken_from_the_model():
    params = copy.deepcopy(V1)
    params["lever_weights"]["benefits"] = 12
    assert score(ev(10), levers=[lever("benefits", 3)], params=params).levers == {"benefits": 12}


@pytest.mark.parametrize(("days_ago", "active"), [(0, True), (90, True), (91, False)])
@pytest.mark.parametrize("offence", BREACH_OFFENCES)
def test_breach_unactioned_for_90_days(offence, days_ago, active):
    s = score(ev(days_ago, offence))
    assert (BREACH_UNACTIONED in s.levers) is active
    assert s.opportunity == (20 if active else 0)


@pytest.mark.parametrize("outcome", ["arrest", "charge"])
@pytest.mark.parametrize("other", [None, "caution", "nfa", "ongoing"])
def test_breach_unactioned_cleared_by_arrest_or_charge(outcome, other):
    assert BREACH_UNACTIONED not in score(ev(5, "breach_civil_order", outcome=outcome)).levers
    assert score(ev(5, "breach_civil_order", outcome=other)).levers == {BREACH_UNACTIONED: 20}
    # One actioned breach does not clear another that is not.
    both = score(ev(5, "breach_civil_order", outcome=outcome), ev(6, "breach_criminal_order", outcome=other))
    assert both.levers == {BREACH_UNACTIONED: 20}


def test_breach_unactioned_is_never_taken_from_a_recorded_lever():
    s = score(ev(10, "common_assault"), levers=[lever(BREACH_UNACTIONED, 5)])
    assert s.levers == {} and s.opportunity == 0
    # A not-active note does not switch off a breach that is still unactioned either.
    s = score(ev(10, "breach_civil_order"), levers=[lever(BREACH_UNACTIONED, 5, active=False)])
    assert s.levers == {BREACH_UNACTIONED: 20}


def test_a_breach_after_the_as_of_date_raises_nothing():
    s = score(ev(10, "common_assault"), ev(-1, "breach_criminal_order"))
    assert s.levers == {} and s.flags == ()


def test_not_ranked_without_an_event_in_the_window_whatever_the_levers():
    levers = [lever("outstanding_warrant", 5), lever("wanted_circulated", 5)]
    assert score(ev(1200, "rape"), levers=levers, orders=[OrderSpan(T - timedelta(days=5))]) is None
    assert score(levers=levers) is None


# ---- flags --------------------------------------------------------------------------------------


def test_serial_needs_two_victims_in_the_window():
    assert "serial" not in score(ev(10), ev(20)).flags
    assert "serial" in score(ev(10), ev(20, victim=2)).flags
    assert "serial" not in score(ev(10), ev(1096, victim=2)).flags


def test_escalating_needs_three_events_within_12_months():
    assert "escalating" in score(ev(1), ev(200), ev(365)).flags  # 365 days = 11.99 months
    assert "escalating" not in score(ev(1), ev(200), ev(366)).flags  # 12.02 months
    assert "escalating" not in score(ev(1), ev(2)).flags


def test_high_risk_needs_a_high_dash_grade_in_the_window():
    assert "high_risk" in score(ev(10), ev(1000, dash="high")).flags
    assert "high_risk" not in score(ev(10, dash="medium"), ev(1096, dash="high")).flags


@pytest.mark.parametrize(
    ("starts", "ends", "revoked", "active"),
    [
        (100, None, None, True),  # until further order
        (0, 0, None, True),  # starts and ends on T
        (100, 0, None, True),
        (100, 1, None, False),  # ended the day before T
        (-1, None, None, False),  # not yet started
        (100, None, 0, False),  # revoked on T
        (100, None, 50, False),
        (100, None, -1, True),  # revoked after T: still in force on T
    ],
)
def test_active_order(starts, ends, revoked, active):
    def day(n):
        return None if n is None else T - timedelta(days=n)

    s = score(ev(10), orders=[OrderSpan(day(starts), day(ends), day(revoked))])
    assert ("active_order" in s.flags) is active


@pytest.mark.parametrize(("days_ago", "raised"), [(0, True), (30, True), (31, False)])
def test_recent_breach_for_30_days(days_ago, raised):
    s = score(ev(days_ago, "breach_criminal_order", outcome="arrest"))
    assert ("recent_breach" in s.flags) is raised


def test_all_flags_in_their_fixed_order():
    s = score(
        ev(2, "breach_civil_order", victim=2),
        ev(40, dash="high"),
        ev(60, victim=3),
        orders=[OrderSpan(T - timedelta(days=300))],
    )
    assert s.flags == FLAGS[:5] == ("serial", "escalating", "high_risk", "active_order", "recent_breach")
    assert FLAGS[5:] == ("in_custody", "release_due")  # v2 only


# ---- ranking order and the published object -----------------------------------------------------


def test_ties_ordered_by_harm_then_latest_event_then_reference():
    people = [
        # R30 F5 G5 V0 = 40, latest 20 days ago, warrant 25: priority 65.
        person(ev(20, "common_assault"), levers=[lever("outstanding_warrant", 1)], ref="R1"),
        # Same, latest 10 days ago.
        person(ev(10, "common_assault"), levers=[lever("wanted_circulated", 1)], ref="R3"),
        person(ev(10, "common_assault"), levers=[lever("outstanding_warrant", 1)], ref="R2"),
        # R30 F10 G5 V10 = 55 with bail 10: priority 65 too, more harm but the oldest latest event.
        person(
            ev(25, "common_assault"), ev(26, "common_assault", victim=2), levers=[lever("bail_conditions", 1)], ref="R4"
        ),
        person(ev(1200), levers=[lever("outstanding_warrant", 1)], ref="R0"),  # not ranked
    ]
    ranked = rank(people, V1, T)
    assert [(s.person_ref, s.priority, s.harm) for s in ranked] == [
        ("R4", 65, 55),
        ("R2", 65, 40),
        ("R3", 65, 40),
        ("R1", 65, 40),
    ]


def test_priority_orders_first():
    people = [person(ev(10), ref="A"), person(ev(10), levers=[lever("benefits", 1)], ref="B")]
    assert [s.person_ref for s in rank(people, V1, T)] == ["B", "A"]


def test_the_published_object():
    s = score(ev(100, "abh"), ev(5, "breach_civil_order", victim=2), levers=[lever("drugs_intelligence", 3)])
    assert s.to_json() == {
        "person_ref": "P1",
        "priority": 30 + 10 + 20 + 10 + 30,
        "harm": 70,
        "opportunity": 30,
        "R": 30,
        "F": 10,
        "G": 20,
        "V": 10,
        "levers": {"breach_unactioned": 20, "drugs_intelligence": 10},
        "flags": ["serial", "recent_breach"],
    }
    assert (s.harm_days, s.events_in_window, s.victims_in_window, s.latest_event_on) == (370, 2, 2, T - timedelta(5))


def test_version_2_scores_differently_and_version_1_stays_as_it_was():
    v1_before = copy.deepcopy(V1)
    v2 = copy.deepcopy(V1)
    v2["recency"][0]["points"] = 40
    v2["lever_weights"]["outstanding_warrant"] = 50
    v2["opportunity_cap"] = 60
    people = [person(ev(10, "abh"), levers=[lever("outstanding_warrant", 1), lever("bail_conditions", 1)])]
    by_v1 = rank(people, V1, T)[0]
    by_v2 = rank(people, v2, T)[0]
    assert (by_v1.r, by_v1.opportunity, by_v1.priority) == (30, 35, 30 + 5 + 20 + 0 + 35)
    assert (by_v2.r, by_v2.opportunity, by_v2.priority) == (40, 60, 40 + 5 + 20 + 0 + 60)
    assert v1_before == V1
    assert rank(people, V1, T) == [by_v1]
