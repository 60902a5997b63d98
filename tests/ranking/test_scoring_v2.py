"""Scoring model v2 on plain data, at the edges of every rule DESIGN.md "Scoring model v2" changes,
with hand-worked expectations; and v1 left exactly as it was for the same persons.

No database: the params are the dict the v2 migration seeds.
"""

import copy
import random
from datetime import date, timedelta

import pytest

from app.ranking import rules_v2
from app.ranking.scoring import CustodySpan, EventFact, LeverRecord, OrderSpan, PersonInputs, rank, score_person
from tests.ranking.test_scoring import V1, V2

T = date(2026, 6, 30)


def day(days_ago: int) -> date:
    return T - timedelta(days=days_ago)


def ev(days_ago: int, offence="common_assault", victim=1, dash=None, outcome=None, born=None) -> EventFact:
    return EventFact(day(days_ago), victim, offence, dash, outcome, born)


def inside(from_ago: int, to_ago: int | None = None, release_in: int | None = None) -> CustodySpan:
    """A custody period from `from_ago` days ago to `to_ago` days ago (the day out), or still in."""
    return CustodySpan(
        day(from_ago),
        day(to_ago) if to_ago is not None else None,
        T + timedelta(days=release_in) if release_in else None,
    )


def v2(*events, custody=(), levers=(), orders=(), ref="P1", params=V2, as_of=T):
    return score_person(
        PersonInputs(ref=ref, events=list(events), custody=list(custody), levers=list(levers), orders=list(orders)),
        params,
        as_of,
        rules=2,
    )


def v1(*events, custody=(), levers=(), orders=(), ref="P1"):
    person = PersonInputs(ref=ref, events=list(events), custody=list(custody), levers=list(levers), orders=list(orders))
    return score_person(person, V1, T, rules=1)


def test_the_v2_numbers_are_v1_with_wider_gravity_and_the_new_settings():
    assert {k: v for k, v in V2.items() if k not in ("gravity", "victim_min_age", "release_due_days")} == {
        k: v for k, v in V1.items() if k != "gravity"
    }
    assert [(b["below_days"], b["points"]) for b in V2["gravity"]] == [
        (10, 2),
        (30, 5),
        (180, 10),
        (365, 15),
        (1000, 20),
        (2000, 25),
        (4000, 30),
        (8000, 35),
        (None, 40),
    ]
    assert (V2["victim_min_age"], V2["release_due_days"]) == (16, 28)


# ---- street time ---------------------------------------------------------------------------------


def test_time_in_custody_does_not_age_events_across_the_release_day():
    # Event 400 days ago; inside from 390 days ago until the release 10 days ago (the day out):
    # days 390 ... 11 ago are inside, 380 days; 400 - 380 = 20 street days.
    s = v2(ev(400), custody=[inside(390, 10)])
    assert (s.recency_days, s.r) == (20, 30)
    # Released a day later: one more day inside, one fewer street day.
    assert v2(ev(400), custody=[inside(390, 9)]).recency_days == 19
    # The release day itself is a street day: out today means not in custody today.
    out_today = v2(ev(400), custody=[inside(390, 0)])
    assert out_today.recency_days == 10 and "in_custody" not in out_today.flags
    assert "in_custody" in v2(ev(400), custody=[CustodySpan(day(390), T + timedelta(days=1))]).flags


def test_the_window_is_36_street_months():
    # 36 months of 30.44 days is 1,095.84: 1,095 street days are in the window, 1,096 are not.
    assert v2(ev(1095 + 50), custody=[inside(100, 50)]).events_in_window == 1
    assert v2(ev(1096 + 50), custody=[inside(100, 50)]) is None
    assert v2(ev(1096)) is None and v2(ev(1095)).events_in_window == 1


def test_the_man_released_last_month_after_three_years_inside_is_ranked_under_v2_only():
    events = [ev(1190, "strangulation", dash="high"), ev(1160, "rape", dash="high"), ev(1145, "gbh", dash="high")]
    custody = [inside(1140, 990), inside(990, 26)]  # remand, then the sentence: out 26 days ago
    assert v1(*events, custody=custody) is None  # every event over 36 months old
    s = v2(*events, custody=custody)
    # Street days of the latest event: 1,145 - 1,114 days inside = 31: R 30. F 15 (3 incidents),
    # G 30 (365 + 1,825 + 730 = 2,920 harm days), V 0 (one victim).
    assert (s.recency_days, s.r, s.f, s.g, s.v, s.harm_days) == (31, 30, 15, 30, 0, 2920)
    assert s.flags == ("escalating", "high_risk")


def test_an_open_period_covers_every_day_up_to_t_and_raises_in_custody():
    # Days 1,150 ago to today (T itself included) are inside: 1,151 of the 1,200.
    s = v2(ev(1200, "abh"), custody=[inside(1150)])
    assert (s.recency_days, s.r) == (49, 30)
    assert s.flags == ("in_custody",)
    assert v1(ev(1200, "abh"), custody=[inside(1150)]) is None


def test_periods_starting_after_t_do_not_count():
    later = CustodySpan(T + timedelta(days=1), None, T + timedelta(days=100))
    assert v2(ev(1200), custody=[later]) is None
    s = v2(ev(100), custody=[later])
    assert s.recency_days == 100 and "in_custody" not in s.flags


def test_overlapping_periods_count_each_day_once():
    # Not allowed in stored data, but the rules must not count a day twice if given them.
    s = v2(ev(400), custody=[inside(390, 100), inside(200, 10)])
    assert s.recency_days == 400 - 380


def test_recent_breach_and_breach_unactioned_stay_on_calendar_days():
    # A breach 40 calendar days ago is not "recent" (30 days) even after 20 days inside since.
    s = v2(ev(40, "breach_criminal_order"), custody=[inside(30, 10)])
    assert s.recency_days == 20 and "recent_breach" not in s.flags and s.levers == {"breach_unactioned": 20}
    # 95 calendar days: no longer unactioned, however many days were inside.
    assert v2(ev(95, "breach_criminal_order"), custody=[inside(90, 10)]).levers == {}


def test_escalating_counts_incidents_within_12_street_months():
    # Three incidents 400-420 days ago, 60 days of it inside since: 340-360 street days, under 12 months.
    events = [ev(420, victim=1), ev(410, victim=1), ev(400, victim=1)]
    assert "escalating" not in v2(*events).flags
    assert "escalating" in v2(*events, custody=[inside(300, 240)]).flags


def test_ties_are_still_broken_by_the_latest_calendar_date():
    # Same priority and harm; B's latest event is newer on the calendar (though older in street days).
    a = PersonInputs(ref="A", events=[ev(30)])
    b = PersonInputs(ref="B", events=[ev(20)], custody=[inside(19, 18)])
    ranked = rank([a, b], V2, T, rules=2)
    assert [s.person_ref for s in ranked] == ["B", "A"] and ranked[0].priority == ranked[1].priority


# ---- incidents -----------------------------------------------------------------------------------


def test_one_incident_recorded_as_three_crimes_is_one_incident():
    three = [ev(20, "abh"), ev(20, "criminal_damage"), ev(20, "common_assault")]
    # v1: R30 F15 (3 events) G20 (377 days) = 65, escalating. v2: F5 (1 incident) = 55, not escalating.
    by_v1 = v1(*three)
    assert (by_v1.harm, by_v1.f, by_v1.flags) == (65, 15, ("escalating",))
    by_v2 = v2(*three)
    assert (by_v2.harm, by_v2.f, by_v2.flags, by_v2.incidents_in_window, by_v2.events_in_window) == (55, 5, (), 1, 3)
    assert by_v2.harm_days == 377  # every crime is harm
    assert v2(ev(20, "abh")).harm == 55  # the same as recorded as one crime


def test_same_day_events_against_different_victims_are_different_incidents():
    s = v2(ev(20, victim=1), ev(20, victim=2), ev(21, victim=1))
    assert (s.incidents_in_window, s.f) == (3, 15)


# ---- victims aged 16 or over ---------------------------------------------------------------------


def sixteen_on(days_ago: int) -> date:
    """A date of birth that makes the victim 16 exactly `days_ago` days ago."""
    birthday = day(days_ago)
    return birthday.replace(year=birthday.year - 16)


def test_a_victim_counts_from_their_16th_birthday():
    adult = ev(100, victim=1)
    the_day_before = ev(50, victim=2, born=sixteen_on(49))
    on_the_day = ev(50, victim=3, born=sixteen_on(50))
    assert (v2(adult, the_day_before).victims_in_window, v2(adult, the_day_before).v) == (1, 0)
    assert "serial" not in v2(adult, the_day_before).flags
    assert (v2(adult, on_the_day).victims_in_window, v2(adult, on_the_day).v) == (2, 10)
    assert "serial" in v2(adult, on_the_day).flags
    # v1 counts every victim.
    assert v1(adult, the_day_before).victims_in_window == 2


def test_a_victim_counts_when_16_on_any_of_the_events_against_them_or_of_unknown_age():
    first_when_15 = ev(400, victim=2, born=sixteen_on(200))
    again_when_16 = ev(100, victim=2, born=sixteen_on(200))
    assert v2(ev(10, victim=1), first_when_15).victims_in_window == 1
    assert v2(ev(10, victim=1), first_when_15, again_when_16).victims_in_window == 2
    assert v2(ev(10, victim=1), ev(20, victim=2, born=None)).victims_in_window == 2


def test_a_29_february_birthday_turns_16_on_1_march():
    born = date(2008, 2, 29)  # 16 on 1 March 2024 (2024 is leap: 29 Feb); 2025's check uses 17
    assert rules_v2.birthday(born, 16) == date(2024, 2, 29)
    assert rules_v2.birthday(date(2009, 2, 28), 16) == date(2025, 2, 28)
    assert rules_v2.birthday(born, 17) == date(2025, 3, 1)


def test_a_14_year_old_victim_counts_for_neither_v_nor_serial():
    s = v2(ev(200, victim=1), ev(60, victim=2, born=day(60).replace(year=day(60).year - 14)))
    assert (s.v, s.victims_in_window, "serial" in s.flags) == (0, 1, False)


# ---- gravity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "g"), [(1999, 25), (2000, 30), (3999, 30), (4000, 35), (7999, 35), (8000, 40)])
def test_gravity_band_thresholds(total, g):
    params = copy.deepcopy(V2)
    params["harm_days"]["harassment"] = total  # one event with exactly that many harm days
    assert v2(ev(20, "harassment"), params=params).g == g


def test_harm_above_2000_days_is_no_longer_all_the_same():
    # The two persons: 6 events with 430 harm days, and 105 events with 16,605.
    six = ["abh", "harassment", "stalking", "common_assault", "malicious_communications", "breach_criminal_order"]
    few = [ev(20 + n, offence) for n, offence in enumerate(six)]
    many = ["rape"] * 9 + ["common_assault"] * 18 + ["non_crime_incident"] * 78
    many = [ev(20 + n, offence, victim=1 + n % 3) for n, offence in enumerate(many)]
    assert (v2(*few).harm_days, v2(*many).harm_days, len(many)) == (430, 16605, 105)
    assert (v1(*few).g, v1(*many).g) == (20, 30)  # v1: 2,000 days or 16,605, the same 30 points
    assert (v2(*few).g, v2(*many).g) == (20, 40)


# ---- custody flags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("release_in", "due"), [(0, True), (1, True), (27, True), (28, True), (29, False), (-1, False), (None, False)]
)
def test_release_due_from_t_to_t_plus_28_days(release_in, due):
    period = CustodySpan(day(300), None, T + timedelta(days=release_in) if release_in is not None else None)
    s = v2(ev(400), custody=[period])
    assert "in_custody" in s.flags
    assert ("release_due" in s.flags) is due


def test_release_due_reads_the_period_covering_t_only():
    released = CustodySpan(day(300), day(100), T + timedelta(days=5))  # out already: its expected day is old news
    assert v2(ev(400), custody=[released]).flags == ()


# ---- v1 exactly as it was ------------------------------------------------------------------------


def test_v1_ignores_custody_and_dates_of_birth_and_counts_events():
    events = [ev(20, "abh"), ev(20, "criminal_damage"), ev(60, victim=2, born=day(60).replace(year=2049 - 14))]
    by_v1 = v1(*events, custody=[inside(500)])
    assert (by_v1.f, by_v1.v, by_v1.recency_days, by_v1.incidents_in_window) == (15, 10, 20, None)
    assert "in_custody" not in by_v1.flags


def test_v1_is_the_default_rule_set():
    person = PersonInputs(ref="P1", events=[ev(20, "abh"), ev(20, "criminal_damage")])
    assert score_person(person, V1, T) == score_person(person, V1, T, rules=1)


# ---- the fast path and the general path agree --------------------------------------------------


def _random_person(rng: random.Random, n: int) -> PersonInputs:
    offences = list(V2["harm_days"])
    events = []
    for _ in range(rng.choice([1, 1, 1, 2, 3, 5, 12])):
        ago = rng.randint(-20, 1400)
        victim = rng.randint(1, 4)
        born = rng.choice([None, None, None, day(ago) - timedelta(days=rng.randint(13 * 365, 18 * 365))])
        events.append(
            ev(
                ago,
                rng.choice(offences),
                victim,
                rng.choice([None, "high", "medium"]),
                rng.choice([None, "arrest"]),
                born,
            )
        )
    custody = []
    if rng.random() < 0.3:
        start = rng.randint(0, 1300)
        custody.append(inside(start, rng.choice([None, rng.randint(-30, start)])))
    levers = [LeverRecord("outstanding_warrant", True, day(rng.randint(0, 50)))] if rng.random() < 0.2 else []
    orders = [OrderSpan(day(rng.randint(0, 400)))] if rng.random() < 0.2 else []
    return PersonInputs(ref=f"P{n}", events=events, custody=custody, levers=levers, orders=orders, person_id=n)


def test_the_all_in_window_shortcut_gives_the_general_answer(monkeypatch):
    rng = random.Random(7)
    people = [_random_person(rng, n) for n in range(3000)]
    fast = [s for p in people if (s := score_person(p, V2, T, rules=2))]
    monkeypatch.setattr(rules_v2, "_tally_all_in_window", lambda c, rows, young: rules_v2._tally(c, rows, (), young))
    general = [s for p in people if (s := score_person(p, V2, T, rules=2))]
    assert fast == general and len(fast) > 1500
