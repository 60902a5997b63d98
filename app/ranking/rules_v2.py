"""Scoring model v2 (DESIGN.md "Scoring model v2") as pure Python: street time, incidents, victims
aged 16 or over, wider gravity bands and the custody flags; every other rule as in v1.

The model's months are turned into whole days once per as-of date (`compile_params`): "street
months <= 36" is exactly "street days <= 1095" when a month is 30.44 days, because dividing by a
positive number keeps the order of whole numbers. Scoring one person is then integer arithmetic on
day numbers (`date.toordinal`), which is what lets a force-scale ranking stay fast. The loader in
app.ranking.facts hands events over as plain tuples in the same shape `score_inputs` builds here,
so there is one implementation of the rules for the web, the command line, the backtest and the
benchmark.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import compress

from app.ranking.inputs import (
    BREACH_OFFENCES,
    FLAGS,
    HIGH_RISK,
    CustodySpan,
    PersonInputs,
    Score,
    lever_points,
    order_active,
)

ADULT_AGE = 16  # DA is between persons aged 16 or over (Domestic Abuse Act 2021 s.1); v2's default
RELEASE_DUE_DAYS = 28

# An event as the rules read it, a row of the loader's event stream: (suspect id, day number
# (date.toordinal), victim id, offence, DASH grade, outcome).
EventRow = tuple[object, int, object, str, str | None, str | None]
BREACH_OFFENCES_SET = frozenset(BREACH_OFFENCES)


def whole_days(months: float, days_per_month: float) -> int:
    """The largest whole number of days d with d / days_per_month <= months."""
    days = int(months * days_per_month)
    while days / days_per_month > months:
        days -= 1
    while (days + 1) / days_per_month <= months:
        days += 1
    return days


@dataclass(frozen=True)
class Compiled:
    """A v2 model's numbers for one as-of date, with every month threshold in whole days."""

    as_of: date
    today: int  # as_of.toordinal()
    window_days: int
    recency: tuple[tuple[int, int], ...]  # (at most this many street days, points), first match
    frequency: tuple[tuple[int, int], ...]  # (at least this many incidents, points), highest first
    gravity: tuple[tuple[int | None, int], ...]  # (below this many harm days, points), first match
    victims: tuple[tuple[int, int], ...]  # (at least this many victims, points), highest first
    harm_days: Mapping[str, int]
    harm_lookup: Mapping[str, int]  # harm_days, with 0 for an offence the version has no number for
    lever_weights: Mapping[str, int]
    opportunity_cap: int
    escalating_days: int
    escalating_min: int
    breach_unactioned_days: int
    recent_breach_days: int
    actioned: frozenset
    serial_min: int
    adult_age: int
    release_due_days: int


def compile_params(params: dict, as_of: date) -> Compiled:
    per_month = params["days_per_month"]
    return Compiled(
        as_of=as_of,
        today=as_of.toordinal(),
        window_days=whole_days(params["window_months"], per_month),
        recency=tuple((whole_days(b["max_months"], per_month), b["points"]) for b in params["recency"]),
        frequency=tuple(sorted(((b["min_events"], b["points"]) for b in params["frequency"]), reverse=True)),
        gravity=tuple((b["below_days"], b["points"]) for b in params["gravity"]),
        victims=tuple(sorted(((b["min_victims"], b["points"]) for b in params["victims"]), reverse=True)),
        harm_days=params["harm_days"],
        harm_lookup=defaultdict(int, params["harm_days"]),
        lever_weights=params["lever_weights"],
        opportunity_cap=params["opportunity_cap"],
        escalating_days=whole_days(params["escalating"]["max_months"], per_month),
        escalating_min=params["escalating"]["min_events"],
        breach_unactioned_days=params["breach_unactioned_days"],
        recent_breach_days=params["recent_breach_days"],
        actioned=frozenset(params["breach_actioned_outcomes"]),
        serial_min=params["serial_min_victims"],
        adult_age=params.get("victim_min_age", ADULT_AGE),
        release_due_days=params.get("release_due_days", RELEASE_DUE_DAYS),
    )


def lookback_days(params: dict) -> int:
    """How many calendar days before T an event can matter for a person never in custody."""
    per_month = params["days_per_month"]
    return max(
        whole_days(params["window_months"], per_month),
        whole_days(params["escalating"]["max_months"], per_month),
        params["breach_unactioned_days"],
        params["recent_breach_days"],
    )


def birthday(born: date, years: int) -> date:
    """The day a person born on `born` turns `years` (29 February's child: 1 March in other years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


# ---- custody ---------------------------------------------------------------------------------------


def custody_spans(custody: Iterable[CustodySpan], today: int) -> list[tuple[int, int | None]]:
    """The periods that started on or before T as (first day, first day out or None), merged where
    they overlap so that no day is counted twice."""
    spans = sorted(
        (s.starts_on.toordinal(), s.ends_on.toordinal() if s.ends_on else None)
        for s in custody
        if s.starts_on.toordinal() <= today
    )
    merged: list[list] = []
    for start, end in spans:
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            if merged[-1][1] is not None and (end is None or end > merged[-1][1]):
                merged[-1][1] = end
            continue
        merged.append([start, end])
    return [(start, end) for start, end in merged]


def custody_days(spans: list[tuple[int, int | None]], day: int, today: int) -> int:
    """C of DESIGN.md: the days x with day < x <= T that fall in a custody period."""
    total = 0
    for start, end in spans:
        low = max(day + 1, start)
        high = today if end is None else min(today, end - 1)
        if high >= low:
            total += high - low + 1
    return total


def custody_flags(custody: Iterable[CustodySpan], c: Compiled) -> tuple[bool, bool]:
    """(in_custody, release_due) on T: a period covers T; its expected release is T to T + 28 days."""
    covering = [s for s in custody if s.starts_on <= c.as_of and (s.ends_on is None or c.as_of < s.ends_on)]
    if not covering:
        return False, False
    period = max(covering, key=lambda s: s.starts_on)
    release = period.expected_release_on
    return True, release is not None and 0 <= (release - c.as_of).days <= c.release_due_days


# ---- scoring -----------------------------------------------------------------------------------------


def _first_within(bands, value: int) -> int:
    for most, points in bands:
        if value <= most:
            return points
    return 0


def _highest_reached(bands, value: int) -> int:
    for least, points in bands:
        if value >= least:
            return points
    return 0


def _gravity(bands, value: int) -> int:
    for below, points in bands:
        if below is None or value < below:
            return points
    return 0


@dataclass(slots=True)
class Tally:
    """What the rules count in one person's events as of T."""

    events: int = 0  # in the window
    latest: int = -1  # day number of the latest event in the window
    latest_street: int = -1  # its street days
    harm: int = 0
    incidents: int = 0
    victims: int = 0  # aged 16 or over on one of their events in the window, or of unknown age
    recent_incidents: int = 0  # street days within the escalating period
    high_risk: bool = False
    recent_breach: bool = False
    unactioned: bool = False


def _breaches(c: Compiled, rows, tally: Tally) -> None:
    """recent_breach and breach_unactioned: on calendar days, whatever the custody."""
    today = c.today
    for _, day, _, offence, _, outcome in rows:
        if offence in BREACH_OFFENCES and today - day >= 0:
            if today - day <= c.recent_breach_days:
                tally.recent_breach = True
            if today - day <= c.breach_unactioned_days and outcome not in c.actioned:
                tally.unactioned = True


def _tally_all_in_window(c: Compiled, rows, young: Mapping) -> Tally:
    """The tally when every event is in the window and no day was spent in custody (street days
    are calendar days): most persons, counted with set and sequence operations only."""
    if len(rows) == 1:  # three perpetrators in four are reported once
        _, day, victim, offence, dash_risk, _ = rows[0]
        tally = Tally(
            1,
            day,
            c.today - day,
            c.harm_lookup[offence],
            1,
            0 if victim in young and day < young[victim] else 1,
            1 if c.today - day <= c.escalating_days else 0,
            dash_risk == HIGH_RISK,
        )
        if offence in BREACH_OFFENCES_SET:
            _breaches(c, rows, tally)
        return tally
    _, days, victims, offences, dash_risks, _ = zip(*rows, strict=True)
    latest = days[-1]
    tally = Tally(events=len(days), latest=latest, latest_street=c.today - latest)
    tally.harm = sum(map(c.harm_lookup.__getitem__, offences))
    incidents = set(zip(victims, days, strict=True))
    tally.incidents = len(incidents)
    distinct = set(victims)
    doubtful = [v for v in distinct if v in young] if young else ()
    if doubtful:
        distinct -= {v for v in doubtful if not any(d >= young[v] for w, d in incidents if w == v)}
    tally.victims = len(distinct)
    if tally.incidents >= c.escalating_min:
        since = bisect_left(days, c.today - c.escalating_days)
        tally.recent_incidents = len(set(zip(victims[since:], days[since:], strict=True)))
    tally.high_risk = HIGH_RISK in dash_risks
    if not BREACH_OFFENCES_SET.isdisjoint(offences):
        _breaches(c, rows, tally)
    return tally


def _tally(c: Compiled, rows, spans, young: Mapping) -> Tally:
    """The tally in general: events after T, outside the window, or aged by days in custody."""
    today, window = c.today, c.window_days
    tally = Tally()
    incidents, victims, recent = set(), set(), set()
    harm_of = c.harm_days
    for _, day, victim, offence, dash_risk, _ in rows:
        days = today - day
        if days < 0:
            continue  # after T: it does not exist as of T
        street = days - custody_days(spans, day, today) if spans else days
        if street <= c.escalating_days:
            recent.add((victim, day))
        if street > window:
            continue
        tally.events += 1
        if day > tally.latest:
            tally.latest, tally.latest_street = day, street
        tally.harm += harm_of.get(offence, 0)
        incidents.add((victim, day))
        if dash_risk == HIGH_RISK:
            tally.high_risk = True
        sixteen = young.get(victim)
        if sixteen is None or day >= sixteen:
            victims.add(victim)
    tally.incidents, tally.victims, tally.recent_incidents = len(incidents), len(victims), len(recent)
    _breaches(c, rows, tally)
    return tally


def score_events(
    ref: str,
    person_id: int | None,
    rows: list[EventRow],
    c: Compiled,
    *,
    levers=(),
    orders=(),
    custody=(),
    young: Mapping = {},
) -> Score | None:
    """One person's v2 score as of T from their event rows (oldest first), or None when none is in
    the window.

    `young` holds the victims who may have been under 16 on some event (recorded date of birth):
    a victim absent from it counts for V, as does one who was 16 on at least one event in the window.
    """
    if not rows:
        return None
    today = c.today
    spans = custody_spans(custody, today) if custody else ()
    if not spans and rows[-1][1] <= today and rows[0][1] >= today - c.window_days:
        tally = _tally_all_in_window(c, rows, young)
    else:
        tally = _tally(c, rows, spans, young)
    return score_tally(ref, person_id, tally, c, levers=levers, orders=orders, custody=custody)


def score_tally(ref: str, person_id, tally: Tally, c: Compiled, *, levers=(), orders=(), custody=()) -> Score | None:
    """The score from what the rules counted in a person's events: the bands, the levers and the
    flags. (The loader counts in the database for most persons, and here for the rest.)"""
    if not tally.events:
        return None
    r = _first_within(c.recency, tally.latest_street)
    f = _highest_reached(c.frequency, tally.incidents)
    g = _gravity(c.gravity, tally.harm)
    v = _highest_reached(c.victims, tally.victims)
    lever_weights = (
        lever_points(levers, c.lever_weights, c.as_of, tally.unactioned) if levers or tally.unactioned else {}
    )
    opportunity = min(sum(lever_weights.values()), c.opportunity_cap)
    in_custody, release_due = custody_flags(custody, c) if custody else (False, False)
    raised = (
        tally.victims >= c.serial_min,
        tally.recent_incidents >= c.escalating_min,
        tally.high_risk,
        bool(orders) and any(order_active(order, c.as_of) for order in orders),
        tally.recent_breach,
        in_custody,
        release_due,
    )
    return Score(
        person_ref=ref,
        priority=r + f + g + v + opportunity,
        harm=r + f + g + v,
        opportunity=opportunity,
        r=r,
        f=f,
        g=g,
        v=v,
        levers=lever_weights,
        flags=tuple(compress(FLAGS, raised)),
        harm_days=tally.harm,
        events_in_window=tally.events,
        victims_in_window=tally.victims,
        latest_event_on=date.fromordinal(tally.latest),
        person_id=person_id,
        incidents_in_window=tally.incidents,
        recency_days=tally.latest_street,
    )


def young_victims(born: Mapping, adult_age: int = ADULT_AGE) -> dict:
    """{victim id: day number of their birthday at `adult_age`} from {victim id: date of birth}."""
    return {victim: birthday(day, adult_age).toordinal() for victim, day in born.items() if day is not None}


def score_inputs(person: PersonInputs, c: Compiled) -> Score | None:
    """score_events for the plain facts of app.ranking.inputs (the tests' and the naive loop's shape)."""
    events = sorted(
        (
            (person.person_id, e.occurred_on.toordinal(), e.victim_id, e.offence, e.dash_risk, e.outcome)
            for e in person.events
        ),
        key=lambda row: row[1],
    )
    born = {e.victim_id: e.victim_born for e in person.events if e.victim_born is not None}
    return score_events(
        person.ref,
        person.person_id,
        events,
        c,
        levers=person.levers,
        orders=person.orders,
        custody=person.custody,
        young=young_victims(born, c.adult_age),
    )
