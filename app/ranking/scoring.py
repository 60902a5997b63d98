"""The harm-and-opportunity scoring models (DESIGN.md "Default scoring model (v1)" and "Scoring model
v2"), as pure Python.

No database and no Flask here: the services load plain facts, this module turns them into scores.
Every number comes from a published model's `params`, never from a literal, so a new model version
changes the scores without a code change and an old run can be recomputed exactly with the version
it used. A version also names its rule set (`rules`): 1 is v1, kept exactly as it was; 2 is v2
(street time, incidents, victims aged 16 or over, wider gravity bands, custody flags), in
app.ranking.rules_v2.
"""

import math
from collections.abc import Iterable
from datetime import date, timedelta

from app.ranking import rules_v2
from app.ranking.inputs import (  # noqa: F401  (the names the services, tests and bench import from here)
    BREACH_OFFENCES,
    BREACH_UNACTIONED,
    FLAGS,
    HIGH_RISK,
    RULE_SETS,
    CustodySpan,
    EventFact,
    LeverRecord,
    OrderSpan,
    PersonInputs,
    Score,
    lever_points,
    order_active,
)


def age_in_months(occurred_on: date, as_of: date, params: dict) -> float:
    return (as_of - occurred_on).days / params["days_per_month"]


def lookback_days(params: dict) -> int:
    """How many days before T an event can still change a score: the loading horizon."""
    months = max(params["window_months"], params["escalating"]["max_months"])
    return max(
        math.ceil(months * params["days_per_month"]),
        params["breach_unactioned_days"],
        params["recent_breach_days"],
    )


def earliest_relevant(as_of: date, params: dict) -> date:
    """The oldest occurred_on that can matter as of T (clamped for absurdly early dates)."""
    try:
        return as_of - timedelta(days=lookback_days(params))
    except OverflowError:
        return date.min


def _first_at_most(bands: list[dict], key: str, value: float) -> int:
    for band in bands:
        if value <= band[key]:
            return band["points"]
    return 0


def _highest_at_least(bands: list[dict], key: str, value: int) -> int:
    matched = [band for band in bands if value >= band[key]]
    return max(matched, key=lambda band: band[key])["points"] if matched else 0


def _first_below(bands: list[dict], value: int) -> int:
    for band in bands:
        if band["below_days"] is None or value < band["below_days"]:
            return band["points"]
    return 0


def active_levers(person: PersonInputs, params: dict, as_of: date) -> dict[str, int]:
    """Recorded levers whose latest note on or before T says active, plus the derived breach lever.

    `breach_unactioned` is never taken from a recorded note: it is worked out from breach events.
    Two notes of one lever on the same day cannot both be stored; if given here, the later one in
    the input wins.
    """
    return lever_points(person.levers, params["lever_weights"], as_of, _breach_unactioned(person, params, as_of))


def _days_old(event: EventFact, as_of: date) -> int:
    return (as_of - event.occurred_on).days


def _breach_unactioned(person: PersonInputs, params: dict, as_of: date) -> bool:
    actioned = set(params["breach_actioned_outcomes"])
    return any(
        event.offence in BREACH_OFFENCES
        and 0 <= _days_old(event, as_of) <= params["breach_unactioned_days"]
        and event.outcome not in actioned
        for event in person.events
    )


def score_person(person: PersonInputs, params: dict, as_of: date, rules: int = 1) -> Score | None:
    """The person's score as of T under the rule set, or None when no event of theirs is in the window."""
    if rules == 2:
        return rules_v2.score_inputs(person, rules_v2.compile_params(params, as_of))
    if rules != 1:
        raise ValueError(f"unknown rule set {rules!r}")
    return _score_v1(person, params, as_of)


def _score_v1(person: PersonInputs, params: dict, as_of: date) -> Score | None:
    per_month = params["days_per_month"]
    # Events after T do not exist as of T; the others with their age in days and in months.
    aged = [(event, days, days / per_month) for event in person.events if (days := _days_old(event, as_of)) >= 0]
    in_window = [event for event, _, months in aged if months <= params["window_months"]]
    if not in_window:
        return None

    latest_on = max(event.occurred_on for event in in_window)
    victims = {event.victim_id for event in in_window}
    harm_days_by_offence = params["harm_days"]
    # An offence missing from the model's harm days (a category added after it was published)
    # counts 0 days until a new model version gives it a value.
    harm_days = sum(harm_days_by_offence.get(event.offence, 0) for event in in_window)

    r = _first_at_most(params["recency"], "max_months", age_in_months(latest_on, as_of, params))
    f = _highest_at_least(params["frequency"], "min_events", len(in_window))
    g = _first_below(params["gravity"], harm_days)
    v = _highest_at_least(params["victims"], "min_victims", len(victims))
    harm = r + f + g + v

    levers = active_levers(person, params, as_of)
    opportunity = min(sum(levers.values()), params["opportunity_cap"])

    escalating = params["escalating"]
    raised = {
        "serial": len(victims) >= params["serial_min_victims"],
        "escalating": sum(1 for _, _, months in aged if months <= escalating["max_months"]) >= escalating["min_events"],
        "high_risk": any(event.dash_risk == HIGH_RISK for event in in_window),
        "active_order": any(order_active(order, as_of) for order in person.orders),
        "recent_breach": any(
            event.offence in BREACH_OFFENCES and days <= params["recent_breach_days"] for event, days, _ in aged
        ),
    }
    return Score(
        person_ref=person.ref,
        priority=harm + opportunity,
        harm=harm,
        opportunity=opportunity,
        r=r,
        f=f,
        g=g,
        v=v,
        levers=levers,
        flags=tuple(flag for flag in FLAGS if raised.get(flag)),
        harm_days=harm_days,
        events_in_window=len(in_window),
        victims_in_window=len(victims),
        latest_event_on=latest_on,
        person_id=person.person_id,
        recency_days=(as_of - latest_on).days,
    )


def rank(people: Iterable[PersonInputs], params: dict, as_of: date, rules: int = 1) -> list[Score]:
    """Score everyone and return the ranked persons in order (unranked persons left out)."""
    scores = [score for person in people if (score := score_person(person, params, as_of, rules)) is not None]
    scores.sort(key=Score.sort_key)
    return scores
