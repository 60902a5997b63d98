"""The network read from the database for a picture and for the profile: a person's neighbourhood
(radius <= 2, node cap) or their whole linked network (as last computed), each with a fixed number
of set-based queries; the findings about one person from their own events; every event as plain
records (for the few pages still working on the whole register); and the serial-perpetrator rule
in SQL (the person list's filter before any ranking exists).

The rules themselves are app.network.graph; the stored whole-register findings are read through
app.network.stored and computed by app.network.findings.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.audit import services as audit
from app.audit.services import Actor
from app.base import id_list, local_date, today
from app.catalogue import RELATIONSHIPS, OffenceCategory
from app.extensions import db
from app.network import picture
from app.network.graph import (
    ADULT_AGE,
    EGO_CAP,
    EGO_RADIUS,
    SERIAL_MIN_VICTIMS,
    SERIAL_WINDOW_MONTHS,
    EventRecord,
    LinkRecord,
    Neighbourhood,
    PairEdge,
    PersonInfo,
    RepeatVictim,
    _choose_ring,
    build_graph,
    cutoff,
    repeat_victims,
    serial_perpetrators,
)
from app.network.stored import network_of
from app.offenders.models import DAEvent, Person, PersonLink

# Roles that read the whole register, victims' names included. Anyone else (referral staff) sees
# no victim's name in the network picture.
FULL_READERS = frozenset({"supervisor", "officer", "analyst"})


def _pair_query(where):

    return (
        sa.select(
            DAEvent.suspect_id,
            DAEvent.victim_id,
            sa.func.count(),
            sa.func.min(DAEvent.occurred_on),
            sa.func.max(DAEvent.occurred_on),
            sa.func.coalesce(sa.func.sum(OffenceCategory.harm_days), 0),
        )
        .join(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .where(where)
        .group_by(DAEvent.suspect_id, DAEvent.victim_id)
    )


def _pairs(session, where) -> list[PairEdge]:
    return [PairEdge(*row) for row in session.execute(_pair_query(where))]


def _links(session, where) -> list[LinkRecord]:
    rows = session.execute(
        sa.select(
            PersonLink.person_a_id,
            PersonLink.person_b_id,
            PersonLink.relationship_type,
            PersonLink.since,
            PersonLink.until,
            PersonLink.created_at,
        ).where(where)
    )
    return [
        LinkRecord(a, b, kind, since, until, local_date(at) if at else None) for a, b, kind, since, until, at in rows
    ]


def load_neighbourhood(
    session, centre: int, *, radius: int = EGO_RADIUS, cap: int = EGO_CAP, since: date | None = None
) -> Neighbourhood:
    """Fetch the persons within `radius` (<= 2) of `centre`, at most `cap`, ring by ring.

    Each ring costs two queries (events grouped by pair, and relationships) limited to the ring
    just kept, so a request never reads more than the neighbourhood. The node choice is the same
    as `ego_network`'s. A fixed number of queries, whatever the size of the neighbourhood.
    `since` keeps only events on or after that day.
    """
    recent = DAEvent.occurred_on >= since if since is not None else sa.true()

    if not 1 <= radius <= 2:
        raise ValueError("radius must be 1 or 2")
    pairs: dict[tuple[int, int], PairEdge] = {}
    links: set[LinkRecord] = set()
    kept = {centre}
    ring = [centre]
    left_out: set[int] = set()
    lower_bound = False
    for d in range(1, radius + 1):
        for p in _pairs(session, sa.and_(recent, sa.or_(DAEvent.suspect_id.in_(ring), DAEvent.victim_id.in_(ring)))):
            pairs[(p.suspect_id, p.victim_id)] = p
        links.update(_links(session, sa.or_(PersonLink.person_a_id.in_(ring), PersonLink.person_b_id.in_(ring))))
        graph = build_graph(pairs.values(), links)
        new, _, dropped = _choose_ring(graph, ring, kept | left_out, cap - len(kept))
        if dropped and d < radius:
            lower_bound = True  # persons beyond an omitted inner person are never looked at
        left_out |= dropped
        kept.update(new)
        ring = sorted(new)
        if not ring:
            break
    if radius == 2 and ring:
        # Ties between persons of the outer ring: both ends already kept.
        outer = sorted(ring)
        for p in _pairs(session, sa.and_(recent, DAEvent.suspect_id.in_(outer), DAEvent.victim_id.in_(outer))):
            pairs[(p.suspect_id, p.victim_id)] = p
        links.update(_links(session, sa.and_(PersonLink.person_a_id.in_(outer), PersonLink.person_b_id.in_(outer))))
    persons, harm = _persons_and_harm(session, sorted(kept), recent)
    return Neighbourhood(
        centre=centre,
        pairs=[p for p in pairs.values() if p.suspect_id in kept and p.victim_id in kept],
        links=sorted(
            (link for link in links if link.person_a_id in kept and link.person_b_id in kept),
            key=lambda link: (link.person_a_id, link.person_b_id, link.relationship_type),
        ),
        persons=persons,
        harm=harm,
        omitted=len(left_out),
        omitted_is_lower_bound=lower_bound,
    )


def _persons_and_harm(session, ids: list[int], recent) -> tuple[dict[int, PersonInfo], dict[int, int]]:
    """The persons drawn, and the harm days of the events each is in (as suspect or victim)."""
    persons = {
        row.id: PersonInfo(row.id, row.ref, row.surname, row.forenames, row.date_of_birth)
        for row in session.execute(
            sa.select(Person.id, Person.ref, Person.surname, Person.forenames, Person.date_of_birth).where(
                Person.id.in_(id_list("ids", ids))
            )
        )
    }
    harm: dict[int, int] = defaultdict(int)
    for column in (DAEvent.suspect_id, DAEvent.victim_id):
        query = (
            sa.select(column, sa.func.coalesce(sa.func.sum(OffenceCategory.harm_days), 0))
            .join(OffenceCategory, OffenceCategory.code == DAEvent.offence)
            .where(column.in_(id_list("ids", ids)), recent)
            .group_by(column)
        )
        for person_id, days in session.execute(query):
            harm[person_id] += int(days)
    return persons, dict(harm)


WHOLE_NETWORK_CAP = 150  # persons; a larger linked network is drawn two steps around the person


def load_whole_network(session, centre: int, *, since: date | None = None) -> tuple[Neighbourhood, bool]:
    """The person's whole linked network as last computed (members as stored, ties read now),
    with events on or after `since` only; (the records, True). A person in no stored network, or
    in one larger than WHOLE_NETWORK_CAP, gets their two-step neighbourhood: (records, False)."""
    stored = network_of(centre)
    if stored is None or len(stored[1]) > WHOLE_NETWORK_CAP:
        return load_neighbourhood(session, centre, since=since), False
    members = id_list("members", stored[1])
    recent = DAEvent.occurred_on >= since if since is not None else sa.true()
    pairs = _pairs(session, sa.and_(recent, DAEvent.suspect_id.in_(members), DAEvent.victim_id.in_(members)))
    links = _links(session, sa.and_(PersonLink.person_a_id.in_(members), PersonLink.person_b_id.in_(members)))
    persons, harm = _persons_and_harm(session, stored[1], recent)
    links = sorted(links, key=lambda link: (link.person_a_id, link.person_b_id, link.relationship_type))
    return Neighbourhood(centre=centre, pairs=pairs, links=links, persons=persons, harm=harm), True


def whole_network_picture(
    person: Person, viewer_roles, *, months: int | None, actor: Actor | None = None, reason: str | None = None
):
    """The picture of the person's whole linked network over the last `months` (all when None),
    audited as a consultation of the person's record, with the stated reason; (picture, since)."""
    since = cutoff(today(), months) if months else None
    hood, whole = load_whole_network(db.session, person.id, since=since)
    audit.record(
        "view",
        f"viewed the linked network of {person.ref}",
        object_type="person",
        object_ref=person.ref,
        data={"since": since, "persons": len(hood.persons)},
        reason=reason,
        actor=actor,
    )
    db.session.commit()
    mask = not FULL_READERS.intersection(viewer_roles or ())
    return draw(hood, mask_victims=mask, whole=whole), since


def _raw_date(column):
    """The column without SQLAlchemy's per-row date conversion, which on SQLite parses each
    value with a regular expression: 120,000 rows read several times faster. See `_day`."""
    return sa.type_coerce(column, sa.Text)


def _day(value) -> date | None:
    """A date from `_raw_date`: PostgreSQL's driver already gives dates; SQLite gives ISO text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def load_pairs(session) -> list[PairEdge]:
    """Every suspect -> victim pair with its events aggregated: one query."""
    return _pairs(session, sa.true())


def load_links(session, *, types: tuple[str, ...] | None = None) -> list[LinkRecord]:
    """Every recorded relationship (of `types` only, if given), with its dates: one query."""
    return _links(session, PersonLink.relationship_type.in_(types) if types else sa.true())


def load_events(
    session,
    *,
    as_of: date | None = None,
    multi_victim_suspects_only: bool = False,
    also_suspects: Iterable[int] = (),
) -> list[EventRecord]:
    """Every DA event as a plain record, with its offence, harm days and the victim's date of birth:
    one query. `multi_victim_suspects_only` keeps only suspects with two or more distinct victims,
    and those in `also_suspects` (for the new-partner finding: anyone with a recorded partner),
    filtered inside the same query."""

    harm = dict(session.execute(sa.select(OffenceCategory.code, OffenceCategory.harm_days)).all())
    query = sa.select(
        DAEvent.id,
        DAEvent.suspect_id,
        DAEvent.victim_id,
        _raw_date(DAEvent.occurred_on),
        DAEvent.offence,
        DAEvent.relationship_type,
        _raw_date(Person.date_of_birth),
    ).join(Person, Person.id == DAEvent.victim_id)
    if as_of is not None:
        query = query.where(DAEvent.occurred_on <= as_of)
    if multi_victim_suspects_only:
        several = (
            sa.select(DAEvent.suspect_id)
            .group_by(DAEvent.suspect_id)
            .having(sa.func.count(sa.distinct(DAEvent.victim_id)) >= 2)
        )
        extra = sorted(set(also_suspects))
        keep = DAEvent.suspect_id.in_(several)
        query = query.where(sa.or_(keep, DAEvent.suspect_id.in_(id_list("also", extra))) if extra else keep)
    return [
        EventRecord(event_id, suspect, victim, _day(day), harm.get(offence, 0), relationship, _day(dob), offence)
        for event_id, suspect, victim, day, offence, relationship, dob in session.execute(query)
    ]


def _event_records(person: Person, events: list[DAEvent], harm: dict[str, int]) -> list[EventRecord]:
    return [
        EventRecord(
            e.id,
            e.suspect_id,
            e.victim_id,
            e.occurred_on,
            harm.get(e.offence, 0),
            e.relationship_type,
            e.victim.date_of_birth,
            e.offence,
        )
        for e in events
    ]


@dataclass
class Findings:
    serial_victims: int = 0  # distinct victims (16+) in 36 months, when a serial perpetrator
    repeat: RepeatVictim | None = None


def findings_for(person: Person, events: list[DAEvent], harm: dict[str, int], as_of: date) -> Findings:
    """The network findings about this one person, from their own events (no extra query)."""
    records = _event_records(person, events, harm)
    serial = serial_perpetrators([r for r in records if r.suspect_id == person.id], as_of)
    repeat = repeat_victims([r for r in records if r.victim_id == person.id], as_of)
    return Findings(serial_victims=len(serial.get(person.id, ())), repeat=repeat.get(person.id))


def network_picture(person: Person, viewer_roles, *, cap: int = EGO_CAP) -> picture.Picture:
    """The person's network (radius 2, at most `cap` persons) drawn for this viewer: victims'
    names, references and links are left out unless the viewer reads the full register."""
    hood = load_neighbourhood(db.session, person.id, radius=EGO_RADIUS, cap=cap)
    mask = not FULL_READERS.intersection(viewer_roles or ())
    return draw(hood, mask_victims=mask)


def draw(hood: Neighbourhood, *, mask_victims: bool, whole: bool = False) -> picture.Picture:
    """The picture of these records, drawn once per process for the same records and viewer: the
    picture depends on nothing else (the layout is seeded), so a repeated view costs no layout.
    Every record drawn is part of the key, so a change to any of them draws anew."""
    key = (
        hood.centre,
        tuple(sorted(hood.pairs, key=lambda p: (p.suspect_id, p.victim_id))),
        tuple(sorted(hood.links, key=lambda link: (link.person_a_id, link.person_b_id, link.relationship_type))),
        tuple(sorted(hood.persons.items())),
        tuple(sorted(hood.harm.items())),
        hood.omitted,
        hood.omitted_is_lower_bound,
    )
    return _drawn(key, mask_victims, whole)


@functools.lru_cache(maxsize=256)
def _drawn(key: tuple, mask_victims: bool, whole: bool) -> picture.Picture:
    centre, pairs, links, persons, harm, omitted, lower_bound = key
    hood = Neighbourhood(centre, list(pairs), list(links), dict(persons), dict(harm), omitted, lower_bound)
    return picture.draw(hood, mask_victims=mask_victims, relationship_labels=RELATIONSHIPS, whole=whole)


class years_before(FunctionElement):
    """`day` minus a whole number of years, as a date, on SQLite and PostgreSQL alike."""

    type = sa.Date()
    inherit_cache = True
    name = "years_before"


@compiles(years_before, "sqlite")
def _years_before_sqlite(element, compiler, **kw):
    day, years = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '-' || {compiler.process(years, **kw)} || ' years')"


@compiles(years_before, "postgresql")
def _years_before_postgresql(element, compiler, **kw):
    day, years = list(element.clauses)
    return f"CAST({compiler.process(day, **kw)} - make_interval(years => {compiler.process(years, **kw)}) AS DATE)"


def _years_earlier(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def serial_suspects_query(as_of: date):
    """Ids of serial perpetrators as of a date, in SQL: the same rule as
    serial_perpetrators (2+ distinct victims in 36 months, each aged 16+ on the date of
    the event or of unknown age). Used for the list filter before any ranking exists."""
    victim = sa.orm.aliased(Person)
    start = cutoff(as_of, SERIAL_WINDOW_MONTHS)
    return (
        sa.select(DAEvent.suspect_id)
        .join(victim, victim.id == DAEvent.victim_id)
        .where(
            DAEvent.occurred_on >= start,
            DAEvent.occurred_on <= as_of,
            sa.or_(
                victim.date_of_birth.is_(None),
                # Aged 16 at the start of the window: no need to work out their age at each event.
                victim.date_of_birth <= _years_earlier(start, ADULT_AGE),
                victim.date_of_birth <= years_before(DAEvent.occurred_on, sa.literal(ADULT_AGE, sa.Integer)),
            ),
        )
        .group_by(DAEvent.suspect_id)
        .having(sa.func.count(sa.distinct(DAEvent.victim_id)) >= SERIAL_MIN_VICTIMS)
    )


def young_victim_suspects(as_of: date) -> set[int]:
    """Suspects with a victim in the 36-month window who may have been under 16 at one of the
    events: born less than 16 years before the window opened. Usually a few hundred. Two small
    queries: the young persons, then their events through the victim index."""
    start = cutoff(as_of, SERIAL_WINDOW_MONTHS)
    young = list(
        db.session.scalars(sa.select(Person.id).where(Person.date_of_birth > _years_earlier(start, ADULT_AGE)))
    )
    if not young:
        return set()
    return set(
        db.session.scalars(
            sa.select(DAEvent.suspect_id)
            .where(DAEvent.victim_id.in_(id_list("young", young)), DAEvent.occurred_on >= start)
            .where(DAEvent.occurred_on <= as_of)
            .distinct()
        )
    )
