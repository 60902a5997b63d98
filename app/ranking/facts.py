"""Loading the facts a ranking reads, set-based, and scoring them: a fixed handful of queries
whatever the number of persons, never one per person.

The events are read as plain driver tuples (the ORM's per-row work was most of a ranking's time at
force scale), ordered by suspect and streamed (a server-side cursor on PostgreSQL), so only one
person's events are held at a time: a national-scale ranking of millions of events fits in memory.
Everything else a score needs (levers, orders, custody periods, the few victims who may have been
under 16) is small and read whole. Pending changes in the session are flushed first, as the ORM's
autoflush would (a breach just logged is counted).
"""

import gc
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import chain, groupby
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from app.base import id_list
from app.extensions import db
from app.offenders.custody.models import CustodyPeriod
from app.offenders.models import DAEvent, Lever, Person
from app.orders.models import Order
from app.ranking import rules_v2, scoring

STREAM_BATCH = 20_000  # rows fetched at a time from the event stream


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector while a ranking builds its many small objects.

    A full rank makes a few hundred thousand acyclic objects (facts, scores, row dicts); the
    collector kept walking them all over again and took a third of the time. Reference counting
    still frees everything; the collector resumes afterwards (unless it was already off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class day_number(FunctionElement):
    """A date column as its day number (Python's date.toordinal), worked out by the database: the
    rules count in day numbers, and converting 100,000 dates in Python cost a fifth of a ranking."""

    type = sa.Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    # julianday() of a day is its Julian day at noon... minus a half: day 1 (1 Jan 1 AD) is 1721425.5.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 1721424.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} - DATE '0001-01-01' + 1)"


def horizon_start(as_of: date, params: dict, rules: int) -> date:
    """The oldest day an event can matter on, for a person never in custody."""
    if rules == 1:
        return scoring.earliest_relevant(as_of, params)
    try:
        return as_of - timedelta(days=rules_v2.lookback_days(params))
    except OverflowError:
        return date.min


class _Facts:
    """Everything but the events, for everyone (person_ids None) or for some persons."""

    def __init__(self, as_of: date, params: dict, rules: int, since: date, person_ids: list[int] | None):
        self.as_of, self.params, self.rules, self.since, self.person_ids = as_of, params, rules, since, person_ids
        self.levers: dict[int, list] = {}
        self.orders: dict[int, list] = {}
        self.custody: dict[int, list] = {}
        self.older: dict[int, list] = {}  # events before the horizon of persons with custody (v2)
        self.young: dict = {}
        self.refs: dict[int, str] = {}

    def _only(self, column):
        return column.in_(id_list("persons", self.person_ids)) if self.person_ids is not None else sa.true()

    def load(self) -> None:
        session, as_of = db.session, self.as_of
        for pid, lever, active, noted_on in session.execute(
            sa.select(Lever.person_id, Lever.lever, Lever.active, Lever.noted_on)
            .where(Lever.noted_on <= as_of, self._only(Lever.person_id))
            .order_by(Lever.noted_on, Lever.id)
        ):
            self.levers.setdefault(pid, []).append(scoring.LeverRecord(lever, active, noted_on))
        for pid, starts_on, ends_on, revoked_on in session.execute(
            sa.select(Order.subject_id, Order.starts_on, Order.ends_on, Order.revoked_on).where(
                Order.starts_on <= as_of, self._only(Order.subject_id)
            )
        ):
            self.orders.setdefault(pid, []).append(scoring.OrderSpan(starts_on, ends_on, revoked_on))
        if self.rules == 2:
            self._load_custody()
        self._load_refs()

    def _load_custody(self) -> None:
        session, as_of = db.session, self.as_of
        for pid, start, end, release in session.execute(
            sa.select(
                CustodyPeriod.person_id,
                CustodyPeriod.custody_from,
                CustodyPeriod.custody_to,
                CustodyPeriod.expected_release_on,
            ).where(CustodyPeriod.custody_from <= as_of, self._only(CustodyPeriod.person_id))
        ):
            self.custody.setdefault(pid, []).append(scoring.CustodySpan(start, end, release))
        if self.custody:
            # Time inside does not age events: a person with custody may have older events in the window.
            for pid, day, victim, offence, dash_risk, outcome in session.execute(
                sa.select(
                    DAEvent.suspect_id,
                    DAEvent.occurred_on,
                    DAEvent.victim_id,
                    DAEvent.offence,
                    DAEvent.dash_risk,
                    DAEvent.outcome,
                ).where(DAEvent.occurred_on < self.since, DAEvent.suspect_id.in_(id_list("custody", self.custody)))
            ):
                self.older.setdefault(pid, []).append((pid, day.toordinal(), victim, offence, dash_risk, outcome))
        for rows in self.older.values():
            rows.sort(key=itemgetter(1))
        earliest = min((rows[0][1] for rows in self.older.values()), default=self.since.toordinal())
        self._load_young(date.fromordinal(min(earliest, self.since.toordinal())))

    def _load_young(self, earliest: date) -> None:
        """Victims whose recorded birth puts them under 16 on some day since `earliest`: only they
        can fail v2's age rule (everyone else is counted, as is anyone with no date of birth)."""
        age = self.params.get("victim_min_age", rules_v2.ADULT_AGE)
        born_after = rules_v2.birthday(earliest, -age) if earliest.year > age else date.min
        query = sa.select(Person.id, Person.date_of_birth).where(Person.date_of_birth > born_after)
        if self.person_ids is not None:
            query = query.where(
                Person.id.in_(
                    sa.select(DAEvent.victim_id).where(DAEvent.suspect_id.in_(id_list("of", self.person_ids)))
                )
            )
        self.young = rules_v2.young_victims(dict(db.session.execute(query).all()), age)

    def _load_refs(self) -> None:
        query = sa.select(Person.id, Person.ref)
        if self.person_ids is not None:
            query = query.where(Person.id.in_(id_list("persons", self.person_ids)))
        else:
            in_horizon = sa.exists().where(
                DAEvent.suspect_id == Person.id, DAEvent.occurred_on.between(self.since, self.as_of)
            )
            query = query.where(in_horizon)
        self.refs = dict(db.session.execute(query).all())
        missing = [pid for pid in self.older if pid not in self.refs]
        if missing:
            self.refs.update(
                db.session.execute(
                    sa.select(Person.id, Person.ref).where(Person.id.in_(id_list("more", missing)))
                ).all()
            )


@contextmanager
def _event_stream(since: date, as_of: date, person_ids: list[int] | None):
    """An iterator of the rows (suspect id, day number, victim id, offence, DASH, outcome) of the
    events from `since` to T, by suspect and then by day, as the driver gives them."""
    query = (
        sa.select(
            DAEvent.suspect_id,
            day_number(DAEvent.occurred_on),
            DAEvent.victim_id,
            DAEvent.offence,
            DAEvent.dash_risk,
            DAEvent.outcome,
        )
        .where(DAEvent.occurred_on.between(since, as_of))
        .order_by(DAEvent.suspect_id, DAEvent.occurred_on)
    )
    if person_ids is not None:
        query = query.where(DAEvent.suspect_id.in_(id_list("persons", person_ids)))
    connection = db.session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    if compiled.positiontup is not None:
        parameters = tuple(compiled.params[name] for name in compiled.positiontup)
    else:
        parameters = compiled.params
    driver = connection.connection.dbapi_connection
    # The driver's own cursor (the ORM's result would hold rows back in its buffer): on PostgreSQL a
    # named, server-side one, so the rows come in batches rather than all at once.
    postgresql = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="ranking_events") if postgresql else driver.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        yield chain.from_iterable(iter(lambda: cursor.fetchmany(STREAM_BATCH), []))
    finally:
        cursor.close()


def scores(as_of: date, params: dict, rules: int, person_ids: list[int] | None = None) -> list[scoring.Score]:
    """Everyone's score as of T (or some persons'), ranked persons only, in the list's order."""
    if rules not in scoring.RULE_SETS:
        raise ValueError(f"unknown rule set {rules!r}")
    if person_ids is not None and not person_ids:
        return []
    if db.session.autoflush:
        db.session.flush()
    since = horizon_start(as_of, params, rules)
    with cyclic_gc_paused():
        facts = _Facts(as_of, params, rules, since, person_ids)
        facts.load()
        score = _scorer(facts)
        found = []
        seen = set()
        with _event_stream(since, as_of, person_ids) as rows:
            for pid, events in groupby(rows, key=itemgetter(0)):
                seen.add(pid)
                result = score(pid, facts.older.get(pid, ()), list(events))
                if result is not None:
                    found.append(result)
        for pid, older in facts.older.items():
            if pid not in seen and (result := score(pid, older, ())) is not None:
                found.append(result)
        found.sort(key=scoring.Score.sort_key)
    return found


def _scorer(facts: _Facts):
    """A function (person id, older events, events) -> Score | None for the facts' rule set."""
    as_of, params, refs, levers, orders = facts.as_of, facts.params, facts.refs, facts.levers, facts.orders
    if facts.rules == 1:

        def score_v1(pid, older, events):
            person = scoring.PersonInputs(
                ref=refs[pid],
                person_id=pid,
                events=[scoring.EventFact(date.fromordinal(e[1]), *e[2:]) for e in (*older, *events)],
                levers=levers.get(pid, []),
                orders=orders.get(pid, []),
            )
            return scoring.score_person(person, params, as_of, 1)

        return score_v1
    compiled = rules_v2.compile_params(params, as_of)
    custody, young, no_events = facts.custody, facts.young, ()

    def score_v2(pid, older, events):
        return rules_v2.score_events(
            refs[pid],
            pid,
            [*older, *events] if older else events,
            compiled,
            levers=levers.get(pid, no_events),
            orders=orders.get(pid, no_events),
            custody=custody.get(pid, no_events),
            young=young,
        )

    return score_v2
