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
from functools import cache
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
        self.young_born_after = date.min
        self.refs: dict[int, str] = {}

    def _rows(self, name: str, **values):
        parameters = {"as_of": self.as_of, "since": self.since, "ids": self.person_ids or [], **values}
        return db.session.connection().execute(_queries(self.person_ids is not None)[name], parameters)

    def load(self, *, refs: bool = True) -> None:
        """Levers, orders, custody and young victims (v2); and, unless the caller reads them with
        the events, every reference of a person with an event in the horizon."""
        for pid, lever, active, noted_on in self._rows("levers"):
            self.levers.setdefault(pid, []).append(scoring.LeverRecord(lever, active, noted_on))
        for pid, starts_on, ends_on, revoked_on in self._rows("orders"):
            self.orders.setdefault(pid, []).append(scoring.OrderSpan(starts_on, ends_on, revoked_on))
        if self.rules == 2:
            self._load_custody()
        if refs:
            self._load_refs()

    def _load_custody(self) -> None:
        for pid, start, end, release in self._rows("custody"):
            self.custody.setdefault(pid, []).append(scoring.CustodySpan(start, end, release))
        if self.custody:
            # Time inside does not age events: a person with custody may have older events in the window.
            for pid, day, victim, offence, dash_risk, outcome in self._rows("older", custody=sorted(self.custody)):
                self.older.setdefault(pid, []).append((pid, day.toordinal(), victim, offence, dash_risk, outcome))
        for rows in self.older.values():
            rows.sort(key=itemgetter(1))
        earliest = min((rows[0][1] for rows in self.older.values()), default=self.since.toordinal())
        self._load_young(date.fromordinal(min(earliest, self.since.toordinal())))

    def _load_young(self, earliest: date) -> None:
        """Victims whose recorded birth puts them under 16 on some day since `earliest`: only they
        can fail v2's age rule (everyone else is counted, as is anyone with no date of birth)."""
        age = self.params.get("victim_min_age", rules_v2.ADULT_AGE)
        self.young_born_after = rules_v2.birthday(earliest, -age) if earliest.year > age else date.min
        found = dict(self._rows("young", born_after=self.young_born_after).all())
        self.young = rules_v2.young_victims(found, age)

    def load_refs(self, person_ids) -> None:
        """The references of some persons (those the database's tally left to be scored here)."""
        query = sa.select(Person.id, Person.ref).where(Person.id.in_(id_list("refs", person_ids)))
        self.refs.update(db.session.execute(query).all())

    def _load_refs(self) -> None:
        self.refs = dict(self._rows("refs").all())
        missing = [pid for pid in self.older if pid not in self.refs]
        if missing:
            self.load_refs(missing)


def _ids(name: str):
    # A list of ids written into the statement when it runs (no driver limit on parameters), while
    # the statement itself is built and compiled once.
    return sa.bindparam(name, expanding=True, literal_execute=True)


CUSTODY_COLUMNS = (
    CustodyPeriod.person_id,
    CustodyPeriod.custody_from,
    CustodyPeriod.custody_to,
    CustodyPeriod.expected_release_on,
)
EVENT_COLUMNS = (
    DAEvent.suspect_id,
    DAEvent.occurred_on,
    DAEvent.victim_id,
    DAEvent.offence,
    DAEvent.dash_risk,
    DAEvent.outcome,
)


@cache
def _queries(some: bool) -> dict:
    """The statements _Facts runs, built once: for everyone, or (`some`) for the persons `ids`."""
    as_of, since = sa.bindparam("as_of", type_=sa.Date()), sa.bindparam("since", type_=sa.Date())

    def only(column):
        return column.in_(_ids("ids")) if some else sa.true()

    young = sa.select(Person.id, Person.date_of_birth).where(
        Person.date_of_birth > sa.bindparam("born_after", type_=sa.Date())
    )
    if some:
        young = young.where(Person.id.in_(sa.select(DAEvent.victim_id).where(DAEvent.suspect_id.in_(_ids("ids")))))
        refs = sa.select(Person.id, Person.ref).where(Person.id.in_(_ids("ids")))
    else:
        in_horizon = sa.exists().where(DAEvent.suspect_id == Person.id, DAEvent.occurred_on.between(since, as_of))
        refs = sa.select(Person.id, Person.ref).where(in_horizon)
    return {
        "levers": sa.select(Lever.person_id, Lever.lever, Lever.active, Lever.noted_on)
        .where(Lever.noted_on <= as_of, only(Lever.person_id))
        .order_by(Lever.noted_on, Lever.id),
        "orders": sa.select(Order.subject_id, Order.starts_on, Order.ends_on, Order.revoked_on).where(
            Order.starts_on <= as_of, only(Order.subject_id)
        ),
        "custody": sa.select(
            CustodyPeriod.person_id,
            CustodyPeriod.custody_from,
            CustodyPeriod.custody_to,
            CustodyPeriod.expected_release_on,
        ).where(CustodyPeriod.custody_from <= as_of, only(CustodyPeriod.person_id)),
        "older": sa.select(
            DAEvent.suspect_id,
            DAEvent.occurred_on,
            DAEvent.victim_id,
            DAEvent.offence,
            DAEvent.dash_risk,
            DAEvent.outcome,
        ).where(DAEvent.occurred_on < since, DAEvent.suspect_id.in_(_ids("custody"))),
        "young": young,
        "refs": refs,
    }


@contextmanager
def _driver_rows(query, name: str):
    """An iterator of a query's rows as the driver gives them (the ORM's result would hold rows
    back in its buffer, and its per-row work was most of a ranking's time): on PostgreSQL from a
    named, server-side cursor, so that the rows come in batches rather than all at once."""
    connection = db.session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    if compiled.positiontup is not None:
        parameters = tuple(compiled.params[key] for key in compiled.positiontup)
    else:
        parameters = compiled.params
    driver = connection.connection.dbapi_connection
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        # Every row will be read: plan for the whole result, not the first rows (a server-side
        # cursor's default), so PostgreSQL scans and sorts rather than walking an index; and give
        # the sort room in memory. Both for this transaction only.
        connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")
        connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    cursor = driver.cursor(name=name) if postgresql else driver.cursor()
    try:
        cursor.execute(str(compiled), parameters)
        yield chain.from_iterable(iter(lambda: cursor.fetchmany(STREAM_BATCH), []))
    finally:
        cursor.close()


def _event_stream(since: date, as_of: date, person_ids):
    """The rows (suspect id, day number, victim id, offence, DASH, outcome) of the events from
    `since` to T, by suspect and then by day."""
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
    return _driver_rows(query, "ranking_events")


DAY_NUMBERS = 4_000_000  # more than any day number (31 Dec 9999 is 3,652,059): victim * this + day is unique


def _tally_query(since: date, as_of: date, c: rules_v2.Compiled, young_born_after: date | None):
    """Per suspect, what v2's rules count, worked out by the database in one pass over the events
    from `since` to T (the columns of rules_v2.Tally): right for everyone whose events are all in
    the window and who spent no day in custody and harmed no victim who may have been under 16; the
    caller scores the others. An incident (one victim, one day) is counted as the distinct number
    victim * 4,000,000 + day, so that one GROUP BY does it on both engines."""
    occurred = DAEvent.occurred_on
    day = day_number(occurred)
    incident = sa.cast(DAEvent.victim_id, sa.BigInteger) * DAY_NUMBERS + day
    harm = sa.case(*((DAEvent.offence == code, days) for code, days in c.harm_days.items() if days), else_=0)
    breach = DAEvent.offence.in_(scoring.BREACH_OFFENCES)
    not_actioned = sa.or_(DAEvent.outcome.is_(None), DAEvent.outcome.not_in(sorted(c.actioned)))
    recent = as_of - timedelta(days=c.escalating_days)

    def flag(condition):
        return sa.func.max(sa.case((condition, 1), else_=0))

    if young_born_after is None:
        young = sa.literal(0)
    else:  # a victim who may have been under 16 on some event: the caller scores that person itself
        young = flag(DAEvent.victim_id.in_(sa.select(Person.id).where(Person.date_of_birth > young_born_after)))
    tally = (
        sa.select(
            DAEvent.suspect_id.label("suspect_id"),
            sa.func.count(),
            sa.func.max(day),
            sa.cast(sa.func.sum(harm), sa.BigInteger),
            sa.func.count(sa.distinct(incident)),
            sa.func.count(sa.distinct(DAEvent.victim_id)),
            sa.func.count(sa.distinct(sa.case((occurred >= recent, incident)))),
            flag(DAEvent.dash_risk == scoring.HIGH_RISK),
            flag(sa.and_(breach, occurred >= as_of - timedelta(days=c.recent_breach_days))),
            flag(sa.and_(breach, occurred >= as_of - timedelta(days=c.breach_unactioned_days), not_actioned)),
            young.label("young"),
        )
        .where(occurred.between(since, as_of))
        .group_by(DAEvent.suspect_id)
        .subquery("tally")
    )
    return sa.select(*tally.c, Person.ref).join(Person, Person.id == tally.c.suspect_id)


def _tallied_scores(facts: "_Facts", compiled: rules_v2.Compiled) -> list[scoring.Score]:
    """A full v2 ranking with the counting done by the database for most persons; those it cannot
    count (custody, a victim who may have been under 16) are then scored from their events."""
    exact = set(facts.custody)
    levers, orders, none = facts.levers, facts.orders, ()
    found, today = [], compiled.today
    tally, finish = rules_v2.Tally, rules_v2.score_tally
    query = _tally_query(facts.since, facts.as_of, compiled, facts.young_born_after if facts.young else None)
    with _driver_rows(query, "ranking_tally") as rows:
        for pid, events, latest, harm, incidents, victims, recent, high, breach, unactioned, young, ref in rows:
            if young or pid in exact:
                exact.add(pid)
                continue
            counted = tally(
                events, latest, today - latest, harm, incidents, victims, recent, bool(high), bool(breach),
                bool(unactioned),
            )  # fmt: skip
            score = finish(ref, pid, counted, compiled, levers=levers.get(pid, none), orders=orders.get(pid, none))
            if score is not None:
                found.append(score)
    if exact:
        facts.load_refs(sorted(exact))
        found.extend(_streamed_scores(facts, sorted(exact)))
    return found


def tally_applies(compiled: rules_v2.Compiled | None, person_ids, since: date, as_of: date) -> bool:
    """Whether the database counts for a full v2 ranking: when every event it reads is in the window
    (the default: the loading horizon is the window itself, the flags' periods being shorter)."""
    return compiled is not None and person_ids is None and (as_of - since).days == compiled.window_days


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
        compiled = rules_v2.compile_params(params, as_of) if rules == 2 else None
        if tally_applies(compiled, person_ids, since, as_of):
            facts.load(refs=False)
            found = _tallied_scores(facts, compiled)
        else:
            facts.load()
            found = _streamed_scores(facts, person_ids)
        found.sort(key=scoring.Score.sort_key)
    return found


def _streamed_scores(facts: "_Facts", person_ids) -> list[scoring.Score]:
    """Scores from every event of the persons (everyone when None), read in order and scored in Python."""
    score = _scorer(facts)
    found, seen = [], set()
    with _event_stream(facts.since, facts.as_of, person_ids) as rows:
        for pid, events in groupby(rows, key=itemgetter(0)):
            seen.add(pid)
            result = score(pid, facts.older.get(pid, ()), list(events))
            if result is not None:
                found.append(result)
    wanted = set(person_ids) if person_ids is not None else None
    for pid, older in facts.older.items():
        if pid not in seen and (wanted is None or pid in wanted) and (result := score(pid, older, ())) is not None:
            found.append(result)
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
