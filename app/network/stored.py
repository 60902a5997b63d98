"""The stored network findings as the pages read them: when they were computed, the linked
networks, the Right-to-Know candidates, repeat victims, and the network a person is in. Small
aggregate queries on the tables the findings job fills (app/network/models.py), never the whole
register's events.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.extensions import db
from app.network.graph import EarlierVictim, NewPartnerCandidate, PersonInfo, RepeatVictim
from app.network.models import (
    FindingsRun,
    LinkedNetwork,
    NetworkChange,
    NetworkMember,
    RepeatVictimFinding,
    RightToKnowFinding,
    SerialFinding,
)
from app.offenders.models import Person


@dataclass
class FindingsStatus:
    """When the stored findings were computed, and whether the latest computation failed."""

    good: FindingsRun | None  # the latest full computation that succeeded
    latest: FindingsRun | None  # the latest full computation, whatever became of it
    updated_at: datetime | None = None  # the latest network updated since `good`, if any
    networks_updated: int = 0

    @property
    def computed(self) -> bool:
        return self.good is not None

    @property
    def failed(self) -> FindingsRun | None:
        """The latest computation, when it failed after the good one."""
        latest, good = self.latest, self.good
        if latest is not None and latest.status == "failed" and (good is None or latest.id > good.id):
            return latest
        return None

    @property
    def running(self) -> bool:
        return self.latest is not None and self.latest.status == "running"


def findings_status() -> FindingsStatus:
    """Three small queries: the latest run, the latest good run, the changes applied since."""
    latest = db.session.scalar(sa.select(FindingsRun).order_by(FindingsRun.id.desc()).limit(1))
    good = latest
    if latest is not None and latest.status != "done":
        good = db.session.scalar(
            sa.select(FindingsRun).where(FindingsRun.status == "done").order_by(FindingsRun.id.desc()).limit(1)
        )
    status = FindingsStatus(good=good, latest=latest)
    if good is not None and good.finished_at is not None:
        changed, persons = db.session.execute(
            sa.select(sa.func.max(NetworkChange.changed_at), sa.func.count(sa.distinct(NetworkChange.person_id))).where(
                NetworkChange.changed_at > good.finished_at, NetworkChange.applied.is_(True)
            )
        ).one()
        status.updated_at, status.networks_updated = changed, persons or 0
    return status


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
    why: str = ""
    disclosure_tasks: list = field(default_factory=list)  # filled by the Clare's Law part, which owns the page


def _candidate(r: RightToKnowFinding) -> NewPartnerCandidate:
    """A stored row back in the rule's own shape (app.network.graph.new_partner_candidates)."""
    earlier = tuple(
        EarlierVictim(
            victim_id=v["victim_id"],
            events=v["events"],
            first_on=date.fromisoformat(v["first_on"]),
            last_on=date.fromisoformat(v["last_on"]),
            harm_days=v["harm_days"],
            offences=tuple(v["offences"]),
        )
        for v in r.earlier or ()
    )
    return NewPartnerCandidate(
        suspect_id=r.suspect_id,
        new_victim_id=r.new_partner_id,
        partner_since=r.partner_since,
        known_from=r.known_from,
        last_seen_on=r.last_seen_on,
        relationship=r.relationship,
        events_against=r.events_against,
        latest_event_id=r.latest_event_id,
        latest_on=r.latest_on,
        new_victim_first_on=r.new_partner_first_on,
        earlier=earlier,
    )


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


PER_PAGE = 50


class CandidateList(list):
    """One page of candidates, with the total and where the page stands."""

    def __init__(self, rows, total: int, page: int, per_page: int):
        super().__init__(rows)
        self.total, self.page, self.per_page = total, page, per_page

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.per_page + len(self)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def _candidate_order(sort: str | None, descending: bool) -> list:
    """ORDER BY for a page of candidates: the column chosen (RIGHT_TO_KNOW_SORTS), then the list's
    own order, the most recently seen partnership first."""
    own = [RightToKnowFinding.last_seen_on.desc(), RightToKnowFinding.suspect_id, RightToKnowFinding.new_partner_id]
    chosen = {
        "name": [sa.func.lower(Person.surname), sa.func.lower(Person.forenames), Person.ref],
        "since": [RightToKnowFinding.partner_since],
        "harm": [RightToKnowFinding.earlier_harm_days],
    }.get(RIGHT_TO_KNOW_SORTS.get(sort or ""), [])
    return [column.desc() if descending else column.asc() for column in chosen] + own


# The columns the Right-to-Know lists sort by (the query string's `sort`): the perpetrator's (or
# subject's) name, when the partnership began, the earlier victims' harm.
RIGHT_TO_KNOW_SORTS = {"perpetrator": "name", "subject": "name", "since": "since", "harm": "harm"}


def right_to_know_candidates(
    *,
    since: date | None,
    actor: Actor | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    sort: str | None = None,
    descending: bool = False,
) -> CandidateList:
    """New partners of known perpetrators, for a supervisor to consider a Right-to-Know disclosure,
    as stored by the last computation of the findings: one page, the most recently seen partnership
    first unless `sort` names a column (RIGHT_TO_KNOW_SORTS), with the total. `since` keeps
    partnerships seen on or after it (as the rule's own `since` does). The consultation is audited
    (the page names victims)."""
    audit.record(
        "view",
        "viewed Right-to-Know candidates",
        object_type="right_to_know_candidates",
        data={"since": since, "page": page},
        actor=actor,
    )
    db.session.commit()  # first, so that nothing loaded below is expired by it
    recent = RightToKnowFinding.last_seen_on >= since if since is not None else sa.true()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(RightToKnowFinding).where(recent))
    query = (
        sa.select(RightToKnowFinding)
        .join(Person, Person.id == RightToKnowFinding.suspect_id)
        .where(recent)
        .order_by(*_candidate_order(sort, descending))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    found = [(_candidate(r), r.why) for r in db.session.scalars(query)]
    people = _person_infos(
        {c.suspect_id for c, _ in found}
        | {c.new_victim_id for c, _ in found}
        | {v for c, _ in found for v in c.earlier_victim_ids}
    )
    rows = [
        CandidateRow(
            candidate=c,
            suspect=people[c.suspect_id],
            new_victim=people[c.new_victim_id],
            earlier_victims=[people[v] for v in c.earlier_victim_ids if v in people],
            earlier=[EarlierVictimRow(people[v.victim_id], v) for v in c.earlier if v.victim_id in people],
            why=why,
        )
        for c, why in found
        if c.suspect_id in people and c.new_victim_id in people
    ]
    return CandidateList(rows, total, page, per_page)


@dataclass
class NetworkRow:
    id: int
    size: int
    suspects: int
    victims: int
    events: int
    harm_days: int
    members: list[PersonInfo] = field(default_factory=list)  # the most harmful first, a few only


@dataclass
class NetworkSummary:
    persons: int
    networks: int
    size_bands: dict[str, int]
    largest: list[NetworkRow]
    serial_count: int
    repeat_victim_count: int


SIZE_BANDS = (("2", 2, 2), ("3–5", 3, 5), ("6–10", 6, 10), ("11–50", 11, 50), ("over 50", 51, None))
TOP_MEMBERS = 6


def network_summary(*, top: int = 20, actor: Actor | None = None) -> NetworkSummary:
    """Linked networks across the whole register, as stored by the last computation: how many of
    each size, the largest with their most harmful members, and the counts of serial
    perpetrators and repeat victims. A handful of aggregate queries on the stored tables."""
    audit.record("view", "viewed linked networks", object_type="network", actor=actor)
    db.session.commit()
    counts = [
        sa.func.count().filter(LinkedNetwork.size >= low if high is None else LinkedNetwork.size.between(low, high))
        for _label, low, high in SIZE_BANDS
    ]
    *sizes, persons = db.session.execute(sa.select(*counts, sa.func.coalesce(sa.func.sum(LinkedNetwork.size), 0))).one()
    bands = {label: n for (label, _low, _high), n in zip(SIZE_BANDS, sizes, strict=True)}
    largest = [
        NetworkRow(r.id, r.size, r.suspects, r.victims, r.events, r.harm_days)
        for r in db.session.scalars(
            sa.select(LinkedNetwork).order_by(LinkedNetwork.size.desc(), LinkedNetwork.id).limit(top)
        )
    ]
    if largest:
        rank = (
            sa.func.row_number()
            .over(
                partition_by=NetworkMember.network_id,
                order_by=(NetworkMember.harm_days.desc(), NetworkMember.person_id),
            )
            .label("rank")
        )
        ranked = (
            sa.select(NetworkMember.network_id, NetworkMember.person_id, rank)
            .where(NetworkMember.network_id.in_([n.id for n in largest]))
            .subquery()
        )
        chosen = db.session.execute(
            sa.select(ranked.c.network_id, ranked.c.person_id)
            .where(ranked.c.rank <= TOP_MEMBERS)
            .order_by(ranked.c.network_id, ranked.c.rank)
        ).all()
        infos = _person_infos(p for _, p in chosen)
        by_id = {n.id: n for n in largest}
        for network_id, person_id in chosen:
            if person_id in infos:
                by_id[network_id].members.append(infos[person_id])
    return NetworkSummary(
        persons=persons,
        networks=sum(bands.values()),
        size_bands=bands,
        largest=largest,
        serial_count=db.session.scalar(sa.select(sa.func.count()).select_from(SerialFinding)),
        repeat_victim_count=db.session.scalar(sa.select(sa.func.count()).select_from(RepeatVictimFinding)),
    )


def stored_repeat_victims() -> dict[int, RepeatVictim]:
    """Repeat victims as stored by the last computation, in the rule's own shape (for pages that
    list them without recomputing the whole register)."""
    return {
        r.person_id: StoredRepeatVictim(r.person_id, r.suspects, r.recent_events, r.reasons)
        for r in db.session.scalars(sa.select(RepeatVictimFinding))
    }


@dataclass(frozen=True)
class StoredRepeatVictim:
    victim_id: int
    suspect_count: int
    recent_events: int
    reasons_text: str

    @property
    def reasons(self) -> list[str]:
        return self.reasons_text.split("; ") if self.reasons_text else []


def network_of(person_id: int) -> tuple[int, list[int]] | None:
    """The stored linked network a person is in: (its id, its members' ids), or None."""
    key = db.session.scalar(sa.select(NetworkMember.network_id).where(NetworkMember.person_id == person_id))
    if key is None:
        return None
    members = list(db.session.scalars(sa.select(NetworkMember.person_id).where(NetworkMember.network_id == key)))
    return key, sorted(members)
