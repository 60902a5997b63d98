"""The register pages that read every part: the person list (search with scores and filters) and
the profile, assembled here above the domain parts, which never read from it."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.base import id_list, today
from app.catalogue import LeverType, OffenceCategory
from app.extensions import db
from app.network import picture
from app.network import services as network
from app.offenders.events import services as events_service
from app.offenders.levers import services as levers
from app.offenders.levers.services import LeverState
from app.offenders.merge import services as merge
from app.offenders.models import DAEvent, Lever, Person
from app.offenders.search import PersonPage, SearchCriteria, term_matches
from app.orders import services as orders
from app.orders.breaches import services as breaches
from app.orders.models import Breach, Order
from app.ranking import services as ranking
from app.ranking.models import ScoreRow, ScoreRun
from app.referrals import timeline as referrals
from app.tasking.models import Task
from app.tasking.tasks import requests as tasks
from app.victims.common import is_victim
from app.victims.dash import services as dash


@dataclass
class SearchResult:
    pagination: object
    scores: dict[int, ScoreRow] = field(default_factory=dict)
    ranked: bool = False  # whether any ranking run exists (then results are in priority order)


def search_persons(
    criteria: SearchCriteria,
    *,
    page: int = 1,
    per_page: int = 50,
    as_of: date | None = None,
    actor: Actor | None = None,
) -> SearchResult:
    """Find persons by name, alias, reference or PNC ID, with filters; audited as a search.

    Ordered by priority (the current ranking) when a ranking exists, ranked persons first; then
    by name. Each term of the text must match (so "alex smith" finds Alex SMITH).

    The search is audited and committed first: a commit after loading would expire every loaded
    person and make the page reload them one by one.
    """
    as_of = as_of or today()
    audit.record(
        "search",
        f"searched persons: {criteria.text!r}" if criteria.text else "listed persons",
        object_type="person",
        data={"criteria": criteria.as_dict(), "page": page},
        actor=actor,
    )
    db.session.commit()
    where = [term_matches(term) for term in criteria.terms]
    if criteria.district:
        where.append(Person.district == criteria.district)
    if criteria.active_order:
        where.append(Person.id.in_(orders.active_order_subjects(as_of)))
    if criteria.active_levers:
        where.append(Person.id.in_(levers.active_lever_holders(as_of)))

    run_ids = ranking.current_run_ids()
    ranked = bool(run_ids)
    if criteria.serial:
        # Worked out once, here, rather than inside both the count and the page query.
        where.append(Person.id.in_(id_list("serial_ids", ranking.serial_person_ids(as_of, run_ids))))

    filtered = bool(where)
    where.append(Person.id.not_in(merge.merged_away_ids()))  # a record merged away opens the kept one
    ids = sa.select(Person.id).where(*where)
    name_order = (sa.func.lower(Person.surname), sa.func.lower(Person.forenames), Person.ref)
    if ranked:
        current = ranking.current_rows(run_ids)
        ids = ids.outerjoin(current, current.c.person_id == Person.id).order_by(
            sa.case((current.c.score_id.is_(None), 1), else_=0),  # ranked persons first
            current.c.priority.desc(),
            current.c.harm.desc(),
            current.c.latest_event_on.desc(),
            sa.case((current.c.score_id.is_not(None), Person.ref)),  # the ranked list's own tie-break
            *name_order,
        )
    else:
        ids = ids.order_by(*name_order)
    pagination = PersonPage(
        id_select=ids,
        count_select=sa.select(sa.func.count()).select_from(Person).where(*where),
        filtered=filtered,
        session=db.session,
        page=page,
        per_page=per_page,
        max_per_page=200,
        error_out=False,
    )
    people = list(pagination.items)
    scores: dict[int, ScoreRow] = {}
    if ranked and people:
        current = ranking.current_rows(run_ids)
        rows = db.session.scalars(
            sa.select(ScoreRow)
            .join(current, current.c.score_id == ScoreRow.id)
            .where(current.c.person_id.in_([p.id for p in people]))
        )
        scores = {r.person_id: r for r in rows}
    return SearchResult(pagination=pagination, scores=scores, ranked=ranked)


@dataclass
class TimelineItem:
    on: date
    kind: str  # event, breach, order, lever, task, referral
    obj: object
    order: int = 0  # tie-break within a day: most significant first
    extra: dict = field(default_factory=dict)


KIND_ORDER = {"breach": 0, "event": 1, "order": 2, "lever": 3, "task": 4, "referral": 5}


def referrals_of(person: Person) -> list[TimelineItem]:
    """Programme and forum (MARAC/MATAC/MASIP) referrals of the person, as timeline items."""
    return [TimelineItem(on, "referral", entry) for on, entry in referrals.timeline_entries(person)]


def build_timeline(
    events: list[DAEvent],
    breaches: list[Breach],
    orders: list[Order],
    levers: list[Lever],
    tasks: list[Task],
    referrals: list,
) -> list[TimelineItem]:
    """One list, newest first, of everything that happened to or about the person."""
    by_event = {b.event_id: b for b in breaches}
    items = []
    for e in events:
        if e.id in by_event:
            items.append(TimelineItem(e.occurred_on, "breach", by_event[e.id], extra={"event": e}))
        else:
            items.append(TimelineItem(e.occurred_on, "event", e))
    items += [TimelineItem(o.starts_on, "order", o) for o in orders]
    items += [TimelineItem(rec.noted_on, "lever", rec) for rec in levers]
    items += [TimelineItem(t.created_at.date(), "task", t) for t in tasks]
    items += referrals
    for item in items:
        item.order = KIND_ORDER[item.kind]
    return sorted(items, key=lambda i: (-i.on.toordinal(), i.order, -getattr(i.obj, "id", 0)))


@dataclass
class Profile:
    person: Person
    events: list[DAEvent]
    timeline: list[TimelineItem]
    levers: list[LeverState]
    score: tuple[ScoreRow, ScoreRun] | None
    history: list[tuple[ScoreRow, ScoreRun]]
    findings: network.Findings
    picture: picture.Picture
    lever_types: dict[str, LeverType]
    offences: dict[str, OffenceCategory]
    age: int | None
    assessments: dict = field(default_factory=dict)  # {event id: the DASH assessment made for it}
    is_victim: bool = False
    orders: list[Order] = field(default_factory=list)  # as subject or protected person
    tasks: list[Task] = field(default_factory=list)  # every task about the person


def profile(person: Person, viewer_roles, *, as_of: date | None = None) -> Profile:
    """Everything the profile page shows, in a fixed number of queries whatever the history."""
    as_of = as_of or today()
    events = events_service.events_of(person)
    lever_types = levers.lever_catalogue()
    offences = events_service.offence_catalogue()
    harm = {code: o.harm_days for code, o in offences.items()}
    records = levers.lever_records(person)
    held_orders, held_tasks = orders.orders_of(person), tasks.tasks_of(person)
    return Profile(
        person=person,
        events=events,
        timeline=build_timeline(
            events,
            breaches.breaches_involving(person),
            held_orders,
            records,
            held_tasks,
            referrals_of(person),
        ),
        orders=held_orders,
        tasks=held_tasks,
        levers=levers.lever_states(person, records, events, lever_types, as_of),
        score=ranking.current_score(person),
        history=ranking.recent_scores(person),
        findings=network.findings_for(person, events, harm, as_of),
        picture=network.network_picture(person, viewer_roles),
        lever_types=lever_types,
        offences=offences,
        age=person.age_on(as_of),
        assessments=dash.assessments_for_events([e.id for e in events]),
        is_victim=is_victim(person),
    )
