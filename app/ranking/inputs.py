"""The plain facts a scoring model reads and the score it gives, shared by every rule set.

No database and no Flask: the ranking services load these, app.ranking.scoring (v1) and
app.ranking.rules_v2 (v2) turn them into scores.
"""

from dataclasses import dataclass, field
from datetime import date

# Fixed vocabulary the rules branch on (the same codes as app.catalogue, which this module does not
# import so that it stays free of Flask and the database; a test checks that the two agree).
BREACH_OFFENCES = ("breach_criminal_order", "breach_civil_order")
BREACH_UNACTIONED = "breach_unactioned"
HIGH_RISK = "high"

# Flags are always listed in this order (v1 never raises the last two).
FLAGS = ("serial", "escalating", "high_risk", "active_order", "recent_breach", "in_custody", "release_due")
RULE_SETS = (1, 2)


@dataclass(frozen=True, slots=True)
class EventFact:
    """A DA event in which the person is the suspect."""

    occurred_on: date
    victim_id: int | str
    offence: str
    dash_risk: str | None = None
    outcome: str | None = None
    # The victim's date of birth when recorded (v2 counts victims aged 16 or over; v1 ignores it).
    victim_born: date | None = None


@dataclass(frozen=True, slots=True)
class CustodySpan:
    """A custody period: it covers the days x with starts_on <= x < ends_on (ends_on is the first day
    out), or every day from starts_on while still in custody (ends_on None). Only v2 reads it."""

    starts_on: date
    ends_on: date | None = None
    expected_release_on: date | None = None


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
    custody: list[CustodySpan] = field(default_factory=list)


@dataclass(slots=True)
class Score:
    """One ranked person: the published object (to_json) plus what storage and explanation need.
    (Not frozen: a frozen dataclass sets each of its fields through object.__setattr__, a tenth of
    a force-scale ranking's time; nothing changes a score once made.)"""

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
    # v2 counts incidents (one victim, one day) for F; v1 leaves this None.
    incidents_in_window: int | None = None
    # The days R is worked from: calendar days since the latest event (v1), street days (v2).
    recency_days: int = 0

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


def lever_points(records, weights: dict, as_of: date, breach_unactioned: bool) -> dict[str, int]:
    """{lever: weight} of the levers active on T (the rule of active_levers), heaviest first."""
    latest: dict[str, LeverRecord] = {}
    for record in records:
        if record.noted_on > as_of or record.lever == BREACH_UNACTIONED:
            continue
        held = latest.get(record.lever)
        if held is None or record.noted_on >= held.noted_on:
            latest[record.lever] = record
    levers = {name: weights.get(name, 0) for name, record in latest.items() if record.active}
    if breach_unactioned:
        levers[BREACH_UNACTIONED] = weights.get(BREACH_UNACTIONED, 0)
    return dict(sorted(levers.items(), key=lambda item: (-item[1], item[0])))


def order_active(order: OrderSpan, as_of: date) -> bool:
    # DESIGN.md names starts_on and ends_on only. Our reading: an order revoked on or before T is
    # no longer in force on T (as Order.in_force_on), so it does not earn the active_order flag.
    if order.starts_on > as_of:
        return False
    if order.revoked_on is not None and order.revoked_on <= as_of:
        return False
    return order.ends_on is None or order.ends_on >= as_of
