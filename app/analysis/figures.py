"""The perpetrator problem profile's figures: each worked out from the DA events by one query
(documented beside it and on the page), as of a chosen day T. Counts and shares only: no person
is named, no victim is identifiable.

Conventions, the scoring model's (DESIGN.md): "the year to T" is the events with
T - 365 days <= occurred_on <= T (12 x 30.44 days, app.network.graph.cutoff); an event's harm is
its offence's harm days in the offence catalogue; a report is a DA event (an incident, a crime or
a breach); a perpetrator is the suspect named in an event; districts are as recorded.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app.catalogue import OffenceCategory
from app.network.graph import EventRecord, cutoff, serial_perpetrators
from app.network.services import serial_suspects_query
from app.offenders.models import DAEvent, Person

TOP_PERCENTS = (1, 5, 10)
HIGH_HARM_PERCENT = 5  # "the year's highest-harm perpetrators": the top 5% by harm in the year
REPORT_BANDS = (("1", 1, 1), ("2–5", 2, 5), ("6–10", 6, 10), ("more than 10", 11, None))
QUARTERS = 12
NOT_RECORDED = "Not recorded"
CURVE_POINTS = 200


def year_start(as_of: date) -> date:
    return cutoff(as_of, 12)


def _harm():
    return sa.func.coalesce(OffenceCategory.harm_days, 0)


def _events_in(start: date, end: date):
    return sa.and_(DAEvent.occurred_on >= start, DAEvent.occurred_on <= end)


# ---- harm concentration -----------------------------------------------------------------------


@dataclass
class Concentration:
    perpetrators: int
    harm: int
    top: dict[int, tuple[int, float]]  # percent of perpetrators -> (how many, share of all harm)
    curve: list[tuple[float, float]]  # (share of perpetrators, share of harm), most harmful first
    half: float | None  # the smallest share of perpetrators who caused half of all harm


def top_count(perpetrators: int, percent: int) -> int:
    """How many perpetrators make the top `percent`: rounded up, at least one (if any)."""
    return min(perpetrators, math.ceil(perpetrators * percent / 100)) if perpetrators else 0


def concentration(harms: list[int]) -> Concentration:
    """The Lorenz-style curve of harm against perpetrators, most harmful first."""
    ordered = sorted(harms, reverse=True)
    n, total = len(ordered), sum(ordered)
    running, cumulative = 0, [0]
    for h in ordered:
        running += h
        cumulative.append(running)
    share = (lambda k: cumulative[k] / total) if total else (lambda k: 0.0)
    top = {p: (top_count(n, p), share(top_count(n, p))) for p in TOP_PERCENTS}
    step = max(1, n // CURVE_POINTS)
    points = sorted({*range(0, n + 1, step), n, *(c for c, _ in top.values())})
    curve = [(k / n, share(k)) for k in points] if n else []
    half = next((k / n for k in range(n + 1) if total and cumulative[k] * 2 >= total), None)
    return Concentration(n, total, top, curve, half)


def harm_by_perpetrator(session, start: date, end: date) -> dict[int, int]:
    """SELECT suspect_id, SUM(harm days) FROM da_events JOIN offence_categories
    WHERE occurred_on BETWEEN start AND end GROUP BY suspect_id."""
    query = (
        sa.select(DAEvent.suspect_id, sa.func.sum(_harm()))
        .outerjoin(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .where(_events_in(start, end))
        .group_by(DAEvent.suspect_id)
    )
    return {suspect: int(harm or 0) for suspect, harm in session.execute(query)}


def harm_by_district(session, start: date, end: date) -> dict[str, list[int]]:
    """SELECT district, suspect_id, SUM(harm days) ... GROUP BY district, suspect_id: each
    district's perpetrators and the harm of their events recorded in that district."""
    query = (
        sa.select(DAEvent.district, DAEvent.suspect_id, sa.func.sum(_harm()))
        .outerjoin(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .where(_events_in(start, end))
        .group_by(DAEvent.district, DAEvent.suspect_id)
    )
    out: dict[str, list[int]] = defaultdict(list)
    for district, _suspect, harm in session.execute(query):
        out[district or NOT_RECORDED].append(int(harm or 0))
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == NOT_RECORDED, kv[0].lower())))


@dataclass
class NewHighHarm:
    percent: int
    perpetrators: int  # in the year's top `percent` by harm
    no_earlier_report: int  # of them, named as suspect in no event before the year

    @property
    def share(self) -> float:
        return self.no_earlier_report / self.perpetrators if self.perpetrators else 0.0


def new_high_harm(session, harm: dict[int, int], start: date) -> list[NewHighHarm]:
    """Of the year's top 1/5/10% perpetrators by harm (ties by person id), how many had no earlier
    report: SELECT DISTINCT suspect_id FROM da_events WHERE suspect_id IN (top) AND occurred_on < start."""
    ranked = sorted(harm, key=lambda p: (-harm[p], p))
    out = []
    widest = ranked[: top_count(len(ranked), max(TOP_PERCENTS))]
    earlier: set[int] = set()
    for chunk in range(0, len(widest), 5000):
        ids = widest[chunk : chunk + 5000]
        earlier |= set(
            session.scalars(
                sa.select(DAEvent.suspect_id).where(DAEvent.suspect_id.in_(ids), DAEvent.occurred_on < start).distinct()
            )
        )
    for percent in TOP_PERCENTS:
        top = ranked[: top_count(len(ranked), percent)]
        out.append(NewHighHarm(percent, len(top), sum(p not in earlier for p in top)))
    return out


# ---- repeat victims -----------------------------------------------------------------------------


@dataclass
class Band:
    label: str
    victims: int = 0
    reports: int = 0


@dataclass
class RepeatVictims:
    bands: list[Band]
    by_district: dict[str, list[int]]  # district of the victim -> victims in each band

    @property
    def victims(self) -> int:
        return sum(b.victims for b in self.bands)


def band_of(reports: int) -> int:
    for i, (_label, low, high) in enumerate(REPORT_BANDS):
        if reports >= low and (high is None or reports <= high):
            return i
    raise ValueError(reports)


def repeat_victims(session, start: date, end: date) -> RepeatVictims:
    """SELECT victim_id, persons.district, COUNT(*) FROM da_events JOIN persons ON victim
    WHERE occurred_on BETWEEN start AND end GROUP BY victim_id: victims banded by reports."""
    query = (
        sa.select(DAEvent.victim_id, Person.district, sa.func.count())
        .join(Person, Person.id == DAEvent.victim_id)
        .where(_events_in(start, end))
        .group_by(DAEvent.victim_id, Person.district)
    )
    bands = [Band(label) for label, _low, _high in REPORT_BANDS]
    by_district: dict[str, list[int]] = {}
    for _victim, district, reports in session.execute(query):
        i = band_of(reports)
        bands[i].victims += 1
        bands[i].reports += reports
        by_district.setdefault(district or NOT_RECORDED, [0] * len(REPORT_BANDS))[i] += 1
    ordered = dict(sorted(by_district.items(), key=lambda kv: (kv[0] == NOT_RECORDED, kv[0].lower())))
    return RepeatVictims(bands, ordered)


# ---- offences by harm ---------------------------------------------------------------------------


@dataclass
class OffenceRow:
    code: str
    label: str
    harm_days: int  # per event, from the catalogue
    events: int
    harm: int
    harm_share: float = 0.0
    event_share: float = 0.0


def offences_by_harm(session, start: date, end: date) -> list[OffenceRow]:
    """SELECT offence, COUNT(*), SUM(harm days) ... GROUP BY offence, most total harm first."""
    query = (
        sa.select(DAEvent.offence, OffenceCategory.label, _harm(), sa.func.count(), sa.func.sum(_harm()))
        .outerjoin(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .where(_events_in(start, end))
        .group_by(DAEvent.offence, OffenceCategory.label, OffenceCategory.harm_days)
    )
    rows = [
        OffenceRow(code, label or code, int(days), n, int(harm or 0))
        for code, label, days, n, harm in session.execute(query)
    ]
    total_harm, total_events = sum(r.harm for r in rows), sum(r.events for r in rows)
    for r in rows:
        r.harm_share = r.harm / total_harm if total_harm else 0.0
        r.event_share = r.events / total_events if total_events else 0.0
    return sorted(rows, key=lambda r: (-r.harm, -r.events, r.code))


# ---- serial perpetrators by district ------------------------------------------------------------


@dataclass
class SerialRow:
    district: str
    perpetrators: int = 0
    victims: int = 0
    events: int = 0
    harm: int = 0


def serial_by_district(session, as_of: date) -> list[SerialRow]:
    """Serial perpetrators as of T by the network's rule (2+ victims aged 16+, or of unknown age,
    within 36 months), by the district recorded on the perpetrator, with their distinct victims
    and their events and harm in the 36 months. The candidates come from the rule in SQL
    (app.network.services.serial_suspects_query); their events are then checked by the rule itself."""
    start = cutoff(as_of, 36)
    victim = sa.orm.aliased(Person)
    query = (
        sa.select(
            DAEvent.id,
            DAEvent.suspect_id,
            DAEvent.victim_id,
            DAEvent.occurred_on,
            _harm(),
            DAEvent.relationship_type,
            victim.date_of_birth,
        )
        .join(victim, victim.id == DAEvent.victim_id)
        .outerjoin(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .where(_events_in(start, as_of), DAEvent.suspect_id.in_(serial_suspects_query(as_of)))
    )
    records = [EventRecord(*row) for row in session.execute(query)]
    serial = serial_perpetrators(records, as_of)
    if not serial:
        return []
    districts = dict(session.execute(sa.select(Person.id, Person.district).where(Person.id.in_(sorted(serial)))).all())
    rows: dict[str, SerialRow] = {}
    victims: dict[str, set[int]] = defaultdict(set)
    for suspect, counted in serial.items():
        district = districts.get(suspect) or NOT_RECORDED
        row = rows.setdefault(district, SerialRow(district))
        row.perpetrators += 1
        victims[district] |= counted
    for r in records:
        if r.suspect_id in serial:
            row = rows[districts.get(r.suspect_id) or NOT_RECORDED]
            row.events += 1
            row.harm += r.harm_days
    for district, row in rows.items():
        row.victims = len(victims[district])
    return sorted(rows.values(), key=lambda r: (r.district == NOT_RECORDED, r.district.lower()))


# ---- trends -------------------------------------------------------------------------------------


@dataclass
class Quarter:
    start: date
    end: date
    partial: bool = False
    reports: int = 0
    perpetrators: int = 0
    victims: int = 0
    harm: int = 0

    @property
    def label(self) -> str:
        if self.partial:
            return f"{self.start:%d %b} to {self.end:%d %b %Y} (to date)"
        return f"{self.start:%b}–{self.end:%b %Y}"


def _next_quarter(day: date) -> date:
    month = day.month + 3
    return date(day.year + (month > 12), month - 12 if month > 12 else month, 1)


def quarters(as_of: date, count: int = QUARTERS) -> list[Quarter]:
    """The `count` calendar quarters up to the one holding T, oldest first; the last ends on T."""
    first_month = 3 * ((as_of.month - 1) // 3) + 1
    starts = []
    year, month = as_of.year, first_month
    for _ in range(count):
        starts.append(date(year, month, 1))
        month -= 3
        if month < 1:
            month += 12
            year -= 1
    starts.reverse()
    out = []
    for i, begin in enumerate(starts):
        end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else as_of
        out.append(Quarter(begin, end, partial=end < _next_quarter(begin) - timedelta(days=1)))
    return out


def quarterly_trends(session, as_of: date) -> list[Quarter]:
    """SELECT <quarter of occurred_on>, COUNT(*), COUNT(DISTINCT suspect_id), COUNT(DISTINCT
    victim_id), SUM(harm days) FROM da_events ... GROUP BY the quarter, for 12 quarters to T."""
    qs = quarters(as_of)
    which = sa.case(*((DAEvent.occurred_on.between(q.start, q.end), i) for i, q in enumerate(qs)), else_=None)
    query = (
        sa.select(
            which.label("quarter"),
            sa.func.count(),
            sa.func.count(sa.distinct(DAEvent.suspect_id)),
            sa.func.count(sa.distinct(DAEvent.victim_id)),
            sa.func.sum(_harm()),
        )
        .outerjoin(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .where(_events_in(qs[0].start, as_of))
        .group_by(which)
    )
    for i, reports, perpetrators, victims, harm in session.execute(query):
        if i is not None:
            q = qs[int(i)]
            q.reports, q.perpetrators, q.victims, q.harm = reports, perpetrators, victims, int(harm or 0)
    return qs


# ---- the data ---------------------------------------------------------------------------------


@dataclass
class DataRange:
    first: date | None
    last: date | None
    events: int
    after_as_of: int = 0  # events dated after T, left out of every figure


def data_range(session, as_of: date) -> DataRange:
    """SELECT MIN(occurred_on), MAX(occurred_on), COUNT(*) FROM da_events."""
    first, last, events = session.execute(
        sa.select(sa.func.min(DAEvent.occurred_on), sa.func.max(DAEvent.occurred_on), sa.func.count())
    ).one()
    later = session.scalar(sa.select(sa.func.count()).select_from(DAEvent).where(DAEvent.occurred_on > as_of))
    return DataRange(first, last, events, later)


@dataclass
class ProblemProfile:
    as_of: date
    year_start: date
    data: DataRange
    concentration: Concentration
    by_district: dict[str, Concentration]
    new_high_harm: list[NewHighHarm]
    repeat: RepeatVictims
    offences: list[OffenceRow]
    serial: list[SerialRow]
    trends: list[Quarter]
    notes: list[str] = field(default_factory=list)


def problem_profile(session, as_of: date) -> ProblemProfile:
    start = year_start(as_of)
    harm = harm_by_perpetrator(session, start, as_of)
    profile = ProblemProfile(
        as_of=as_of,
        year_start=start,
        data=data_range(session, as_of),
        concentration=concentration(list(harm.values())),
        by_district={d: concentration(h) for d, h in harm_by_district(session, start, as_of).items()},
        new_high_harm=new_high_harm(session, harm, start),
        repeat=repeat_victims(session, start, as_of),
        offences=offences_by_harm(session, start, as_of),
        serial=serial_by_district(session, as_of),
        trends=quarterly_trends(session, as_of),
    )
    first = profile.data.first
    if first is None:
        profile.notes.append("No DA event is recorded: every figure is empty.")
    else:
        if first > start:
            profile.notes.append(
                f"The records start on {first:%d %b %Y}, after the start of the year to {as_of:%d %b %Y}: "
                "the year is incomplete, and few perpetrators can have an earlier report."
            )
        if first > profile.trends[0].start:
            profile.notes.append(f"The quarters before {first:%d %b %Y} have no records, not no abuse.")
    return profile
