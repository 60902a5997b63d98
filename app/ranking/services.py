"""Ranking on the database: load the facts set-based, score them, store and audit the runs.

The scoring maths is app.ranking.scoring (pure Python); this module only gathers its inputs with a
fixed handful of queries (never one per person), stores runs with their whole breakdown so any
score can be explained later, and answers the history questions the pages ask.
"""

import gc
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import id_list, local_today, utcnow
from app.catalogue import SCORE_TRIGGERS
from app.extensions import db
from app.network import graph as network
from app.network.services import serial_suspects_query, young_victim_suspects
from app.offenders.models import DAEvent, Lever, Person
from app.orders.models import Order
from app.ranking import scoring
from app.ranking.models import ScoreRow, ScoreRun, ScoringModel

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Nine digits at most: more is no useful limit, and int() of thousands of digits is refused anyway.
LIMIT = re.compile(r"[0-9]{1,9}")


class BadInput(ValueError):
    """A caller's value that cannot be used; `field` names it for the API's JSON error."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_as_of(text: str | None) -> date:
    """The as-of date of a ranking request: YYYY-MM-DD, not in the future; empty means today.

    "Today" is the UK calendar day (as for breaches), so `rank`, GET /targets and the score a
    logged breach returns agree on the date even in the first hour of a BST day.
    """
    if text is None or not text.strip():
        return local_today()
    text = text.strip()
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        value = date.fromisoformat(text)
    except ValueError:
        raise BadInput("as_of", f"{text!r} is not a date: give it as YYYY-MM-DD, for example 2026-11-21.") from None
    if value > local_today():
        # Events after the as-of date that have not happened yet would make a misleading score.
        raise BadInput("as_of", f"{text} is in the future: a ranking can only be worked out up to today.")
    return value


def parse_limit(text: str | None) -> int | None:
    """How many ranked persons to return: a whole number of at least 1; empty means all."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not LIMIT.fullmatch(text) or int(text) < 1:
        raise BadInput("limit", f"{text!r} is not a whole number of at least 1.")
    return int(text)


def current_model() -> ScoringModel:
    """The latest published scoring model version."""
    model = db.session.scalar(sa.select(ScoringModel).order_by(ScoringModel.version.desc()).limit(1))
    if model is None:
        raise LookupError("No scoring model has been published.")
    return model


# ---- loading the facts --------------------------------------------------------------------------


def _event_columns():
    # occurred_on is read as text where the engine stores it as text (SQLite): each distinct day is
    # then parsed once in _load_inputs, not once per row by the column type. PostgreSQL returns dates.
    return (
        DAEvent.suspect_id,
        sa.type_coerce(DAEvent.occurred_on, sa.String),
        DAEvent.victim_id,
        DAEvent.offence,
        DAEvent.dash_risk,
        DAEvent.outcome,
    )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _load_inputs(as_of: date, params: dict, person_id: int | None = None) -> list[scoring.PersonInputs]:
    """Everyone with an event that can matter as of T (or one person), in four queries.

    At force scale the ORM's per-row work (entities, row objects, type processing) was most of the
    ranking's time, so the rows are read as plain tuples on the session's connection. Pending
    changes are flushed first, as the ORM's autoflush would (a breach just logged is counted).
    """
    since = scoring.earliest_relevant(as_of, params)
    in_horizon = DAEvent.occurred_on.between(since, as_of)
    events = sa.select(*_event_columns()).where(in_horizon)
    refs = sa.select(Person.id, Person.ref)
    levers = sa.select(Lever.person_id, Lever.lever, Lever.active, Lever.noted_on).where(Lever.noted_on <= as_of)
    orders = sa.select(Order.subject_id, Order.starts_on, Order.ends_on, Order.revoked_on).where(
        Order.starts_on <= as_of
    )
    if person_id is None:
        # EXISTS probes the (suspect_id, occurred_on) index per row, where IN (subquery) made
        # SQLite read the whole horizon of events again for each of the three queries.
        def has_events(person_column):
            return sa.exists().where(DAEvent.suspect_id == person_column, in_horizon)

        refs = refs.where(has_events(Person.id))
        levers = levers.where(has_events(Lever.person_id))
        orders = orders.where(has_events(Order.subject_id))
    else:
        events = events.where(DAEvent.suspect_id == person_id)
        refs = refs.where(Person.id == person_id)
        levers = levers.where(Lever.person_id == person_id)
        orders = orders.where(Order.subject_id == person_id)

    if db.session.autoflush:
        db.session.flush()
    connection = db.session.connection()
    by_person: dict[int, list[scoring.EventFact]] = {}
    days: dict = {}
    event_fact = scoring.EventFact
    for pid, occurred_on, victim_id, offence, dash_risk, outcome in connection.execute(events).all():
        facts = by_person.get(pid)
        if facts is None:
            facts = by_person[pid] = []
        day = days.get(occurred_on)
        if day is None:
            day = days[occurred_on] = _as_date(occurred_on)
        facts.append(event_fact(day, victim_id, offence, dash_risk, outcome))
    if not by_person:
        return []
    ref_of = dict(connection.execute(refs).all())
    people = {
        pid: scoring.PersonInputs(ref=ref_of[pid], events=facts, person_id=pid) for pid, facts in by_person.items()
    }
    for pid, lever, active, noted_on in connection.execute(levers.order_by(Lever.noted_on, Lever.id)).all():
        if pid in people:
            people[pid].levers.append(scoring.LeverRecord(lever, active, noted_on))
    for pid, starts_on, ends_on, revoked_on in connection.execute(orders).all():
        if pid in people:
            people[pid].orders.append(scoring.OrderSpan(starts_on, ends_on, revoked_on))
    return list(people.values())


@contextmanager
def _cyclic_gc_paused():
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


def compute_ranking(as_of: date, model: ScoringModel | None = None) -> list[scoring.Score]:
    """The ranked list as of T under the model (default: the latest). Reads only; stores nothing."""
    model = model or current_model()
    with _cyclic_gc_paused():
        return scoring.rank(_load_inputs(as_of, model.params), model.params, as_of)


def score_one(person_id: int, as_of: date, model: ScoringModel | None = None) -> scoring.Score | None:
    """One person's score as of T, with queries for that person only; None when not ranked."""
    model = model or current_model()
    people = _load_inputs(as_of, model.params, person_id=person_id)
    return scoring.score_person(people[0], model.params, as_of) if people else None


# ---- storing runs -------------------------------------------------------------------------------


def _row_values(run_id: int, score: scoring.Score, position: int | None) -> dict:
    return {
        "run_id": run_id,
        "person_id": score.person_id,
        "position": position,
        "priority": score.priority,
        "harm": score.harm,
        "opportunity": score.opportunity,
        "r": score.r,
        "f": score.f,
        "g": score.g,
        "v": score.v,
        "harm_days": score.harm_days,
        "events_in_window": score.events_in_window,
        "victims_in_window": score.victims_in_window,
        "latest_event_on": score.latest_event_on,
        "levers": dict(score.levers),
        "flags": list(score.flags),
    }


_ROW_COLUMNS = (
    "run_id",
    "person_id",
    "position",
    "priority",
    "harm",
    "opportunity",
    "r",
    "f",
    "g",
    "v",
    "harm_days",
    "events_in_window",
    "victims_in_window",
    "latest_event_on",
    "levers",
    "flags",
)
_JSON_COLUMNS = {"levers", "flags"}


def _insert_score_rows(rows: list[dict]) -> None:
    """Write a run's rows in the session's transaction, by the fastest route the engine offers.

    PostgreSQL: COPY (an executemany of 20,000 rows cost the server a statement each, about a
    second). Elsewhere a Core insert of plain dicts (the ORM's bulk path cost more per row than
    the database did). The JSON columns hold the same text either way (json.dumps, as sa.JSON).
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(sa.insert(ScoreRow.__table__), rows)
        return
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {ScoreRow.__tablename__} ({', '.join(_ROW_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in _JSON_COLUMNS else row[c] for c in _ROW_COLUMNS])
    finally:
        cursor.close()


def record_run(
    scores: list[scoring.Score],
    *,
    as_of: date,
    model: ScoringModel,
    trigger: str,
    actor: Actor,
    started_at: datetime | None = None,
    partial: bool = False,
    commit: bool = True,
) -> ScoreRun:
    """Store a run and one row per ranked person (positions only in a full run), and audit it."""
    if trigger not in SCORE_TRIGGERS:
        raise ValueError(f"unknown score-run trigger {trigger!r}")
    run = ScoreRun(
        as_of=as_of,
        model_version=model.version,
        trigger=trigger,
        started_at=started_at or utcnow(),
        created_by_id=actor.user_id,
        ranked_count=len(scores),
        partial=partial,
    )
    db.session.add(run)
    db.session.flush()
    if scores:
        with _cyclic_gc_paused():
            _insert_score_rows([_row_values(run.id, s, None if partial else n) for n, s in enumerate(scores, 1)])
    run.finished_at = utcnow()
    who = ", ".join(s.person_ref for s in scores) if partial else f"{len(scores)} persons ranked"
    audit.record(
        "create",
        f"{'partial ' if partial else ''}score run {run.id} as of {as_of.isoformat()} ({trigger}): {who}",
        object_type="score_run",
        object_ref=str(run.id),
        data={"as_of": as_of, "model_version": model.version, "trigger": trigger, "ranked_count": len(scores)},
        actor=actor,
    )
    if commit:
        db.session.commit()
    return run


def run_ranking(as_of: date, trigger: str, *, actor: Actor, model: ScoringModel | None = None) -> ScoreRun:
    """Rank everyone as of T and store the run (nightly job, manual run, after an import)."""
    started_at = utcnow()
    model = model or current_model()
    scores = compute_ranking(as_of, model)
    return record_run(scores, as_of=as_of, model=model, trigger=trigger, actor=actor, started_at=started_at)


def rescore_person(
    person_id: int,
    *,
    as_of: date | None = None,
    trigger: str = "breach",
    actor: Actor,
    commit: bool = True,
) -> dict | None:
    """Re-score one person at once (after a breach) and store it as a partial run.

    Returns the person's ranked object (the same dict as `rank --json`), or None if they are not
    ranked; the partial run is stored either way, so the history shows the re-score happened.
    Pending changes in the session (the breach just logged) are flushed first and, with
    commit=True (the default), committed together with the run.
    """
    started_at = utcnow()
    as_of = as_of or local_today()
    model = current_model()
    score = score_one(person_id, as_of, model)
    scores = [score] if score is not None else []
    record_run(
        scores,
        as_of=as_of,
        model=model,
        trigger=trigger,
        actor=actor,
        started_at=started_at,
        partial=True,
        commit=commit,
    )
    return score.to_json() if score is not None else None


def view_targets(as_of: date, limit: int | None, *, actor: Actor, via: str) -> list[scoring.Score]:
    """The ranked list for a reader (API, pages): computed now, not stored; the viewing is audited."""
    scores = compute_ranking(as_of)
    shown = scores[:limit] if limit else scores
    audit.record(
        "view",
        f"viewed the ranked target list as of {as_of.isoformat()} ({len(shown)} of {len(scores)}) via {via}",
        object_type="targets",
        object_ref=as_of.isoformat(),
        data={"as_of": as_of, "limit": limit, "shown": len(shown)},
        actor=actor,
    )
    db.session.commit()
    return shown


# ---- history ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreHistoryEntry:
    """A stored score with the run that produced it."""

    row: ScoreRow
    run_id: int
    as_of: date
    trigger: str
    model_version: int
    partial: bool


def latest_scores(person_ids: list[int] | None = None) -> dict[int, ScoreRow]:
    """Each person's most recent stored score: {person_id: ScoreRow}.

    "Most recent" means from the run with the latest as-of date (full or partial; the latest
    stored run breaks a tie), so a ranking run for a past date never hides today's score.
    """
    newest = (
        sa.func.row_number()
        .over(partition_by=ScoreRow.person_id, order_by=(ScoreRun.as_of.desc(), ScoreRun.id.desc()))
        .label("newest")
    )
    ranked = sa.select(ScoreRow.id, newest).join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
    if person_ids is not None:
        if not person_ids:
            return {}
        ranked = ranked.where(ScoreRow.person_id.in_(person_ids))
    ranked = ranked.subquery()
    rows = db.session.scalars(sa.select(ScoreRow).join(ranked, ranked.c.id == ScoreRow.id).where(ranked.c.newest == 1))
    return {row.person_id: row for row in rows}


def score_history(person_id: int) -> list[ScoreHistoryEntry]:
    """Every stored score of the person with its run, oldest first (as-of date, then run)."""
    result = db.session.execute(
        sa.select(ScoreRow, ScoreRun.id, ScoreRun.as_of, ScoreRun.trigger, ScoreRun.model_version, ScoreRun.partial)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRow.person_id == person_id)
        .order_by(ScoreRun.as_of, ScoreRun.id)
    )
    return [ScoreHistoryEntry(*row) for row in result]


def latest_full_run(before: ScoreRun | None = None) -> ScoreRun | None:
    """The latest full run by as-of date (the last stored breaks a tie), or the one before `before`."""
    query = sa.select(ScoreRun).where(ScoreRun.partial.is_(False))
    if before is not None:
        query = query.where(
            sa.or_(ScoreRun.as_of < before.as_of, sa.and_(ScoreRun.as_of == before.as_of, ScoreRun.id < before.id))
        )
    return db.session.scalar(query.order_by(ScoreRun.as_of.desc(), ScoreRun.id.desc()).limit(1))


def previous_positions(before: ScoreRun | None = None) -> dict[int, int]:
    """{person_id: position} in the previous full run, to show who moved up since then.

    Without an argument "previous" is the latest full run (compare a list computed now against
    it); given a stored run, it is the full run just before that one (compare a run with the one
    before it). Runs are ordered by as-of date, so a run for a past date is never "the last run".
    """
    run = latest_full_run(before)
    if run is None:
        return {}
    return dict(
        db.session.execute(sa.select(ScoreRow.person_id, ScoreRow.position).where(ScoreRow.run_id == run.id)).all()
    )


# ---- the target list page and its CSV export -----------------------------------------------------
# The page reads the latest stored full run (never a ranking computed on the fly), so what a
# supervisor sees, exports and discusses is exactly what the history holds and can explain.


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


def current_rows(run_ids: list[int]):
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


def recent_scores(person: Person, limit: int = 12) -> list[tuple[ScoreRow, ScoreRun]]:
    """The person's latest stored scores, newest ranking first."""
    rows = db.session.execute(
        sa.select(ScoreRow, ScoreRun)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRow.person_id == person.id)
        .order_by(*RUN_ORDER)
        .limit(limit)
    )
    return [(r, run) for r, run in rows]


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
    current = current_rows(run_ids)
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
                DAEvent.suspect_id.in_(id_list("doubtful", doubtful)),
                DAEvent.occurred_on >= start,
                DAEvent.occurred_on <= as_of,
            )
        ).all()
        victims = {e.victim_id for e in events}
        born = dict(
            db.session.execute(
                sa.select(Person.id, Person.date_of_birth).where(Person.id.in_(id_list("victims", victims)))
            ).all()
        )
        records = [
            network.EventRecord(e.id, e.suspect_id, e.victim_id, e.occurred_on, victim_dob=born.get(e.victim_id))
            for e in events
        ]
        confirmed = set(network.serial_perpetrators(records, as_of))
    return sorted((counted - doubtful) | confirmed)


# ---- answering the other parts (app.signals) ------------------------------------------------------


def _on_scoring_facts_changed(person_id: int, *, trigger: str, actor: Actor, as_of: date | None = None, **_):
    return rescore_person(person_id, as_of=as_of or local_today(), trigger=trigger, actor=actor, commit=False)


def _on_score_wanted(person_id: int, **_) -> dict | None:
    score = score_one(person_id, local_today())
    return score.to_json() if score is not None else None


def connect_signals() -> None:
    """Re-score a person at once when a part says their facts changed, and answer a page that wants
    a person's score now; called when the app is built (connecting twice changes nothing)."""
    signals.scoring_facts_changed.connect(_on_scoring_facts_changed)
    signals.score_wanted.connect(_on_score_wanted)
