"""The register's events as columns of numbers, and what a full or partial computation of the
network findings works out from them: linked networks, each person's role, and the findings.

Shared by the nightly computation (every event) and the incremental update (the events of the
networks a change touched), so both compute the same thing the same way. Columns are numpy arrays
(about 40 bytes an event, where plain records take ten times that), read from the database in
streamed chunks; the findings themselves are app.network.graph's rules, called on the records of
whole networks at a time, so a person's every event is always in the same call.
"""

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import sqlalchemy as sa

from app.base import id_list, local_date
from app.catalogue import OffenceCategory
from app.network.graph import (
    EventRecord,
    LinkRecord,
    NewPartnerCandidate,
    RepeatVictim,
    new_partner_candidates,
    repeat_victims,
    serial_perpetrators,
)
from app.offenders.models import DAEvent, Person, PersonLink

RELATIONSHIP_CODES = ("", "partner", "ex_partner", "family", "other")
_REL_INDEX = {code: n for n, code in enumerate(RELATIONSHIP_CODES)}
STREAM_ROWS = 50_000
CHUNK_EVENTS = 100_000  # events handed to the rules at a time (whole networks only)


@dataclass
class EventTable:
    """Every loaded event as parallel columns: ids, the two persons, the day (a date ordinal),
    the harm days, the relationship (an index into RELATIONSHIP_CODES), the victim's date of
    birth (an ordinal, 0 when not recorded) and the offence (an index into `offence_codes`, 0 when
    not recorded: the Right-to-Know page names the earlier victims' offences)."""

    id: np.ndarray
    suspect: np.ndarray
    victim: np.ndarray
    day: np.ndarray
    harm: np.ndarray
    rel: np.ndarray
    victim_dob: np.ndarray
    offence: np.ndarray
    other_relationships: dict[int, str] = field(default_factory=dict)  # codes outside the list, by event index
    offence_codes: tuple[str | None, ...] = (None,)

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: np.ndarray) -> "EventTable":
        return EventTable(*(getattr(self, c)[index] for c in _COLUMNS), offence_codes=self.offence_codes)


_COLUMNS = ("id", "suspect", "victim", "day", "harm", "rel", "victim_dob", "offence")


@dataclass
class LinkTable:
    """Recorded relationships: the two persons, the relationship's code, and (for the Right-to-Know
    rule) its start, end and the day it was recorded, one tuple per relationship."""

    a: np.ndarray
    b: np.ndarray
    kinds: list[str]
    dates: list[tuple[date | None, date | None, date | None]] = field(default_factory=list)

    def records(self, keep: np.ndarray | None = None) -> list[LinkRecord]:
        rows = range(len(self.kinds)) if keep is None else np.nonzero(keep)[0].tolist()
        dates = self.dates or [(None, None, None)] * len(self.kinds)
        return [LinkRecord(int(self.a[i]), int(self.b[i]), self.kinds[i], *dates[i]) for i in rows]


def _raw_date(column):
    """The column without SQLAlchemy's per-row date conversion (SQLite parses each value with a
    regular expression); `_DayCache` turns it into an ordinal once per distinct day."""
    return sa.type_coerce(column, sa.Text)


class _DayCache(dict):
    def __missing__(self, value) -> int:
        day = value if isinstance(value, date) else date.fromisoformat(value)
        self[value] = day.toordinal()
        return self[value]


def _touching(persons: Iterable[int] | None, *columns):
    if persons is None:
        return sa.true()
    ids = id_list("persons", persons)
    return sa.or_(*(c.in_(ids) for c in columns))


def load_events(session, persons: Iterable[int] | None = None) -> EventTable:
    """The events of these persons as suspect or victim (every event when None), streamed."""
    persons = None if persons is None else sorted(set(persons))
    harm = dict(session.execute(sa.select(OffenceCategory.code, OffenceCategory.harm_days)).all())
    query = sa.select(
        DAEvent.id,
        DAEvent.suspect_id,
        DAEvent.victim_id,
        _raw_date(DAEvent.occurred_on),
        DAEvent.offence,
        DAEvent.relationship_type,
    ).where(_touching(persons, DAEvent.suspect_id, DAEvent.victim_id))
    ids, suspects, victims, days, harms, rels, offences = (array("q") for _ in range(7))
    codes: dict[str | None, int] = {None: 0}
    other: dict[int, str] = {}
    cache = _DayCache()
    result = session.execute(query.execution_options(yield_per=STREAM_ROWS))
    for n, (event_id, suspect, victim, day, offence, relationship) in enumerate(result):
        ids.append(event_id)
        suspects.append(suspect)
        victims.append(victim)
        days.append(cache[day])
        harms.append(harm.get(offence, 0))
        offences.append(codes.setdefault(offence, len(codes)))
        code = _REL_INDEX.get(relationship or "")
        if code is None:  # a relationship outside today's vocabulary is kept as it was recorded
            other[n], code = relationship, 0
        rels.append(code)
    victim_col = np.frombuffer(victims, dtype=np.int64) if victims else np.zeros(0, np.int64)
    table = EventTable(
        *(np.frombuffer(c, dtype=np.int64).copy() if c else np.zeros(0, np.int64) for c in (ids, suspects)),
        victim_col.copy(),
        np.frombuffer(days, dtype=np.int64).astype(np.int32) if days else np.zeros(0, np.int32),
        np.frombuffer(harms, dtype=np.int64).copy() if harms else np.zeros(0, np.int64),
        np.frombuffer(rels, dtype=np.int64).astype(np.int8) if rels else np.zeros(0, np.int8),
        np.zeros(len(ids), np.int32),
        np.frombuffer(offences, dtype=np.int64).astype(np.int32) if offences else np.zeros(0, np.int32),
        other,
        tuple(codes),
    )
    table.victim_dob = _dates_of_birth(session, table.victim, everyone=persons is None)
    return table


def _dates_of_birth(session, victims: np.ndarray, *, everyone: bool) -> np.ndarray:
    """Each event's victim's date of birth as an ordinal (0: not recorded)."""
    if not len(victims):
        return np.zeros(0, np.int32)
    wanted = np.unique(victims)
    query = sa.select(Person.id, _raw_date(Person.date_of_birth)).where(Person.date_of_birth.is_not(None))
    if not everyone:
        query = query.where(Person.id.in_(id_list("victims", wanted.tolist())))
    cache = _DayCache()
    known = {pid: cache[dob] for pid, dob in session.execute(query.execution_options(yield_per=STREAM_ROWS))}
    dob = np.array([known.get(v, 0) for v in wanted.tolist()], dtype=np.int32)
    return dob[np.searchsorted(wanted, victims)]


def load_links(session, persons: Iterable[int] | None = None) -> LinkTable:
    """Recorded relationships touching these persons (every one when None)."""
    persons = None if persons is None else sorted(set(persons))
    rows = session.execute(
        sa.select(
            PersonLink.person_a_id,
            PersonLink.person_b_id,
            PersonLink.relationship_type,
            PersonLink.since,
            PersonLink.until,
            PersonLink.created_at,
        )
        .where(_touching(persons, PersonLink.person_a_id, PersonLink.person_b_id))
        .order_by(PersonLink.id)
    ).all()
    return LinkTable(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        [r[2] for r in rows],
        [(r[3], r[4], local_date(r[5]) if r[5] else None) for r in rows],
    )


# ---- linked networks ---------------------------------------------------------------------------


@dataclass
class Networks:
    """Every person in a linked network (sorted ids) and the network each is in, given as the
    smallest person id of that network (its key)."""

    persons: np.ndarray
    key: np.ndarray

    def index(self, ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.persons, ids)


def linked_networks(events: EventTable, links: LinkTable) -> Networks:
    """Connected groups of persons, direction ignored, by union-find over the distinct pairs.

    The root of each group is always its smallest index, so the key (smallest person id) needs
    no second pass. Persons in no event and no relationship are in no network."""
    ends = np.concatenate([events.suspect, events.victim, links.a, links.b])
    persons = np.unique(ends)
    n = len(persons)
    if n == 0:
        return Networks(persons, persons.copy())
    a = np.searchsorted(persons, np.concatenate([events.suspect, links.a]))
    b = np.searchsorted(persons, np.concatenate([events.victim, links.b]))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(lo * n + hi)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in zip((pairs // n).tolist(), (pairs % n).tolist(), strict=True):
        ru, rv = find(u), find(v)
        if ru != rv:
            if ru < rv:
                parent[rv] = ru
            else:
                parent[ru] = rv
    roots = np.fromiter((find(i) for i in range(n)), dtype=np.int64, count=n)
    return Networks(persons, persons[roots])


@dataclass
class NetworkRows:
    """Rows for the network tables: one per linked network and one per member."""

    networks: list[tuple]  # (key, size, suspects, victims, events, harm days)
    members: list[tuple]  # (person id, key, role, harm days caused)


def network_rows(events: EventTable, networks: Networks) -> NetworkRows:
    """Each network's size, suspects, victims, events and harm, and each member's role (a suspect
    harmed someone, a victim was harmed, both, or linked only by a recorded relationship)."""
    n = len(networks.persons)
    if n == 0:
        return NetworkRows([], [])
    si, vi = networks.index(events.suspect), networks.index(events.victim)
    harmed = np.bincount(si, minlength=n) > 0
    harmed_by = np.bincount(vi, minlength=n) > 0
    caused = np.rint(np.bincount(si, weights=events.harm, minlength=n)).astype(np.int64)
    root = networks.index(networks.key)
    size = np.bincount(root, minlength=n)
    suspects = np.bincount(root, weights=harmed, minlength=n).astype(np.int64)
    victims = np.bincount(root, weights=harmed_by, minlength=n).astype(np.int64)
    event_root = root[si] if len(si) else np.zeros(0, np.int64)
    counts = np.bincount(event_root, minlength=n)
    harm = np.rint(np.bincount(event_root, weights=events.harm, minlength=n)).astype(np.int64)
    role = np.where(harmed & harmed_by, 2, np.where(harmed, 0, np.where(harmed_by, 1, 3)))
    names = ("suspect", "victim", "both", "linked")
    keys = np.nonzero(size)[0]
    rows = [
        (int(networks.persons[r]), int(size[r]), int(suspects[r]), int(victims[r]), int(counts[r]), int(harm[r]))
        for r in keys.tolist()
    ]
    members = [
        (p, k, names[r], c)
        for p, k, r, c in zip(
            networks.persons.tolist(), networks.key.tolist(), role.tolist(), caused.tolist(), strict=True
        )
    ]
    return NetworkRows(rows, members)


# ---- the findings, network by network ----------------------------------------------------------


@dataclass
class Findings:
    serial: dict[int, set[int]] = field(default_factory=dict)
    repeat: dict[int, RepeatVictim] = field(default_factory=dict)
    candidates: list[NewPartnerCandidate] = field(default_factory=list)


def records(events: EventTable) -> list[EventRecord]:
    """The table's events as the rules' plain records."""
    days: dict[int, date] = {}

    def day(ordinal: int) -> date | None:
        if not ordinal:
            return None
        found = days.get(ordinal)
        if found is None:
            found = days[ordinal] = date.fromordinal(ordinal)
        return found

    other, offences = events.other_relationships, events.offence_codes
    out = []
    for n, (event_id, s, v, d, h, r, dob, o) in enumerate(
        zip(*(getattr(events, c).tolist() for c in _COLUMNS), strict=True)
    ):
        relationship = other.get(n) if other else None
        rel = relationship or RELATIONSHIP_CODES[r] or None
        out.append(EventRecord(event_id, s, v, day(d), h, rel, day(dob), offences[o]))
    return out


def findings_of(events: EventTable, links: LinkTable, as_of: date) -> Findings:
    """The findings of persons whose every event is in `events` (whole networks). The rules are
    app.network.graph's: serial perpetrators, repeat victims, new partners of known perpetrators."""
    found = Findings()
    if not len(events):
        return found
    plain = records(events)
    found.serial = serial_perpetrators(plain, as_of)
    found.repeat = repeat_victims(plain, as_of)
    found.candidates = candidates_of(plain, links, as_of)
    return found


def candidates_of(plain: list[EventRecord], links: LinkTable, as_of: date) -> list[NewPartnerCandidate]:
    """Right-to-Know candidates of these events' suspects: every candidate, of any date (the
    pages filter by how recently the partnership was seen). The rule is new_partner_candidates, with
    the recorded relationships of the same networks (a new partner known from intelligence counts
    before any event); `since` is left to the pages, which filter the stored `last_seen_on`."""
    return new_partner_candidates(plain, as_of, links=links.records(), since=None)


def chunks_by_network(events: EventTable, networks: Networks, size: int = CHUNK_EVENTS) -> Iterator[np.ndarray]:
    """Indexes of the events, in runs of whole networks of about `size` events each."""
    if not len(events):
        return
    key = networks.key[networks.index(events.suspect)]
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    start = 0
    total = len(order)
    while start < total:
        end = min(start + size, total)
        if end < total:  # extend to the end of the network the cut falls in
            end = int(np.searchsorted(sorted_keys, sorted_keys[end - 1], side="right"))
        yield order[start:end]
        start = end


def links_within(links: LinkTable, persons: np.ndarray) -> LinkTable:
    keep = np.isin(links.a, persons) | np.isin(links.b, persons)
    flags = keep.tolist()
    return LinkTable(
        links.a[keep],
        links.b[keep],
        [k for k, x in zip(links.kinds, flags, strict=True) if x],
        [d for d, x in zip(links.dates, flags, strict=True) if x] if links.dates else [],
    )
