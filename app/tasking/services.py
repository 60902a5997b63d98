"""Ranking on the database: load the facts set-based, score them, store and audit the runs.

The scoring maths is app.tasking.scoring (pure Python); this module only gathers its inputs with a
fixed handful of queries (never one per person), stores runs with their whole breakdown so any
score can be explained later, and answers the history questions the pages ask.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.base import utcnow
from app.catalogue import SCORE_TRIGGERS
from app.extensions import db
from app.offenders.models import DAEvent, Lever, Person
from app.orders.models import Order
from app.orders.services import local_today
from app.tasking import scoring
from app.tasking.models import ScoreRow, ScoreRun, ScoringModel

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
    return (
        DAEvent.suspect_id,
        Person.ref,
        DAEvent.occurred_on,
        DAEvent.victim_id,
        DAEvent.offence,
        DAEvent.dash_risk,
        DAEvent.outcome,
    )


def _load_inputs(as_of: date, params: dict, person_id: int | None = None) -> list[scoring.PersonInputs]:
    """Everyone with an event that can matter as of T (or one person), in three queries."""
    since = scoring.earliest_relevant(as_of, params)
    in_horizon = DAEvent.occurred_on.between(since, as_of)
    events = sa.select(*_event_columns()).join(Person, Person.id == DAEvent.suspect_id).where(in_horizon)
    levers = sa.select(Lever.person_id, Lever.lever, Lever.active, Lever.noted_on).where(Lever.noted_on <= as_of)
    orders = sa.select(Order.subject_id, Order.starts_on, Order.ends_on, Order.revoked_on).where(
        Order.starts_on <= as_of
    )
    if person_id is None:
        suspects = sa.select(DAEvent.suspect_id).where(in_horizon)
        levers = levers.where(Lever.person_id.in_(suspects))
        orders = orders.where(Order.subject_id.in_(suspects))
    else:
        events = events.where(DAEvent.suspect_id == person_id)
        levers = levers.where(Lever.person_id == person_id)
        orders = orders.where(Order.subject_id == person_id)

    people: dict[int, scoring.PersonInputs] = {}
    for pid, ref, occurred_on, victim_id, offence, dash_risk, outcome in db.session.execute(events):
        person = people.get(pid)
        if person is None:
            person = people[pid] = scoring.PersonInputs(ref=ref, person_id=pid)
        person.events.append(scoring.EventFact(occurred_on, victim_id, offence, dash_risk, outcome))
    if not people:
        return []
    for pid, lever, active, noted_on in db.session.execute(levers.order_by(Lever.noted_on, Lever.id)):
        if pid in people:
            people[pid].levers.append(scoring.LeverRecord(lever, active, noted_on))
    for pid, starts_on, ends_on, revoked_on in db.session.execute(orders):
        if pid in people:
            people[pid].orders.append(scoring.OrderSpan(starts_on, ends_on, revoked_on))
    return list(people.values())


def compute_ranking(as_of: date, model: ScoringModel | None = None) -> list[scoring.Score]:
    """The ranked list as of T under the model (default: the latest). Reads only; stores nothing."""
    model = model or current_model()
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
        rows = [_row_values(run.id, s, None if partial else n) for n, s in enumerate(scores, 1)]
        db.session.execute(sa.insert(ScoreRow), rows)
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
