"""The person network's rules: who has harmed whom, and what the pattern says (plain Python + networkx).

The functions take plain records (the dataclasses below) and never touch the database, the request
or the session, so they are tested on small crafted graphs and benchmarked alone. The loaders that
read these records from the database are in app.network.services.

Windows follow the scoring model (DESIGN.md): an event is "within N months" of a date T when its
age in days is between 0 and N x 30.44 inclusive; events after T do not exist as of T.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import networkx as nx

DAYS_PER_MONTH = 30.44
SERIAL_WINDOW_MONTHS = 36
SERIAL_MIN_VICTIMS = 2
ADULT_AGE = 16  # domestic abuse is between persons aged 16 or over (DA Act 2021 s.1)
REPEAT_WINDOW_MONTHS = 36
REPEAT_MIN_SUSPECTS = 2
REPEAT_SHORT_WINDOW_MONTHS = 12
REPEAT_MIN_EVENTS = 3
INTIMATE_RELATIONSHIPS = ("partner", "ex_partner")
EGO_RADIUS = 2
EGO_CAP = 50

ROLE_SUSPECT, ROLE_VICTIM, ROLE_BOTH, ROLE_LINKED = "suspect", "victim", "both", "linked"
ROLE_LABELS = {
    ROLE_SUSPECT: "Suspect",
    ROLE_VICTIM: "Victim",
    ROLE_BOTH: "Suspect and victim",
    ROLE_LINKED: "Linked by a relationship only",
}


def window_days(months: int) -> int:
    """The largest event age in days that is still within `months` (age = days / 30.44)."""
    return math.floor(months * DAYS_PER_MONTH)


def cutoff(as_of: date, months: int) -> date:
    """The earliest date still within `months` of `as_of`."""
    return as_of - timedelta(days=window_days(months))


def within(occurred_on: date, as_of: date, months: int) -> bool:
    """Whether an event is within `months` of `as_of` (used by other parts, e.g. MARAC repeats)."""
    age = (as_of - occurred_on).days
    return 0 <= age <= window_days(months)


def age_on(date_of_birth: date | None, day: date) -> int | None:
    if date_of_birth is None:
        return None
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


# ---- plain records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRecord:
    """One DA event: the suspect harmed the victim on a date."""

    event_id: int
    suspect_id: int
    victim_id: int
    occurred_on: date
    harm_days: int = 0
    relationship: str | None = None
    victim_dob: date | None = None
    offence: str | None = None


@dataclass(frozen=True)
class PairEdge:
    """All DA events from one suspect against one victim, aggregated."""

    suspect_id: int
    victim_id: int
    events: int
    first_on: date
    last_on: date
    harm_days: int = 0


@dataclass(frozen=True)
class LinkRecord:
    """A recorded relationship between two persons: its type, from and to (either may be unknown),
    and the day it was recorded. Two records are the same relationship when their persons and type
    are (the table's unique key), whatever their dates."""

    person_a_id: int
    person_b_id: int
    relationship_type: str
    since: date | None = field(default=None, compare=False)
    until: date | None = field(default=None, compare=False)
    recorded_on: date | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PersonInfo:
    id: int
    ref: str
    surname: str
    forenames: str
    date_of_birth: date | None = None

    @property
    def full_name(self) -> str:
        return f"{self.forenames} {self.surname.upper()}".strip()


def pairs_from_events(events: Iterable[EventRecord]) -> list[PairEdge]:
    """Aggregate events into suspect -> victim pairs, in one pass."""
    acc: dict[tuple[int, int], list] = {}
    for e in events:
        key = (e.suspect_id, e.victim_id)
        row = acc.get(key)
        if row is None:
            acc[key] = [1, e.occurred_on, e.occurred_on, e.harm_days]
        else:
            row[0] += 1
            if e.occurred_on < row[1]:
                row[1] = e.occurred_on
            if e.occurred_on > row[2]:
                row[2] = e.occurred_on
            row[3] += e.harm_days
    return [PairEdge(s, v, n, first, last, harm) for (s, v), (n, first, last, harm) in sorted(acc.items())]


# ---- the graph -------------------------------------------------------------------------------


def build_graph(pairs: Iterable[PairEdge], links: Iterable[LinkRecord] = ()) -> nx.DiGraph:
    """Persons as integer nodes; an edge suspect -> victim carries the events between them.

    Edge attributes: `events` (count), `first_on`, `last_on`, `harm_days`, and `links` (the
    recorded relationship types between the two, if any). A relationship with no event between
    the two persons is an edge with `events` 0, drawn from person A to person B.
    """
    graph = nx.DiGraph()
    for p in pairs:
        graph.add_edge(
            p.suspect_id,
            p.victim_id,
            events=p.events,
            first_on=p.first_on,
            last_on=p.last_on,
            harm_days=p.harm_days,
            links=(),
        )
    for link in links:
        a, b = link.person_a_id, link.person_b_id
        if a == b:
            continue
        if not graph.has_edge(a, b) and graph.has_edge(b, a):
            a, b = b, a
        if graph.has_edge(a, b):
            data = graph.edges[a, b]
            if link.relationship_type not in data["links"]:
                data["links"] = (*data["links"], link.relationship_type)
        else:
            graph.add_edge(a, b, events=0, first_on=None, last_on=None, harm_days=0, links=(link.relationship_type,))
    return graph


def role_of(graph: nx.DiGraph, node: int) -> str:
    harmed = any(d["events"] for _, _, d in graph.out_edges(node, data=True))
    harmed_by = any(d["events"] for _, _, d in graph.in_edges(node, data=True))
    if harmed and harmed_by:
        return ROLE_BOTH
    if harmed:
        return ROLE_SUSPECT
    if harmed_by:
        return ROLE_VICTIM
    return ROLE_LINKED


def _strength(graph: nx.DiGraph, a: int, b: int) -> int:
    """How strongly two persons are tied: events both ways, and at least 1 for a relationship."""
    total = 0
    for u, v in ((a, b), (b, a)):
        if graph.has_edge(u, v):
            data = graph.edges[u, v]
            total += data["events"] or (1 if data["links"] else 0)
    return total


@dataclass
class EgoNetwork:
    centre: int
    graph: nx.DiGraph
    distance: dict[int, int]
    parent: dict[int, int | None]
    omitted: int = 0
    omitted_is_lower_bound: bool = False

    def nodes_at(self, d: int) -> list[int]:
        return [n for n, dist in self.distance.items() if dist == d]


def _choose_ring(graph: nx.DiGraph, ring: Iterable[int], taken: set[int], room: int):
    """The next ring out from `ring`: neighbours not yet `taken`, strongest tie first, then by id.

    Returns (kept nodes, {kept node: the inner node it hangs from}, the nodes left out).
    """
    undirected = graph.to_undirected(as_view=True)
    ties: dict[int, tuple[int, int]] = {}  # candidate -> (strongest tie, to which inner node)
    for inner in sorted(ring):
        if inner not in graph:
            continue
        for nb in undirected.neighbors(inner):
            if nb in taken:
                continue
            tie = _strength(graph, inner, nb)
            best = ties.get(nb)
            if best is None or tie > best[0]:
                ties[nb] = (tie, inner)
    ranked = sorted(ties, key=lambda n: (-ties[n][0], n))
    kept = ranked[: max(room, 0)]
    return kept, {n: ties[n][1] for n in kept}, set(ranked[len(kept) :])


def ego_network(graph: nx.DiGraph, centre: int, radius: int = EGO_RADIUS, cap: int = EGO_CAP) -> EgoNetwork:
    """The persons within `radius` links of `centre` (direction ignored), at most `cap` of them.

    Nearer persons are kept first; within a ring, those most strongly tied to the ring inside it
    (events both ways), then by id, so the choice is deterministic. The rest are counted as
    omitted (only as far as the kept rings reach: persons beyond an omitted one are not counted).
    """
    distance: dict[int, int] = {centre: 0}
    parent: dict[int, int | None] = {centre: None}
    left_out: set[int] = set()
    lower_bound = False
    ring = [centre]
    for d in range(1, radius + 1):
        kept, parents, dropped = _choose_ring(graph, ring, set(distance) | left_out, cap - len(distance))
        if dropped and d < radius:
            lower_bound = True
        left_out |= dropped
        for n in kept:
            distance[n] = d
            parent[n] = parents[n]
        ring = kept
        if not ring:
            break
    sub = graph.subgraph(distance).copy() if centre in graph else nx.DiGraph()
    sub.add_node(centre)
    return EgoNetwork(centre, sub, distance, parent, len(left_out), lower_bound)


def linked_networks(graph: nx.DiGraph, min_size: int = 2) -> list[set[int]]:
    """Connected groups of persons (direction ignored), largest first; ties by smallest member."""
    components = [c for c in nx.weakly_connected_components(graph) if len(c) >= min_size]
    return sorted(components, key=lambda c: (-len(c), min(c)))


# ---- findings on events ------------------------------------------------------------------------


def serial_perpetrators(
    events: Iterable[EventRecord],
    as_of: date,
    *,
    months: int = SERIAL_WINDOW_MONTHS,
    min_victims: int = SERIAL_MIN_VICTIMS,
    min_age: int = ADULT_AGE,
) -> dict[int, set[int]]:
    """Suspects who harmed `min_victims`+ distinct victims within `months` before `as_of`.

    A victim counts when aged `min_age` or over on the date of the event, or when their date of
    birth is not known. Returns {suspect id: the distinct victims that count}.
    """
    victims: dict[int, set[int]] = defaultdict(set)
    earliest = cutoff(as_of, months)
    for e in events:
        if not earliest <= e.occurred_on <= as_of:
            continue
        if e.victim_dob is not None and age_on(e.victim_dob, e.occurred_on) < min_age:
            continue
        victims[e.suspect_id].add(e.victim_id)
    return {s: vs for s, vs in victims.items() if len(vs) >= min_victims}


@dataclass(frozen=True)
class RepeatVictim:
    victim_id: int
    suspects: frozenset[int]  # distinct suspects within the long window
    recent_events: int  # events within the short window

    @property
    def reasons(self) -> list[str]:
        out = []
        if len(self.suspects) >= REPEAT_MIN_SUSPECTS:
            out.append(f"harmed by {len(self.suspects)} different suspects in {REPEAT_WINDOW_MONTHS} months")
        if self.recent_events >= REPEAT_MIN_EVENTS:
            out.append(f"{self.recent_events} events in {REPEAT_SHORT_WINDOW_MONTHS} months")
        return out


def repeat_victims(
    events: Iterable[EventRecord],
    as_of: date,
    *,
    months: int = REPEAT_WINDOW_MONTHS,
    min_suspects: int = REPEAT_MIN_SUSPECTS,
    short_months: int = REPEAT_SHORT_WINDOW_MONTHS,
    min_events: int = REPEAT_MIN_EVENTS,
) -> dict[int, RepeatVictim]:
    """Victims harmed by `min_suspects`+ suspects within `months`, or `min_events`+ times within
    `short_months`, before `as_of`."""
    suspects: dict[int, set[int]] = defaultdict(set)
    recent: dict[int, int] = defaultdict(int)
    earliest, short_earliest = cutoff(as_of, months), cutoff(as_of, short_months)
    for e in events:
        day = e.occurred_on
        if day > as_of or day < earliest:
            continue
        suspects[e.victim_id].add(e.suspect_id)
        if day >= short_earliest:
            recent[e.victim_id] += 1
    out = {}
    for victim in set(suspects) | set(recent):
        found = RepeatVictim(victim, frozenset(suspects.get(victim, ())), recent.get(victim, 0))
        if len(found.suspects) >= min_suspects or found.recent_events >= min_events:
            out[victim] = found
    return out


@dataclass(frozen=True)
class EarlierVictim:
    """Someone a perpetrator harmed before a new partner came: the events, their dates and harm."""

    victim_id: int
    events: int
    first_on: date
    last_on: date
    harm_days: int
    offences: tuple[str, ...]  # offence codes, most harmful first


KNOWN_FROM_EVENT, KNOWN_FROM_RELATIONSHIP, KNOWN_FROM_RECORD = "event", "relationship", "recorded"


@dataclass(frozen=True)
class NewPartnerCandidate:
    """A partner of a known perpetrator who came after an earlier victim (a Right-to-Know candidate).

    `partner_since` is the earliest sign of the partnership: the first event against the partner,
    or a recorded relationship's start (`known_from` says which; "recorded" when the relationship's
    start is not known and the date it was recorded stands in). `last_seen_on` is the latest sign:
    the latest event against the partner, or the end of the relationship (`as_of` while it goes on).
    """

    suspect_id: int
    new_victim_id: int  # the new partner: the person at risk
    partner_since: date
    known_from: str
    last_seen_on: date
    relationship: str | None
    events_against: int  # events against the new partner (0: known from a relationship only)
    latest_event_id: int | None
    latest_on: date | None
    new_victim_first_on: date | None
    earlier: tuple[EarlierVictim, ...]

    @property
    def earlier_victim_ids(self) -> tuple[int, ...]:
        return tuple(v.victim_id for v in self.earlier)

    @property
    def earlier_events(self) -> int:
        return sum(v.events for v in self.earlier)

    @property
    def earlier_harm_days(self) -> int:
        return sum(v.harm_days for v in self.earlier)


class _Partnership:
    """What is known about one (perpetrator, partner) pair while the rule reads the records (a plain
    slotted class: tens of thousands are made at force scale)."""

    __slots__ = ("count", "ends", "first", "intimate", "latest", "link_type", "starts")

    def __init__(self):
        self.first: EventRecord | None = None  # the first and latest events against the partner
        self.latest: EventRecord | None = None
        self.count = 0
        self.intimate: str | None = None  # the relationship of the latest partner/ex-partner event
        self.starts: list[tuple[date, str]] = []  # (start, known from) of recorded relationships
        self.ends: list[date] = []  # the last day each recorded relationship is seen
        self.link_type: str | None = None


def _earlier_victims(events: list[EventRecord], partner: int, before: date) -> tuple[EarlierVictim, ...]:
    """Everyone but `partner` harmed strictly before `before`; `events` oldest first."""
    by_victim: dict[int, list[EventRecord]] = defaultdict(list)
    for e in events:
        if e.occurred_on >= before:
            break
        if e.victim_id != partner:
            by_victim[e.victim_id].append(e)
    out = []
    for victim, evs in by_victim.items():
        harm: dict[str, int] = {}
        for e in evs:
            code = e.offence or "not recorded"
            harm[code] = max(harm.get(code, 0), e.harm_days)
        out.append(
            EarlierVictim(
                victim_id=victim,
                events=len(evs),
                first_on=min(e.occurred_on for e in evs),
                last_on=max(e.occurred_on for e in evs),
                harm_days=sum(e.harm_days for e in evs),
                offences=tuple(sorted(harm, key=lambda c: (-harm[c], c))),
            )
        )
    return tuple(sorted(out, key=lambda v: (v.first_on, v.victim_id)))


def _partnerships(events_by_suspect, links, as_of, relationships) -> dict[tuple[int, int], _Partnership]:
    found: dict[tuple[int, int], _Partnership] = {}
    for suspect, evs in events_by_suspect.items():
        for e in evs:  # oldest first
            pair = found.get((suspect, e.victim_id))
            if pair is None:
                pair = found[(suspect, e.victim_id)] = _Partnership()
                pair.first = e
            pair.latest = e
            pair.count += 1
            if relationships is None or e.relationship in relationships:
                pair.intimate = e.relationship
    for link in links:
        if relationships is not None and link.relationship_type not in relationships:
            continue
        if link.recorded_on is not None and link.recorded_on > as_of:
            continue  # not yet known as of that day
        start, known = (link.since, KNOWN_FROM_RELATIONSHIP) if link.since else (link.recorded_on, KNOWN_FROM_RECORD)
        if start is None or start > as_of:
            continue
        for suspect, partner in ((link.person_a_id, link.person_b_id), (link.person_b_id, link.person_a_id)):
            if suspect in events_by_suspect and suspect != partner:
                pair = found.get((suspect, partner)) or found.setdefault((suspect, partner), _Partnership())
                pair.starts.append((start, known))
                pair.ends.append(min(link.until or as_of, as_of))
                pair.link_type = link.relationship_type
    return found


def new_partner_candidates(
    events: Iterable[EventRecord],
    as_of: date,
    *,
    links: Iterable[LinkRecord] = (),
    since: date | None = None,
    relationships: tuple[str, ...] | None = INTIMATE_RELATIONSHIPS,
) -> list[NewPartnerCandidate]:
    """Right-to-Know candidates as of `as_of`: every partner of a perpetrator who came after an
    earlier victim of that perpetrator, whether the partnership is known from an event or from a
    recorded relationship (so a new partner recorded from intelligence counts before any event).

    A person is a partner of the perpetrator when an event names them as victim with one of
    `relationships` (default partner or ex-partner: Clare's Law concerns intimate partners; None
    keeps every relationship), or a relationship of those types is recorded between the two. The
    partnership starts at its earliest sign (the first event of any kind against the partner, or a
    recorded relationship's start, else the day it was recorded); an earlier victim is anyone else
    the perpetrator harmed strictly before that day. Someone who went back to an earlier victim
    does not make that victim a new partner. `since` keeps partnerships seen on or after it (an
    event against the partner, or a recorded relationship not ended before it). Only records dated
    on or before `as_of` count. Newest last sign first.
    """
    by_suspect: dict[int, list[EventRecord]] = defaultdict(list)
    for e in events:
        if e.occurred_on <= as_of:
            by_suspect[e.suspect_id].append(e)
    for evs in by_suspect.values():
        evs.sort(key=lambda e: (e.occurred_on, e.event_id))
    out = []
    for (suspect, partner), pair in _partnerships(by_suspect, links, as_of, relationships).items():
        if pair.intimate is None and not pair.starts:
            continue
        latest, first_event = pair.latest, pair.first
        last_seen = max([*pair.ends, *([latest.occurred_on] if latest else [])])
        if since is not None and last_seen < since:
            continue
        signs = pair.starts + ([(first_event.occurred_on, KNOWN_FROM_EVENT)] if first_event else [])
        start, known = min(signs, key=lambda s: (s[0], s[1] != KNOWN_FROM_EVENT))
        evs = by_suspect[suspect]
        if evs[0].occurred_on >= start:
            continue  # nobody harmed before the partner came
        earlier = _earlier_victims(evs, partner, start)
        if not earlier:
            continue
        out.append(
            NewPartnerCandidate(
                suspect_id=suspect,
                new_victim_id=partner,
                partner_since=start,
                known_from=known,
                last_seen_on=last_seen,
                relationship=pair.link_type or pair.intimate,
                events_against=pair.count,
                latest_event_id=latest.event_id if latest else None,
                latest_on=latest.occurred_on if latest else None,
                new_victim_first_on=first_event.occurred_on if first_event else None,
                earlier=earlier,
            )
        )
    return sorted(out, key=lambda c: (-c.last_seen_on.toordinal(), c.suspect_id, c.new_victim_id))


# ---- layout ------------------------------------------------------------------------------------


def radial_layout(ego: EgoNetwork) -> dict[int, tuple[float, float, float]]:
    """Place the centre in the middle and each ring on a circle, every person near the one that
    links them inward (a radial tree over the breadth-first rings). Deterministic by construction:
    no random seed, no iteration, so the same network always gives the same picture.

    Returns {node: (x, y, angle)} with ring radii 1, 2, ... and angle in radians (0 = east,
    clockwise as on screen, since SVG's y axis points down).
    """
    children: dict[int, list[int]] = defaultdict(list)
    for n, up in ego.parent.items():
        if up is not None:
            children[up].append(n)
    for up, kids in children.items():
        kids.sort(key=lambda n, up=up: (-_strength(ego.graph, up, n), n))

    weight: dict[int, int] = {}

    def leaves(n: int) -> int:
        weight[n] = max(1, sum(leaves(c) for c in children[n]))
        return weight[n]

    leaves(ego.centre)
    pos = {ego.centre: (0.0, 0.0, math.pi / 2)}

    def place(n: int, start: float, span: float) -> None:
        kids = children[n]
        total = sum(weight[k] for k in kids) or 1
        at = start
        for k in kids:
            share = span * weight[k] / total
            angle = at + share / 2
            ring = ego.distance[k]
            pos[k] = (ring * math.cos(angle), ring * math.sin(angle), angle)
            place(k, at, share)
            at += share

    place(ego.centre, -math.pi / 2, 2 * math.pi)
    return pos


# ---- loading from the database (the only queries in this module) -------------------------------


@dataclass
class Neighbourhood:
    """A bounded part of the graph around one person, with what the picture needs to know."""

    centre: int
    pairs: list[PairEdge]
    links: list[LinkRecord]
    persons: dict[int, PersonInfo] = field(default_factory=dict)
    harm: dict[int, int] = field(default_factory=dict)  # harm days of all events a person is in
    omitted: int = 0
    omitted_is_lower_bound: bool = False
