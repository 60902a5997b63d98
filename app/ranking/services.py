"""Ranking on the database: what the CLI, the scheduler, the pages and the other parts call.

The scoring maths is pure Python (app.ranking.scoring, rules_v2); app.ranking.facts gathers its
inputs with a fixed handful of queries (never one per person); app.ranking.runs stores runs with
their whole breakdown, so any score can be explained later, and keeps the current scores, which
app.ranking.current reads. This module ties them together and answers the history questions.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import current_user

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import id_list, local_today, utcnow
from app.extensions import db
from app.network import graph as network
from app.network.services import serial_suspects_query, young_victim_suspects
from app.offenders.models import DAEvent, Person
from app.ranking import current, facts, runs, scoring
from app.ranking.models import ScoreRow, ScoreRun, ScoringModel
from app.ranking.runs import RUN_ORDER

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
    """The version full rankings use unless told otherwise (the one marked current)."""
    model = db.session.scalar(sa.select(ScoringModel).where(ScoringModel.is_current.is_(True)))
    if model is None:
        # No version marked (a database seeded by hand): the latest published one.
        model = db.session.scalar(sa.select(ScoringModel).order_by(ScoringModel.version.desc()).limit(1))
    if model is None:
        raise LookupError("No scoring model has been published.")
    return model


def list_model() -> ScoringModel:
    """The version the current list was ranked with: re-scores use it, so the list never mixes
    versions (a version published since takes over at the next full ranking)."""
    version = runs.list_version()
    model = db.session.get(ScoringModel, version) if version is not None else None
    return model or current_model()


def parse_model(text: str | None) -> ScoringModel | None:
    """A published model version named by its number; empty means the current model (None)."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if not LIMIT.fullmatch(text):
        raise BadInput("model", f"{text!r} is not a model version: give its number, for example 2.")
    model = db.session.get(ScoringModel, int(text))
    if model is None:
        known = ", ".join(
            str(v) for v in db.session.scalars(sa.select(ScoringModel.version).order_by(ScoringModel.version))
        )
        raise BadInput("model", f"There is no scoring model version {text}; the published versions are {known}.")
    return model


# ---- ranking ------------------------------------------------------------------------------------


def compute_ranking(as_of: date, model: ScoringModel | None = None) -> list[scoring.Score]:
    """The ranked list as of T under the model (default: the current one). Reads only; stores nothing."""
    model = model or current_model()
    return facts.scores(as_of, model.params, model.rules)


def score_some(person_ids, as_of: date, model: ScoringModel | None = None) -> list[scoring.Score]:
    """Some persons' scores as of T (the ranked ones, in the list's order), with queries for them only."""
    model = model or current_model()
    return facts.scores(as_of, model.params, model.rules, person_ids=sorted(set(person_ids)))


def score_one(person_id: int, as_of: date, model: ScoringModel | None = None) -> scoring.Score | None:
    """One person's score as of T, with queries for that person only; None when not ranked."""
    found = score_some([person_id], as_of, model)
    return found[0] if found else None


record_run = runs.record_run


def run_ranking(as_of: date, trigger: str, *, actor: Actor, model: ScoringModel | None = None) -> ScoreRun:
    """Rank everyone as of T and store the run (nightly job, manual run). With the current model and
    as of a day no earlier than the list's, the run becomes the current list."""
    started_at = utcnow()
    model = model or current_model()
    scores = compute_ranking(as_of, model)
    return record_run(scores, as_of=as_of, model=model, trigger=trigger, actor=actor, started_at=started_at)


def rescore_persons(
    person_ids,
    *,
    as_of: date | None = None,
    trigger: str,
    actor: Actor,
    commit: bool = True,
) -> dict[int, dict | None]:
    """Re-score some persons at once (after a breach, an event, a lever, a custody change, an
    import) with the list's model, store it as a partial run and update their current scores.

    Returns {person id: their ranked object (as `rank --json`), or None when not ranked}. Pending
    changes in the session are flushed first and, with commit=True, committed with the run.
    """
    started_at = utcnow()
    as_of = as_of or local_today()
    ids = sorted(set(person_ids))
    if ids and db.session.get_bind().dialect.name == "postgresql":
        # One re-score of a person at a time (two breaches of one order logged at once): wait for
        # the other's commit, then score with what it wrote and replace its current score, rather
        # than both adding one. FOR NO KEY UPDATE: the foreign keys' checks (FOR KEY SHARE) of the
        # same transactions do not conflict with it. (SQLite has one writer at a time anyway.)
        db.session.execute(
            sa.select(Person.id).where(Person.id.in_(ids)).order_by(Person.id).with_for_update(key_share=True)
        )
    model = list_model()
    scores = score_some(ids, as_of, model) if ids else []
    record_run(
        scores,
        as_of=as_of,
        model=model,
        trigger=trigger,
        actor=actor,
        started_at=started_at,
        partial=True,
        rescored=ids,
        commit=commit,
    )
    found = {s.person_id: s.to_json() for s in scores}
    return {pid: found.get(pid) for pid in ids}


def rescore_person(
    person_id: int,
    *,
    as_of: date | None = None,
    trigger: str = "breach",
    actor: Actor,
    commit: bool = True,
) -> dict | None:
    """Re-score one person at once and store it as a partial run (see rescore_persons).

    Returns the person's ranked object (the same dict as `rank --json`), or None if they are not
    ranked; the partial run is stored either way, so the history shows the re-score happened.
    """
    return rescore_persons([person_id], as_of=as_of, trigger=trigger, actor=actor, commit=commit)[person_id]


def view_targets(
    as_of: date | None, limit: int | None, *, actor: Actor, via: str, model: ScoringModel | None = None
) -> list[dict]:
    """The ranked list for a reader (the API), as `rank --json` objects; the viewing is audited.

    Without an as-of date or another model it is the current scores (the last full ranking and
    every re-score since), read, not worked out again. With either, or before any full ranking,
    it is worked out now and not stored.
    """
    base = runs.list_run() if as_of is None and (model is None or model.is_current) else None
    if base is not None:
        shown, total = current.list_objects(limit), current.count()
        what = f"the current list (score run {base.id} as of {base.as_of.isoformat()} and re-scores since)"
        day = base.as_of
    else:
        day = as_of or local_today()
        scores = compute_ranking(day, model)
        shown, total = [s.to_json() for s in (scores[:limit] if limit else scores)], len(scores)
        what = f"the ranked target list as of {day.isoformat()}" + (f" (model v{model.version})" if model else "")
    audit.record(
        "view",
        f"viewed {what} ({len(shown)} of {total}) via {via}",
        object_type="targets",
        object_ref=day.isoformat(),
        data={"as_of": day, "limit": limit, "shown": len(shown), "model": model.version if model else None},
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


# ---- the current list (app.ranking.current reads it) ----------------------------------------------
# The target list, the person list, the agenda, the profile and GET /api/v1/targets read the current
# scores: the latest full run that became the list, with every re-score since.


list_run = runs.list_run


def current_run_ids() -> list[int]:
    """The stored runs the current scores come from, newest first; empty when nobody is ranked."""
    return current.run_ids()


def current_rows(run_ids: list[int] | None = None, *, with_position: bool = False):
    """A subquery of each person's current score: (score_id, person_id, priority, harm, opportunity,
    latest_event_on, victims_in_window, events_in_window, incidents_in_window, flags, levers, run_id),
    and with_position their place in the list. `run_ids` is accepted for the older callers and
    not needed: the current scores are one row per ranked person."""
    return current.rows(with_position=with_position)


def current_score(person: Person) -> tuple[ScoreRow, ScoreRun] | None:
    """The person's current score (its stored row and the run that stored it), or None."""
    return current.score_of(person.id)


def current_top(size: int) -> list[tuple[int, int]]:
    """[(person id, position)] of the top `size` of the current list (a meeting's agenda)."""
    return current.top(size)


def scores_as_at(run_id: int, person_ids: list[int], moment: datetime) -> dict[int, ScoreRow]:
    """{person id: score row} as the list stood at a moment: the full run's row, or a re-score of
    the person stored after that run and before the moment (a meeting's pack shows the scores the
    meeting saw). Persons with neither are left out."""
    base = db.session.get(ScoreRun, run_id)
    if base is None or not person_ids:
        return {}
    after = sa.or_(ScoreRun.id == base.id, sa.and_(ScoreRun.partial.is_(True), ScoreRun.as_of >= base.as_of,
                                                   ScoreRun.id > base.id, ScoreRun.started_at <= moment))  # fmt: skip
    rows = db.session.execute(
        sa.select(ScoreRow)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRow.person_id.in_(id_list("persons", person_ids)), after)
        .order_by(ScoreRun.as_of, ScoreRun.id)
    ).scalars()
    return {row.person_id: row for row in rows}  # the newest wins


def top_positions(run: ScoreRun, size: int) -> list[tuple[int, int]]:
    """[(person id, position)] of the top `size` of a full run: for the run the current list is
    built on, the current list itself (with every re-score since); for an older run, its places."""
    base = runs.list_run()
    if base is not None and run.id == base.id:
        return current.top(size)
    return list(
        db.session.execute(
            sa.select(ScoreRow.person_id, ScoreRow.position)
            .where(ScoreRow.run_id == run.id, ScoreRow.position.is_not(None), ScoreRow.position <= size)
            .order_by(ScoreRow.position)
        ).tuples()
    )


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


def serial_person_ids(as_of: date, run_ids: list[int] | None = None) -> list[int]:
    """Serial perpetrators for the list filter, by the rule of network.serial_perpetrators.

    Run over all 120,000 events the rule costs more than a list page may, so when a ranking
    exists it does the counting: the ranking stores each person's distinct victims in the window.
    That count is the rule's answer for every suspect none of whose victims can have been under
    16 in the window; only the few others are checked, by network.serial_perpetrators itself, on
    their events. Five small, index-driven queries. (A person whose events changed since the last
    ranking is judged by that ranking until the next run.)
    """
    if not current_run_ids():
        return list(db.session.scalars(serial_suspects_query(as_of)))
    now = current_rows()
    counted = set(
        db.session.scalars(sa.select(now.c.person_id).where(now.c.victims_in_window >= network.SERIAL_MIN_VICTIMS))
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


def _on_scoring_facts_changed(person_id, *, trigger: str, actor: Actor | None, as_of: date | None = None, **_):
    """Sender: a person id (or a list of them, when a change touched several persons). Without an
    actor the change was made by the signed-in user."""
    actor = actor or Actor.of(current_user)
    if isinstance(person_id, int):
        return rescore_person(person_id, as_of=as_of or local_today(), trigger=trigger, actor=actor, commit=False)
    return rescore_persons(person_id, as_of=as_of or local_today(), trigger=trigger, actor=actor, commit=False)


def _on_score_wanted(person_id: int, **_) -> dict | None:
    score = score_one(person_id, local_today(), list_model())
    return score.to_json() if score is not None else None


def connect_signals() -> None:
    """Re-score a person at once when a part says their facts changed, and answer a page that wants
    a person's score now; called when the app is built (connecting twice changes nothing)."""
    signals.scoring_facts_changed.connect(_on_scoring_facts_changed)
    signals.score_wanted.connect(_on_score_wanted)
