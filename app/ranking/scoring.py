"""The harm-and-opportunity scoring model (DESIGN.md "Default scoring model"), as pure Python.

No database and no Flask here: the services load plain facts, this module turns them into scores.
Every number comes from a published model's `params` (seeded as version 1 by the catalogue
migration), never from a literal, so a new model version changes the scores without a code change
and an old run can be recomputed exactly with the version it used.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

# Fixed vocabulary the rules branch on (the same codes as app.catalogue, which this module does not
# import so that it stays free of Flask and the database; a test checks that the two agree).
BREACH_OFFENCES = ("breach_criminal_order", "breach_civil_order")
BREACH_UNACTIONED = "breach_unactioned"
HIGH_RISK = "high"

# Flags are always listed in this order.
FLAGS = ("serial", "escalating", "high_risk", "active_order", "recent_breach")


@dataclass(frozen=True, slots=True)
class EventFact:
    """A DA event in which the person is the suspect."""

    occurred_on: date
    victim_id: int | str
    offence: str
    dash_risk: str | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class LeverRecord:
    """One recorded note of a lever: the latest note per lever (by noted_on) decides."""

    lever: str
    active: bool
    noted_on: date


@dataclass(frozen=True, slots=True)
class OrderSpan:
    """An order of which the person is the subject."""

    starts_on: date
    ends_on: date | None = None
    revoked_on: date | None = None


@dataclass(slots=True)
class PersonInputs:
    ref: str
    events: list[EventFact] = field(default_factory=list)
    levers: list[LeverRecord] = field(default_factory=list)
    orders: list[OrderSpan] = field(default_factory=list)
    person_id: int | None = None


@dataclass(frozen=True, slots=True)
class Score:
    """One ranked person: the published object (to_json) plus what storage and explanation need."""

    person_ref: str
    priority: int
    harm: int
    opportunity: int
    r: int
    f: int
    g: int
    v: int
    levers: dict[str, int]
    flags: tuple[str, ...]
    harm_days: int
    events_in_window: int
    victims_in_window: int
    latest_event_on: date
    person_id: int | None = None

    def to_json(self) -> dict:
        """The object of `rank --json` and GET /api/v1/targets, exactly as DESIGN.md names it."""
        return {
            "person_ref": self.person_ref,
            "priority": self.priority,
            "harm": self.harm,
            "opportunity": self.opportunity,
            "R": self.r,
            "F": self.f,
            "G": self.g,
            "V": self.v,
            "levers": dict(self.levers),
            "flags": list(self.flags),
        }

    def sort_key(self) -> tuple:
        # Priority, then harm, then latest event (newest first), then person reference.
        return (-self.priority, -self.harm, -self.latest_event_on.toordinal(), self.person_ref)


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
    weights = params["lever_weights"]
    latest: dict[str, LeverRecord] = {}
    for record in person.levers:
        if record.noted_on > as_of or record.lever == BREACH_UNACTIONED:
            continue
        held = latest.get(record.lever)
        if held is None or record.noted_on >= held.noted_on:
            latest[record.lever] = record
    levers = {name: weights.get(name, 0) for name, record in latest.items() if record.active}
    if _breach_unactioned(person, params, as_of):
        levers[BREACH_UNACTIONED] = weights.get(BREACH_UNACTIONED, 0)
    return dict(sorted(levers.items(), key=lambda item: (-item[1], item[0])))


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


def _order_active(order: OrderSpan, as_of: date) -> bool:
    # DESIGN.md names starts_on and ends_on only. Our reading: an order revoked on or before T is
    # no longer in force on T (as Order.in_force_on), so it does not earn the active_order flag.
    if order.starts_on > as_of:
        return False
    if order.revoked_on is not None and order.revoked_on <= as_of:
        return False
    return order.ends_on is None or order.ends_on >= as_of


def score_person(person: PersonInputs, params: dict, as_of: date) -> Score | None:
    """The person's score as of T, or None when no event of theirs is in the window."""
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
        "active_order": any(_order_active(order, as_of) for order in person.orders),
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
        flags=tuple(flag for flag in FLAGS if raised[flag]),
        harm_days=harm_days,
        events_in_window=len(in_window),
        victims_in_window=len(victims),
        latest_event_on=latest_on,
        person_id=person.person_id,
    )


def rank(people: Iterable[PersonInputs], params: dict, as_of: date) -> list[Score]:
    """Score everyone and return the ranked persons in order (unranked persons left out)."""
    scores = [score for person in people if (score := score_person(person, params, as_of)) is not None]
    scores.sort(key=Score.sort_key)
    return scores
