"""The network read from the database: a person's neighbourhood, every event as plain records, and
the whole-register findings (linked networks, new partners of known perpetrators).

The rules themselves are app.network.graph (pure Python); this module gathers their inputs with a
fixed number of set-based queries into plain tuples:

- `load_neighbourhood` fetches one person's neighbourhood (radius <= 2, node cap) for the profile
  picture, ring by ring, and never the whole graph;
- `load_events` (every event, one query), `load_pairs` (every suspect -> victim pair, one
  grouped query) and `load_links` fetch whole-graph data for the findings pages.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
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
    INTIMATE_RELATIONSHIPS,
    ROLE_BOTH,
    ROLE_SUSPECT,
    ROLE_VICTIM,
    SERIAL_MIN_VICTIMS,
    SERIAL_WINDOW_MONTHS,
    EarlierVictim,
    EventRecord,
    LinkRecord,
    Neighbourhood,
    NewPartnerCandidate,
    PairEdge,
    PersonInfo,
    RepeatVictim,
    _choose_ring,
    build_graph,
    cutoff,
    linked_networks,
    new_partner_candidates,
    pairs_from_events,
    repeat_victims,
    role_of,
    serial_perpetrators,
)
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


def load_neighbourhood(session, centre: int, *, radius: int = EGO_RADIUS, cap: int = EGO_CAP) -> Neighbourhood:
    """Fetch the persons within `radius` (<= 2) of `centre`, at most `cap`, ring by ring.

    Each ring costs two queries (events grouped by pair, and relationships) limited to the ring
    just kept, so a request never reads more than the neighbourhood. The node choice is the same
    as `ego_network`'s. A fixed number of queries, whatever the size of the neighbourhood.
    """

    if not 1 <= radius <= 2:
        raise ValueError("radius must be 1 or 2")
    pairs: dict[tuple[int, int], PairEdge] = {}
    links: set[LinkRecord] = set()
    kept = {centre}
    ring = [centre]
    left_out: set[int] = set()
    lower_bound = False
    for d in range(1, radius + 1):
        for p in _pairs(session, sa.or_(DAEvent.suspect_id.in_(ring), DAEvent.victim_id.in_(ring))):
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
        for p in _pairs(session, sa.and_(DAEvent.suspect_id.in_(outer), DAEvent.victim_id.in_(outer))):
            pairs[(p.suspect_id, p.victim_id)] = p
        links.update(_links(session, sa.and_(PersonLink.person_a_id.in_(outer), PersonLink.person_b_id.in_(outer))))
    ids = sorted(kept)
    persons = {
        row.id: PersonInfo(row.id, row.ref, row.surname, row.forenames, row.date_of_birth)
        for row in session.execute(
            sa.select(Person.id, Person.ref, Person.surname, Person.forenames, Person.date_of_birth).where(
                Person.id.in_(ids)
            )
        )
    }
    harm: dict[int, int] = defaultdict(int)
    for column in (DAEvent.suspect_id, DAEvent.victim_id):
        query = (
            sa.select(column, sa.func.coalesce(sa.func.sum(OffenceCategory.harm_days), 0))
            .join(OffenceCategory, OffenceCategory.code == DAEvent.offence)
            .where(column.in_(ids))
            .group_by(column)
        )
        for person_id, days in session.execute(query):
            harm[person_id] += int(days)
    return Neighbourhood(
        centre=centre,
        pairs=[p for p in pairs.values() if p.suspect_id in kept and p.victim_id in kept],
        links=sorted(
            (link for link in links if link.person_a_id in kept and link.person_b_id in kept),
            key=lambda link: (link.person_a_id, link.person_b_id, link.relationship_type),
        ),
        persons=persons,
        harm=dict(harm),
        omitted=len(left_out),
        omitted_is_lower_bound=lower_bound,
    )


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
    return picture.draw(hood, mask_victims=mask, relationship_labels=RELATIONSHIPS)


@dataclass
class EarlierVictimRow:
    person: PersonInfo
    detail: EarlierVictim


@dataclass
class CandidateRow:
    candidate: NewPartnerCandidate
    suspect: PersonInfo
    new_victim: PersonInfo
    earlier_victims: list[PersonInfo]
    earlier: list[EarlierVictimRow] = field(default_factory=list)  # who, and what harm, before the partner came
    disclosure_tasks: list = field(default_factory=list)  # filled by the Clare's Law part, which owns the page


def _person_infos(ids) -> dict[int, PersonInfo]:
    ids = sorted(set(ids))
    out = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            sa.select(Person.id, Person.ref, Person.surname, Person.forenames, Person.date_of_birth).where(
                Person.id.in_(ids[start : start + 500])
            )
        )
        out.update({r.id: PersonInfo(*r) for r in rows})
    return out


def right_to_know_candidates(
    *, since: date | None, as_of: date | None = None, actor: Actor | None = None
) -> list[CandidateRow]:
    """New partners of known perpetrators, for a supervisor to consider a Right-to-Know disclosure.

    Two queries read the recorded partner relationships and the events of every suspect who has two
    or more victims or a recorded partner; the finding itself is new_partner_candidates. The
    consultation is audited (the page names victims).
    """
    as_of = as_of or today()
    audit.record(
        "view",
        "viewed Right-to-Know candidates",
        object_type="right_to_know_candidates",
        data={"since": since, "as_of": as_of},
        actor=actor,
    )
    db.session.commit()  # first, so that nothing loaded below is expired by it
    links = load_links(db.session, types=INTIMATE_RELATIONSHIPS)
    linked = {p for link in links for p in (link.person_a_id, link.person_b_id)}
    events = load_events(db.session, as_of=as_of, multi_victim_suspects_only=True, also_suspects=linked)
    found = new_partner_candidates(events, as_of, links=links, since=since)
    ids = {c.suspect_id for c in found} | {c.new_victim_id for c in found}
    people = _person_infos(ids | {v for c in found for v in c.earlier_victim_ids})
    return [
        CandidateRow(
            candidate=c,
            suspect=people[c.suspect_id],
            new_victim=people[c.new_victim_id],
            earlier_victims=[people[v] for v in c.earlier_victim_ids],
            earlier=[EarlierVictimRow(people[v.victim_id], v) for v in c.earlier],
        )
        for c in found
    ]


@dataclass
class LinkedNetwork:
    size: int
    suspects: int
    victims: int
    events: int
    harm_days: int
    members: list[PersonInfo]  # the most harmful first, a few only


@dataclass
class NetworkSummary:
    persons: int
    networks: int
    size_bands: dict[str, int]
    largest: list[LinkedNetwork]
    serial_count: int
    repeat_victim_count: int


def network_summary(*, top: int = 20, as_of: date | None = None, actor: Actor | None = None) -> NetworkSummary:
    """Linked networks (connected components) across the whole register, with their sizes, and
    the counts of serial perpetrators and repeat victims. Computed on request from one query for
    every event and one for every relationship (about a second at force scale)."""
    as_of = as_of or today()
    audit.record("view", "viewed linked networks", object_type="network", data={"as_of": as_of}, actor=actor)
    db.session.commit()
    events = load_events(db.session, as_of=as_of)  # one query for every edge
    graph = build_graph(pairs_from_events(events), load_links(db.session))
    components = linked_networks(graph)
    bands = {"2": 0, "3–5": 0, "6–10": 0, "11–50": 0, "over 50": 0}
    for c in components:
        n = len(c)
        key = "2" if n == 2 else "3–5" if n <= 5 else "6–10" if n <= 10 else "11–50" if n <= 50 else "over 50"
        bands[key] += 1
    largest = []
    shown: dict[int, list[int]] = {}
    for i, comp in enumerate(components[:top]):
        sub = graph.subgraph(comp)
        harm_by: dict[int, int] = {}
        for u, _v, d in sub.edges(data=True):
            harm_by[u] = harm_by.get(u, 0) + d["harm_days"]
        shown[i] = sorted(comp, key=lambda n: (-harm_by.get(n, 0), n))[:6]
        roles = [role_of(sub, n) for n in comp]
        largest.append(
            LinkedNetwork(
                size=len(comp),
                suspects=sum(r in (ROLE_SUSPECT, ROLE_BOTH) for r in roles),
                victims=sum(r in (ROLE_VICTIM, ROLE_BOTH) for r in roles),
                events=sum(d["events"] for _, _, d in sub.edges(data=True)),
                harm_days=sum(d["harm_days"] for _, _, d in sub.edges(data=True)),
                members=[],
            )
        )
    infos = _person_infos({n for members in shown.values() for n in members})
    for i, members in shown.items():
        largest[i].members = [infos[n] for n in members if n in infos]
    serial = serial_perpetrators(events, as_of)
    repeat = repeat_victims(events, as_of)
    return NetworkSummary(
        persons=graph.number_of_nodes(),
        networks=len(components),
        size_bands=bands,
        largest=largest,
        serial_count=len(serial),
        repeat_victim_count=len(repeat),
    )


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
