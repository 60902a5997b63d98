"""Reading and changing the offender register. Every view, search and change is audited here.

Routes parse forms and call these functions; the CLI and other parts can call them too, with an
`actor`. Changes use optimistic locking: the caller passes the version it showed the user, and a
record changed since then raises EditConflict with nothing written.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.functions import FunctionElement

from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, assign_ref, placeholder_ref, today, utcnow
from app.catalogue import (
    BREACH_OFFENCES,
    DASH_RISKS,
    DERIVED_LEVER_BREACH_UNACTIONED,
    EVENT_OUTCOMES,
    GENDERS,
    RELATIONSHIPS,
    WARNING_MARKERS,
    LeverType,
    OffenceCategory,
)
from app.extensions import db
from app.imports.parsing import ACHILLES_REF_PREFIX, PNC_PATTERN, REF_PATTERN
from app.offenders import network, picture
from app.offenders.models import DAEvent, Lever, Person, PersonAlias, PersonCategory, WarningMarker
from app.orders.models import Breach, Order, order_protected_persons
from app.tasking.models import ScoreRow, ScoreRun, Task

PERSON_EDITABLE = ("surname", "forenames", "date_of_birth", "gender", "pnc_id", "district")
PERSON_LISTS = ("aliases", "markers", "categories")
# Suspect and victim come from DA events; these two are set by hand.
MANUAL_CATEGORIES = ("witness", "convicted")
EVENT_EDITABLE = (
    "occurred_on",
    "offence",
    "suspect_ref",
    "victim_ref",
    "relationship_type",
    "dash_risk",
    "district",
    "outcome",
    "narrative",
)
# Roles that read the whole register, victims' names included. Anyone else (referral staff, when
# the referrals issue opens a restricted view to them) sees no victim's name in the network.
FULL_READERS = frozenset({"supervisor", "officer", "analyst"})
# URL words under /persons/ that a person reference must not take.
RESERVED_REFS = {"new", "network"}
BREACH_LEVER_DAYS = 90
MAX_SEARCH_TERMS = 6
# References of records made in Achilles (imports refuse ACH-); events as app.orders.breaches.
PERSON_REF_PREFIX, EVENT_REF_PREFIX = "ACH-P-", "ACH-E-"


class NotEditable(Exception):
    """The record is kept by another system or module and cannot be edited here."""


# ---- reading persons -------------------------------------------------------------------------


def get_person(ref: str) -> Person | None:
    return db.session.scalar(
        sa.select(Person)
        .where(Person.ref == ref)
        .options(selectinload(Person.aliases), selectinload(Person.markers), selectinload(Person.categories))
    )


def view_person(
    person: Person, *, actor: Actor | None = None, reason: str | None = None, purpose: str | None = None
) -> None:
    """Record the consultation of a person's record (DPA 2018 s.62): their page, or a form that shows it."""
    summary = f"viewed person {person.ref}" + (f" ({purpose})" if purpose else "")
    audit.record("view", summary, object_type="person", object_ref=person.ref, reason=reason, actor=actor)
    db.session.commit()


def view_event(event: DAEvent, *, actor: Actor | None = None, reason: str | None = None) -> None:
    """Record the consultation of a DA event opened to be changed."""
    audit.record(
        "view",
        f"viewed DA event {event.ref} (to change it)",
        object_type="da_event",
        object_ref=event.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


def events_of(person: Person) -> list[DAEvent]:
    """The person's DA events as suspect or victim, newest first, with both persons loaded."""
    return list(
        db.session.scalars(
            sa.select(DAEvent)
            .where(sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id))
            .options(joinedload(DAEvent.suspect), joinedload(DAEvent.victim))
            .order_by(DAEvent.occurred_on.desc(), DAEvent.id.desc())
        )
    )


# ---- scores (read from the stored ranking runs) ------------------------------------------------


RUN_ORDER = (ScoreRun.as_of.desc(), ScoreRun.id.desc())


def current_run_ids() -> list[int]:
    """The runs that make up the current ranking, newest first: the latest full run (by as-of
    date, the last stored breaking a tie, as in tasking) and any partial run after it (a breach
    re-scores its perpetrator at once). With no full run, every partial run. Empty: no ranking.

    A person absent from the latest full run is not ranked now, whatever an older run said.
    """
    base = db.session.execute(
        sa.select(ScoreRun.id, ScoreRun.as_of).where(ScoreRun.partial.is_(False)).order_by(*RUN_ORDER).limit(1)
    ).first()
    query = sa.select(ScoreRun.id).order_by(*RUN_ORDER)
    if base is not None:
        query = query.where(
            sa.or_(ScoreRun.as_of > base.as_of, sa.and_(ScoreRun.as_of == base.as_of, ScoreRun.id >= base.id))
        )
    return list(db.session.scalars(query))


def _current_rows(run_ids: list[int]):
    """A subquery of each person's current score row: (score_id, person_id, priority, harm,
    latest_event_on), from the newest of `run_ids` that scored them."""
    columns = (
        ScoreRow.id.label("score_id"),
        ScoreRow.person_id,
        ScoreRow.priority,
        ScoreRow.harm,
        ScoreRow.latest_event_on,
        ScoreRow.victims_in_window,
    )
    if len(run_ids) == 1:
        return sa.select(*columns).where(ScoreRow.run_id == run_ids[0]).subquery("current_score")
    newest = sa.func.row_number().over(partition_by=ScoreRow.person_id, order_by=RUN_ORDER).label("newest")
    ranked = (
        sa.select(*columns, newest)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRow.run_id.in_(run_ids))
        .subquery("ranked_score")
    )
    return sa.select(*(c for c in ranked.c if c.name != "newest")).where(ranked.c.newest == 1).subquery("current_score")


def current_score(person: Person) -> tuple[ScoreRow, ScoreRun] | None:
    run_ids = current_run_ids()
    if not run_ids:
        return None
    row = db.session.execute(
        sa.select(ScoreRow, ScoreRun)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRow.person_id == person.id, ScoreRow.run_id.in_(run_ids))
        .order_by(*RUN_ORDER)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def score_history(person: Person, limit: int = 12) -> list[tuple[ScoreRow, ScoreRun]]:
    """The person's latest stored scores, newest ranking first."""
    rows = db.session.execute(
        sa.select(ScoreRow, ScoreRun)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRow.person_id == person.id)
        .order_by(*RUN_ORDER)
        .limit(limit)
    )
    return [(r, run) for r, run in rows]


# ---- search ----------------------------------------------------------------------------------


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
    network.serial_perpetrators (2+ distinct victims in 36 months, each aged 16+ on the date of
    the event or of unknown age). Used for the list filter before any ranking exists."""
    victim = sa.orm.aliased(Person)
    start = network.cutoff(as_of, network.SERIAL_WINDOW_MONTHS)
    return (
        sa.select(DAEvent.suspect_id)
        .join(victim, victim.id == DAEvent.victim_id)
        .where(
            DAEvent.occurred_on >= start,
            DAEvent.occurred_on <= as_of,
            sa.or_(
                victim.date_of_birth.is_(None),
                # Aged 16 at the start of the window: no need to work out their age at each event.
                victim.date_of_birth <= _years_earlier(start, network.ADULT_AGE),
                victim.date_of_birth <= years_before(DAEvent.occurred_on, sa.literal(network.ADULT_AGE, sa.Integer)),
            ),
        )
        .group_by(DAEvent.suspect_id)
        .having(sa.func.count(sa.distinct(DAEvent.victim_id)) >= network.SERIAL_MIN_VICTIMS)
    )


def young_victim_suspects(as_of: date) -> set[int]:
    """Suspects with a victim in the 36-month window who may have been under 16 at one of the
    events: born less than 16 years before the window opened. Usually a few hundred. Two small
    queries: the young persons, then their events through the victim index."""
    start = network.cutoff(as_of, network.SERIAL_WINDOW_MONTHS)
    young = list(
        db.session.scalars(sa.select(Person.id).where(Person.date_of_birth > _years_earlier(start, network.ADULT_AGE)))
    )
    if not young:
        return set()
    return set(
        db.session.scalars(
            sa.select(DAEvent.suspect_id)
            .where(DAEvent.victim_id.in_(_id_list("young", young)), DAEvent.occurred_on >= start)
            .where(DAEvent.occurred_on <= as_of)
            .distinct()
        )
    )


def _id_list(name: str, ids) -> sa.BindParameter:
    """A list of ids written into the statement (ints only), so no driver limit on parameters."""
    return sa.bindparam(name, sorted(ids), expanding=True, literal_execute=True)


def serial_person_ids(as_of: date, run_ids: list[int]) -> list[int]:
    """Serial perpetrators for the list filter, by the rule of network.serial_perpetrators.

    Run over all 120,000 events the rule costs more than a list page may, so when a ranking
    exists it does the counting: the ranking stores each person's distinct victims in the window.
    That count is the rule's answer for every suspect none of whose victims can have been under
    16 in the window; only the few others are checked, by network.serial_perpetrators itself, on
    their events. Five small, index-driven queries. (A person whose events changed since the last
    ranking is judged by that ranking until the next run.)
    """
    if not run_ids:
        return list(db.session.scalars(serial_suspects_query(as_of)))
    current = _current_rows(run_ids)
    counted = set(
        db.session.scalars(
            sa.select(current.c.person_id).where(current.c.victims_in_window >= network.SERIAL_MIN_VICTIMS)
        )
    )
    doubtful = young_victim_suspects(as_of) & counted
    confirmed: set[int] = set()
    if doubtful:
        # Their events, then their victims' dates of birth (index lookups both), then the rule itself.
        start = network.cutoff(as_of, network.SERIAL_WINDOW_MONTHS)
        events = db.session.execute(
            sa.select(DAEvent.id, DAEvent.suspect_id, DAEvent.victim_id, DAEvent.occurred_on).where(
                DAEvent.suspect_id.in_(_id_list("doubtful", doubtful)),
                DAEvent.occurred_on >= start,
                DAEvent.occurred_on <= as_of,
            )
        ).all()
        victims = {e.victim_id for e in events}
        born = dict(
            db.session.execute(
                sa.select(Person.id, Person.date_of_birth).where(Person.id.in_(_id_list("victims", victims)))
            ).all()
        )
        records = [
            network.EventRecord(e.id, e.suspect_id, e.victim_id, e.occurred_on, victim_dob=born.get(e.victim_id))
            for e in events
        ]
        confirmed = set(network.serial_perpetrators(records, as_of))
    return sorted((counted - doubtful) | confirmed)


# The filters below are uncorrelated sets (computed once per query), not EXISTS per person: the
# list is sorted over every person, so a per-person subquery would run 45,000 times.


def active_order_subjects(as_of: date):
    return sa.select(Order.subject_id).where(
        Order.starts_on <= as_of,
        sa.or_(Order.ends_on.is_(None), Order.ends_on >= as_of),
        sa.or_(Order.revoked_on.is_(None), Order.revoked_on > as_of),
    )


def active_lever_holders(as_of: date):
    """Persons with an active lever as of a date: a recorded one whose latest record (by
    noted_on) is active, or the derived breach_unactioned (a breach aged 0-90 days, outcome
    neither arrest nor charge)."""
    later = sa.orm.aliased(Lever)
    recorded = sa.select(Lever.person_id).where(
        Lever.active.is_(True),
        Lever.noted_on <= as_of,
        ~sa.select(later.id)
        .where(
            later.person_id == Lever.person_id,
            later.lever == Lever.lever,
            later.noted_on > Lever.noted_on,
            later.noted_on <= as_of,
        )
        .exists(),
    )
    unactioned_breach = sa.select(DAEvent.suspect_id).where(
        DAEvent.occurred_on >= as_of - timedelta(days=BREACH_LEVER_DAYS),
        DAEvent.occurred_on <= as_of,
        DAEvent.offence.in_(BREACH_OFFENCES),
        sa.or_(DAEvent.outcome.is_(None), DAEvent.outcome.not_in(("arrest", "charge"))),
    )
    return sa.union(recorded, unactioned_breach)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class unicode_lower(FunctionElement):
    """lower() that folds every letter, not only A-Z: SQLite's built-in lower() is ASCII-only, so
    on SQLite this calls Python's str.lower (registered on the connection by `_fold`). On
    PostgreSQL it is lower(), which folds by the database's locale (a UTF-8 locale folds all)."""

    type = sa.Text()
    inherit_cache = True
    name = "unicode_lower"


@compiles(unicode_lower)
def _unicode_lower_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _unicode_lower_sqlite(element, compiler, **kw):
    return f"achilles_lower({compiler.process(element.clauses, **kw)})"


def _python_lower(value):
    return value.lower() if isinstance(value, str) else value


def _fold(term: str):
    """The lowering function for a search term. An ASCII term only ever matches ASCII letters,
    which the built-in lower() folds on both engines, fast; a term with other letters (Zoë,
    Łukasz) needs a Unicode-aware lower, which on SQLite is a slower Python function."""
    if term.isascii():
        return sa.func.lower
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.create_function("achilles_lower", 1, _python_lower, deterministic=True)
    return unicode_lower


def _term_matches(term: str):
    """A person matches a term when it is part of a name, an alias, the reference or the PNC ID.

    Both sides are lowered explicitly: LIKE is case-insensitive on SQLite but not on PostgreSQL.
    """
    pattern = _like_pattern(term.lower())
    lower = _fold(term)

    def like(column):
        return lower(column).like(pattern, escape="\\")

    by_alias = sa.select(PersonAlias.person_id).where(sa.or_(like(PersonAlias.surname), like(PersonAlias.forenames)))
    return sa.or_(
        like(Person.surname), like(Person.forenames), like(Person.ref), like(Person.pnc_id), Person.id.in_(by_alias)
    )


@dataclass
class SearchCriteria:
    text: str = ""
    district: str | None = None
    serial: bool = False
    active_order: bool = False
    active_levers: bool = False

    @property
    def terms(self) -> list[str]:
        return self.text.split()[:MAX_SEARCH_TERMS]

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "district": self.district,
            "serial": self.serial,
            "active_order": self.active_order,
            "active_levers": self.active_levers,
        }


class PersonPage(SelectPagination):
    """Flask-SQLAlchemy's pagination, made cheap on 45,000 persons.

    The page's ids are sorted first, as narrow rows; then those persons are loaded with their
    aliases and categories, one query each (a deferred join). With filters, the total is
    counted in the same pass (count(*) OVER ()), so the filters run once; without, counting all
    persons is cheap and a plain LIMIT lets the database keep only the top rows while sorting.
    """

    def _query_items(self) -> list[Person]:
        session = self._query_args["session"]
        select = self._query_args["id_select"]
        filtered = self._query_args["filtered"]
        if filtered:
            select = select.add_columns(sa.func.count().over().label("total"))
        rows = session.execute(select.limit(self.per_page).offset(self._query_offset)).all()
        self._total = None
        if filtered and rows:
            self._total = rows[0].total
        elif filtered and self.page == 1:
            self._total = 0
        if not rows:
            return []
        ids = [row[0] for row in rows]
        loaded = {
            p.id: p
            for p in session.scalars(
                sa.select(Person)
                .where(Person.id.in_(ids))
                .options(selectinload(Person.aliases), selectinload(Person.categories))
            )
        }
        return [loaded[i] for i in ids]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        return self._query_args["session"].scalar(self._query_args["count_select"])


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
    where = [_term_matches(term) for term in criteria.terms]
    if criteria.district:
        where.append(Person.district == criteria.district)
    if criteria.active_order:
        where.append(Person.id.in_(active_order_subjects(as_of)))
    if criteria.active_levers:
        where.append(Person.id.in_(active_lever_holders(as_of)))

    run_ids = current_run_ids()
    ranked = bool(run_ids)
    if criteria.serial:
        # Worked out once, here, rather than inside both the count and the page query.
        where.append(Person.id.in_(_id_list("serial_ids", serial_person_ids(as_of, run_ids))))

    ids = sa.select(Person.id).where(*where)
    name_order = (sa.func.lower(Person.surname), sa.func.lower(Person.forenames), Person.ref)
    if ranked:
        current = _current_rows(run_ids)
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
        filtered=bool(where),
        session=db.session,
        page=page,
        per_page=per_page,
        max_per_page=200,
        error_out=False,
    )
    people = list(pagination.items)
    scores: dict[int, ScoreRow] = {}
    if ranked and people:
        current = _current_rows(run_ids)
        rows = db.session.scalars(
            sa.select(ScoreRow)
            .join(current, current.c.score_id == ScoreRow.id)
            .where(current.c.person_id.in_([p.id for p in people]))
        )
        scores = {r.person_id: r for r in rows}
    return SearchResult(pagination=pagination, scores=scores, ranked=ranked)


def districts() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Person.district).where(Person.district.is_not(None)).distinct().order_by(Person.district)
        )
    )


# ---- the profile -------------------------------------------------------------------------------


@dataclass
class LeverState:
    """A lever as it stands for a person: the latest record (by noted_on) decides."""

    code: str
    label: str
    weight: int
    active: bool
    noted_on: date | None
    detail: str | None
    record_id: int | None = None
    version_id: int | None = None
    derived: bool = False


@dataclass
class TimelineItem:
    on: date
    kind: str  # event, breach, order, lever, task, referral
    obj: object
    order: int = 0  # tie-break within a day: most significant first
    extra: dict = field(default_factory=dict)


KIND_ORDER = {"breach": 0, "event": 1, "order": 2, "lever": 3, "task": 4, "referral": 5}


def lever_catalogue() -> dict[str, LeverType]:
    return {lt.code: lt for lt in db.session.scalars(sa.select(LeverType).order_by(LeverType.label))}


def offence_catalogue() -> dict[str, OffenceCategory]:
    return {o.code: o for o in db.session.scalars(sa.select(OffenceCategory).order_by(OffenceCategory.label))}


def lever_records(person: Person) -> list[Lever]:
    return list(
        db.session.scalars(
            sa.select(Lever).where(Lever.person_id == person.id).order_by(Lever.noted_on.desc(), Lever.id.desc())
        )
    )


def lever_states(
    person: Person,
    records: list[Lever],
    events: list[DAEvent],
    lever_types: dict[str, LeverType],
    as_of: date,
) -> list[LeverState]:
    """Current levers, active first. `breach_unactioned` is derived from breach events (aged
    0-90 days, outcome neither arrest nor charge) and never from a record."""
    latest: dict[str, Lever] = {}
    for rec in sorted(records, key=lambda r: (r.noted_on, r.id)):
        if rec.noted_on <= as_of:
            latest[rec.lever] = rec
    states = []
    for code, rec in latest.items():
        lt = lever_types.get(code)
        states.append(
            LeverState(
                code=code,
                label=lt.label if lt else code,
                weight=lt.weight if lt else 0,
                active=rec.active,
                noted_on=rec.noted_on,
                detail=rec.detail,
                record_id=rec.id,
                version_id=rec.version_id,
            )
        )
    unactioned = [
        e
        for e in events
        if e.suspect_id == person.id
        and e.offence in BREACH_OFFENCES
        and 0 <= (as_of - e.occurred_on).days <= BREACH_LEVER_DAYS
        and e.outcome not in ("arrest", "charge")
    ]
    if unactioned:
        lt = lever_types.get(DERIVED_LEVER_BREACH_UNACTIONED)
        newest = max(e.occurred_on for e in unactioned)
        states.append(
            LeverState(
                code=DERIVED_LEVER_BREACH_UNACTIONED,
                label=lt.label if lt else "Breach not actioned",
                weight=lt.weight if lt else 0,
                active=True,
                noted_on=newest,
                detail=f"{len(unactioned)} breach{'es' if len(unactioned) != 1 else ''} in the last "
                f"{BREACH_LEVER_DAYS} days without arrest or charge",
                derived=True,
            )
        )
    return sorted(states, key=lambda s: (not s.active, -s.weight, s.label))


def orders_of(person: Person) -> list[Order]:
    protected = sa.select(order_protected_persons.c.order_id).where(order_protected_persons.c.person_id == person.id)
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(sa.or_(Order.subject_id == person.id, Order.id.in_(protected)))
            .options(joinedload(Order.subject), selectinload(Order.protected_persons))
            .order_by(Order.starts_on.desc(), Order.id.desc())
        ).unique()
    )


def breaches_of(person: Person) -> list[Breach]:
    involved = sa.select(DAEvent.id).where(sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id))
    return list(
        db.session.scalars(
            sa.select(Breach)
            .where(Breach.event_id.in_(involved))
            .options(joinedload(Breach.order), selectinload(Breach.conditions))
        ).unique()
    )


def tasks_of(person: Person) -> list[Task]:
    return list(
        db.session.scalars(
            sa.select(Task)
            .where(Task.person_id == person.id)
            .options(joinedload(Task.owner), joinedload(Task.team))
            .order_by(Task.created_at.desc(), Task.id.desc())
        ).unique()
    )


def referrals_of(person: Person) -> list:
    """Programme and forum (MARAC/MATAC/MASIP) referrals of the person, as TimelineItem(kind="referral")."""
    from app.referrals.services import timeline_items

    return timeline_items(person)


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


def _event_records(person: Person, events: list[DAEvent], harm: dict[str, int]) -> list[network.EventRecord]:
    return [
        network.EventRecord(
            e.id,
            e.suspect_id,
            e.victim_id,
            e.occurred_on,
            harm.get(e.offence, 0),
            e.relationship_type,
            e.victim.date_of_birth,
        )
        for e in events
    ]


@dataclass
class Findings:
    serial_victims: int = 0  # distinct victims (16+) in 36 months, when a serial perpetrator
    repeat: network.RepeatVictim | None = None


def findings_for(person: Person, events: list[DAEvent], harm: dict[str, int], as_of: date) -> Findings:
    """The network findings about this one person, from their own events (no extra query)."""
    records = _event_records(person, events, harm)
    serial = network.serial_perpetrators([r for r in records if r.suspect_id == person.id], as_of)
    repeat = network.repeat_victims([r for r in records if r.victim_id == person.id], as_of)
    return Findings(serial_victims=len(serial.get(person.id, ())), repeat=repeat.get(person.id))


def network_picture(person: Person, viewer_roles, *, cap: int = network.EGO_CAP) -> picture.Picture:
    """The person's network (radius 2, at most `cap` persons) drawn for this viewer: victims'
    names, references and links are left out unless the viewer reads the full register."""
    hood = network.load_neighbourhood(db.session, person.id, radius=network.EGO_RADIUS, cap=cap)
    mask = not FULL_READERS.intersection(viewer_roles or ())
    return picture.draw(hood, mask_victims=mask, relationship_labels=RELATIONSHIPS)


@dataclass
class Profile:
    person: Person
    events: list[DAEvent]
    timeline: list[TimelineItem]
    levers: list[LeverState]
    score: tuple[ScoreRow, ScoreRun] | None
    history: list[tuple[ScoreRow, ScoreRun]]
    findings: Findings
    picture: picture.Picture
    lever_types: dict[str, LeverType]
    offences: dict[str, OffenceCategory]
    age: int | None


def profile(person: Person, viewer_roles, *, as_of: date | None = None) -> Profile:
    """Everything the profile page shows, in a fixed number of queries whatever the history."""
    as_of = as_of or today()
    events = events_of(person)
    lever_types = lever_catalogue()
    offences = offence_catalogue()
    harm = {code: o.harm_days for code, o in offences.items()}
    records = lever_records(person)
    return Profile(
        person=person,
        events=events,
        timeline=build_timeline(
            events, breaches_of(person), orders_of(person), records, tasks_of(person), referrals_of(person)
        ),
        levers=lever_states(person, records, events, lever_types, as_of),
        score=current_score(person),
        history=score_history(person),
        findings=findings_for(person, events, harm, as_of),
        picture=network_picture(person, viewer_roles),
        lever_types=lever_types,
        offences=offences,
        age=person.age_on(as_of),
    )


# ---- adding and changing persons ---------------------------------------------------------------


def _alias_text(alias) -> str:
    forenames, surname = alias
    return f"{forenames} {surname.upper()}".strip()


def person_snapshot(person: Person) -> dict:
    """The audited and compared values of a person, lists included."""
    data = audit.snapshot(person, PERSON_EDITABLE)
    data["aliases"] = [_alias_text((a.forenames, a.surname)) for a in person.aliases]
    data["markers"] = sorted(m.marker for m in person.markers)
    data["categories"] = sorted(c.category for c in person.categories if c.category in MANUAL_CATEGORIES)
    return data


def _check_person(values: dict, *, person: Person | None) -> dict[str, str]:
    errors = {}
    for name, label, limit in (("surname", "a surname", 100), ("forenames", "the forenames", 200)):
        value = (values.get(name) or "").strip()
        if not value:
            errors[name] = f"Enter {label}."
        elif len(value) > limit:
            errors[name] = f"Use at most {limit} characters."
    dob = values.get("date_of_birth")
    if dob is not None and dob > today():
        errors["date_of_birth"] = "The date of birth cannot be in the future."
    elif dob is not None and dob.year < 1900:
        errors["date_of_birth"] = "The date of birth must be after 1900."
    if values.get("gender") and values["gender"] not in GENDERS:
        errors["gender"] = "Choose a gender from the list."
    pnc = values.get("pnc_id")
    if pnc:
        if not PNC_PATTERN.match(pnc):
            errors["pnc_id"] = "Enter a PNC ID such as 2019/1234567A."
        else:
            query = sa.select(Person.ref).where(Person.pnc_id == pnc)
            if person is not None:
                query = query.where(Person.id != person.id)
            clash = db.session.scalar(query)
            if clash:
                errors["pnc_id"] = f"PNC ID {pnc} is already held for person {clash}."
    if values.get("district") and len(values["district"]) > 100:
        errors["district"] = "Use at most 100 characters."
    unknown = set(values.get("markers") or ()) - set(WARNING_MARKERS)
    if unknown:
        errors["markers"] = "Choose warning markers from the list."
    if set(values.get("categories") or ()) - set(MANUAL_CATEGORIES):
        errors["categories"] = "Only Witness and Convicted person can be set by hand."
    for forenames, surname in values.get("aliases") or ():
        if not surname or len(surname) > 100 or len(forenames) > 200:
            errors["aliases"] = "Write each alias on its own line as Forenames SURNAME, at most 100 characters."
            break
    return errors


def _apply_lists(person: Person, values: dict) -> None:
    if "aliases" in values:
        wanted = [(f, s) for f, s in values["aliases"]]
        if [(a.forenames, a.surname) for a in person.aliases] != wanted:
            person.aliases = [PersonAlias(forenames=f, surname=s) for f, s in wanted]
    if "markers" in values:
        wanted = set(values["markers"])
        person.markers = [m for m in person.markers if m.marker in wanted] + [
            WarningMarker(marker=code, noted_on=today()) for code in sorted(wanted - {m.marker for m in person.markers})
        ]
    if "categories" in values:
        wanted = set(values["categories"])
        keep = [c for c in person.categories if c.category not in MANUAL_CATEGORIES or c.category in wanted]
        have = {c.category for c in keep}
        person.categories = keep + [PersonCategory(category=c) for c in sorted(wanted - have)]


def _check_new_ref(model, ref: str | None, label: str) -> str | None:
    if not ref:
        return None
    if not REF_PATTERN.match(ref):
        return "Use letters, digits and / _ . - only, starting with a letter or digit, at most 64 characters."
    if ref.lower() in RESERVED_REFS:
        return "This reference is kept for Achilles's own pages; choose another."
    if ref.upper().startswith(ACHILLES_REF_PREFIX):
        return f"References starting {ACHILLES_REF_PREFIX} are given by Achilles; leave it empty to get one."
    if db.session.scalar(sa.select(model.id).where(model.ref == ref)):
        return f"{label} {ref} already exists."
    return None


def create_person(values: dict, *, actor: Actor | None = None) -> Person:
    """Add a person by hand. `ref` may be the force's reference; if empty, Achilles gives one
    (ACH-P- and the row's id, unique however many users add persons at once)."""
    errors = _check_person(values, person=None)
    ref_error = _check_new_ref(Person, values.get("ref"), "Person")
    if ref_error:
        errors["ref"] = ref_error
    if errors:
        raise ValidationFailed(errors)
    person = Person(ref=values.get("ref") or placeholder_ref())
    for name in PERSON_EDITABLE:
        setattr(person, name, values.get(name) or None)
    person.aliases, person.markers, person.categories = [], [], []
    _apply_lists(person, values)
    try:
        db.session.add(person)
        if not values.get("ref"):
            assign_ref(person, PERSON_REF_PREFIX)
        audit.record(
            "create",
            f"added person {person.ref}",
            object_type="person",
            object_ref=person.ref,
            data=audit.changes({}, person_snapshot(person)),
            actor=actor,
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        # Another user took the same reference or PNC ID a moment ago: say which.
        errors = _check_person(values, person=None)
        errors["ref"] = _check_new_ref(Person, values.get("ref"), "Person") or ""
        errors = {k: v for k, v in errors.items() if v}
        raise ValidationFailed(
            errors or {"ref": "Another user saved the same person a moment ago; check the register."}
        ) from exc
    return person


def update_person(person: Person, values: dict, *, expected_version: int, actor: Actor | None = None) -> dict:
    """Apply an edit made against `expected_version`; return the audited changes."""
    if person.version_id != expected_version:
        raise EditConflict()
    errors = _check_person({name: values.get(name) for name in PERSON_EDITABLE} | values, person=person)
    if errors:
        raise ValidationFailed(errors)
    before = person_snapshot(person)
    for name in PERSON_EDITABLE:
        setattr(person, name, values.get(name))
    _apply_lists(person, values)
    after = person_snapshot(person)
    diff = audit.changes(before, after)
    if not diff:
        db.session.rollback()
        return {}
    # Touch the row itself so its version moves (and is checked) when only a list changed.
    person.updated_at = utcnow()
    audit.record(
        "update", f"changed person {person.ref}", object_type="person", object_ref=person.ref, data=diff, actor=actor
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"pnc_id": "This PNC ID was just recorded for another person."}) from exc
    return diff


ALIAS_SPLIT = re.compile(r"\s+")


def parse_aliases(text: str | None) -> list[tuple[str, str]]:
    """One alias a line: "Surname, Forenames" or "Forenames Surname" (the last word is the surname)."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if "," in line:
            surname, _, forenames = line.partition(",")
        else:
            *first, surname = ALIAS_SPLIT.split(line)
            forenames = " ".join(first)
        alias = (forenames.strip(), surname.strip())
        if alias not in out:
            out.append(alias)
    return out


def aliases_text(person: Person) -> str:
    return "\n".join(f"{a.forenames} {a.surname}".strip() for a in person.aliases)


# ---- DA events ---------------------------------------------------------------------------------


def event_snapshot(event: DAEvent, suspect_ref: str, victim_ref: str) -> dict:
    data = audit.snapshot(event, [n for n in EVENT_EDITABLE if n not in ("suspect_ref", "victim_ref")])
    return data | {"suspect_ref": suspect_ref, "victim_ref": victim_ref}


def _check_event(values: dict) -> tuple[dict[str, str], Person | None, Person | None]:
    errors: dict[str, str] = {}
    day = values.get("occurred_on")
    if day is None:
        errors["occurred_on"] = "Enter the date of the event."
    elif day > today():
        errors["occurred_on"] = "The date of the event cannot be in the future."
    elif day.year < 1900:
        errors["occurred_on"] = "The date of the event must be after 1900."
    offence = values.get("offence")
    if not offence:
        errors["offence"] = "Choose the offence."
    elif offence in BREACH_OFFENCES:
        errors["offence"] = "Record a breach through Log a breach, against its order."
    elif not db.session.scalar(sa.select(OffenceCategory.code).where(OffenceCategory.code == offence)):
        errors["offence"] = "Choose an offence from the list."
    persons = {}
    for name, label in (("suspect_ref", "suspect"), ("victim_ref", "victim")):
        ref = (values.get(name) or "").strip()
        if not ref:
            errors[name] = f"Enter the {label}'s person reference."
            continue
        found = db.session.scalar(sa.select(Person).where(Person.ref == ref))
        if found is None:
            errors[name] = f"No person has the reference {ref}. Add the {label} to the register first."
        persons[name] = found
    suspect, victim = persons.get("suspect_ref"), persons.get("victim_ref")
    if suspect is not None and victim is not None and suspect.id == victim.id:
        errors["victim_ref"] = "The suspect and the victim must be different persons."
    if values.get("relationship_type") not in RELATIONSHIPS:
        errors["relationship_type"] = "Choose the relationship between suspect and victim."
    if values.get("dash_risk") and values["dash_risk"] not in DASH_RISKS:
        errors["dash_risk"] = "Choose a DASH risk grade from the list."
    if values.get("outcome") and values["outcome"] not in EVENT_OUTCOMES:
        errors["outcome"] = "Choose an outcome from the list."
    if values.get("district") and len(values["district"]) > 100:
        errors["district"] = "Use at most 100 characters."
    if values.get("narrative") and len(values["narrative"]) > 5000:
        errors["narrative"] = "Use at most 5,000 characters."
    return errors, suspect, victim


def _add_categories(*pairs: tuple[Person, str]) -> None:
    for person, category in pairs:
        if db.session.get(PersonCategory, (person.id, category)) is None:
            db.session.add(PersonCategory(person_id=person.id, category=category))


def create_event(values: dict, *, actor: Actor | None = None) -> DAEvent:
    """Record a DA event by hand (source "manual"; imports never overwrite it)."""
    errors, suspect, victim = _check_event(values)
    ref_error = _check_new_ref(DAEvent, values.get("ref"), "Event")
    if ref_error:
        errors["ref"] = ref_error
    if errors:
        raise ValidationFailed(errors)
    event = DAEvent(
        ref=values.get("ref") or placeholder_ref(), suspect_id=suspect.id, victim_id=victim.id, source="manual"
    )
    for name in EVENT_EDITABLE:
        if name not in ("suspect_ref", "victim_ref"):
            setattr(event, name, values.get(name) or None)
    try:
        db.session.add(event)
        if not values.get("ref"):
            assign_ref(event, EVENT_REF_PREFIX)
        _add_categories((suspect, "suspect"), (victim, "victim"))
        audit.record(
            "create",
            f"recorded DA event {event.ref}",
            object_type="da_event",
            object_ref=event.ref,
            data=audit.changes({}, event_snapshot(event, suspect.ref, victim.ref)),
            actor=actor,
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"ref": "This event reference was just taken; save again."}) from exc
    return event


def update_event(event: DAEvent, values: dict, *, expected_version: int, actor: Actor | None = None) -> dict:
    if event.source != "manual":
        raise NotEditable()
    if event.version_id != expected_version:
        raise EditConflict()
    errors, suspect, victim = _check_event(values)
    if errors:
        raise ValidationFailed(errors)
    before = event_snapshot(event, event.suspect.ref, event.victim.ref)
    event.suspect_id, event.victim_id = suspect.id, victim.id
    for name in EVENT_EDITABLE:
        if name not in ("suspect_ref", "victim_ref"):
            setattr(event, name, values.get(name) or None)
    after = event_snapshot(event, suspect.ref, victim.ref)
    diff = audit.changes(before, after)
    if not diff:
        db.session.rollback()
        return {}
    _add_categories((suspect, "suspect"), (victim, "victim"))
    audit.record(
        "update", f"changed DA event {event.ref}", object_type="da_event", object_ref=event.ref, data=diff, actor=actor
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return diff


def get_event(person: Person, event_ref: str) -> DAEvent | None:
    return db.session.scalar(
        sa.select(DAEvent)
        .where(DAEvent.ref == event_ref, sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id))
        .options(joinedload(DAEvent.suspect), joinedload(DAEvent.victim))
    )


def event_values(event: DAEvent) -> dict:
    return event_snapshot(event, event.suspect.ref, event.victim.ref) | {"occurred_on": event.occurred_on}


# ---- levers ------------------------------------------------------------------------------------


def _check_lever_date(day: date | None, name: str, what: str) -> dict[str, str]:
    if day is None:
        return {name: f"Enter the date {what}."}
    if day > today():
        return {name: f"The date {what} cannot be in the future."}
    if day.year < 1900:
        return {name: f"The date {what} must be after 1900."}
    return {}


def latest_lever_record(person: Person, code: str) -> Lever | None:
    return db.session.scalar(
        sa.select(Lever)
        .where(Lever.person_id == person.id, Lever.lever == code, Lever.noted_on <= today())
        .order_by(Lever.noted_on.desc(), Lever.id.desc())
        .limit(1)
    )


def add_lever(
    person: Person, code: str, noted_on: date | None, detail: str | None, *, actor: Actor | None = None
) -> Lever:
    """Note a lever as active for the person from `noted_on`."""
    lever_type = db.session.get(LeverType, code) if code else None
    errors = _check_lever_date(noted_on, "noted_on", "the lever was noted")
    if lever_type is None:
        errors["lever"] = "Choose a lever from the list."
    elif lever_type.derived:
        errors["lever"] = f"{lever_type.label} is worked out from breach events and cannot be recorded by hand."
    if detail and len(detail) > 2000:
        errors["detail"] = "Use at most 2,000 characters."
    if not errors and db.session.scalar(
        sa.select(Lever.id).where(Lever.person_id == person.id, Lever.lever == code, Lever.noted_on == noted_on)
    ):
        errors["noted_on"] = f"{lever_type.label} already has a record dated {noted_on:%d %b %Y}; choose another date."
    if errors:
        raise ValidationFailed(errors)
    record = Lever(person_id=person.id, lever=code, active=True, noted_on=noted_on, detail=detail or None)
    db.session.add(record)
    audit.record(
        "create",
        f"noted lever {code} for person {person.ref}",
        object_type="lever",
        object_ref=person.ref,
        data=audit.changes({}, {"lever": code, "active": True, "noted_on": noted_on, "detail": detail or None}),
        actor=actor,
    )
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"noted_on": "A record for this lever on that date was just added."}) from exc
    return record


def end_lever(
    person: Person,
    code: str,
    ended_on: date | None,
    note: str | None,
    *,
    expected_record_id: int,
    expected_version: int,
    actor: Actor | None = None,
) -> Lever:
    """Mark a lever no longer active from `ended_on`, with a note: a new record, active false.

    The form carries the record it was opened on (id and version). If the lever's latest record
    has changed since, nothing is written (EditConflict). The record it supersedes has its version
    moved in the same transaction, so two users ending the same lever at once cannot both succeed.
    """
    current = latest_lever_record(person, code)
    if current is None or not current.active:
        raise ValidationFailed({"lever": "This lever is not active for this person."})
    if current.id != expected_record_id or current.version_id != expected_version:
        raise EditConflict()
    errors = _check_lever_date(ended_on, "ended_on", "the lever ended")
    if not errors and ended_on <= current.noted_on:
        errors["ended_on"] = (
            f"The lever was noted active on {current.noted_on:%d %b %Y}; the date it ended must be after that."
        )
    if not (note or "").strip():
        errors["note"] = "Say why the lever no longer applies."
    elif len(note) > 2000:
        errors["note"] = "Use at most 2,000 characters."
    if errors:
        raise ValidationFailed(errors)
    record = Lever(person_id=person.id, lever=code, active=False, noted_on=ended_on, detail=note.strip())
    db.session.add(record)
    current.updated_at = utcnow()  # moves and checks the superseded record's version
    audit.record(
        "update",
        f"ended lever {code} for person {person.ref}",
        object_type="lever",
        object_ref=person.ref,
        data=audit.changes(
            {"lever": code, "active": True, "noted_on": current.noted_on, "detail": current.detail},
            {"lever": code, "active": False, "noted_on": ended_on, "detail": note.strip()},
        ),
        actor=actor,
    )
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return record


# ---- whole-graph findings (computed on request, set-based) -------------------------------------


@dataclass
class CandidateRow:
    candidate: network.NewPartnerCandidate
    suspect: network.PersonInfo
    new_victim: network.PersonInfo
    earlier_victims: list[network.PersonInfo]
    disclosure_tasks: list[Task]


def _person_infos(ids) -> dict[int, network.PersonInfo]:
    ids = sorted(set(ids))
    out = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            sa.select(Person.id, Person.ref, Person.surname, Person.forenames, Person.date_of_birth).where(
                Person.id.in_(ids[start : start + 500])
            )
        )
        out.update({r.id: network.PersonInfo(*r) for r in rows})
    return out


def right_to_know_candidates(
    *, since: date | None, as_of: date | None = None, actor: Actor | None = None
) -> list[CandidateRow]:
    """New partners of known perpetrators, for a supervisor to consider a Right-to-Know disclosure.

    One query reads the events of every suspect with two or more victims; the finding itself is
    network.new_partner_candidates. The consultation is audited (the page names victims).
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
    events = network.load_events(db.session, as_of=as_of, multi_victim_suspects_only=True)
    found = network.new_partner_candidates(events, as_of, since=since)
    people = _person_infos(
        {c.suspect_id for c in found}
        | {c.new_victim_id for c in found}
        | {v for c in found for v in c.earlier_victim_ids}
    )
    tasks: dict[int, list[Task]] = {}
    for start in range(0, len(found), 500):
        chunk = [c.suspect_id for c in found[start : start + 500]]
        for task in db.session.scalars(
            sa.select(Task).where(Task.task_type == "right_to_know", Task.person_id.in_(chunk)).order_by(Task.id)
        ):
            tasks.setdefault(task.person_id, []).append(task)
    return [
        CandidateRow(
            candidate=c,
            suspect=people[c.suspect_id],
            new_victim=people[c.new_victim_id],
            earlier_victims=[people[v] for v in c.earlier_victim_ids],
            disclosure_tasks=tasks.get(c.suspect_id, []),
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
    members: list[network.PersonInfo]  # the most harmful first, a few only


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
    events = network.load_events(db.session, as_of=as_of)  # one query for every edge
    graph = network.build_graph(network.pairs_from_events(events), network.load_links(db.session))
    components = network.linked_networks(graph)
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
        roles = [network.role_of(sub, n) for n in comp]
        largest.append(
            LinkedNetwork(
                size=len(comp),
                suspects=sum(r in (network.ROLE_SUSPECT, network.ROLE_BOTH) for r in roles),
                victims=sum(r in (network.ROLE_VICTIM, network.ROLE_BOTH) for r in roles),
                events=sum(d["events"] for _, _, d in sub.edges(data=True)),
                harm_days=sum(d["harm_days"] for _, _, d in sub.edges(data=True)),
                members=[],
            )
        )
    infos = _person_infos({n for members in shown.values() for n in members})
    for i, members in shown.items():
        largest[i].members = [infos[n] for n in members if n in infos]
    serial = network.serial_perpetrators(events, as_of)
    repeat = network.repeat_victims(events, as_of)
    return NetworkSummary(
        persons=graph.number_of_nodes(),
        networks=len(components),
        size_bands=bands,
        largest=largest,
        serial_count=len(serial),
        repeat_victim_count=len(repeat),
    )
