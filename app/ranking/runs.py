"""Storing score runs and keeping the current scores: written by app.ranking only.

A run and its rows are history: never changed once stored. The current scores (one row per ranked
person, `current_scores`) are the list everyone reads: a full run that becomes the list replaces
them all, and a re-score replaces the rows of the persons it scored (or removes them when they are
no longer ranked), in the same transaction as the facts that changed.
"""

import json
from datetime import date, datetime
from functools import cache
from operator import itemgetter

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.base import utcnow
from app.catalogue import SCORE_TRIGGERS
from app.extensions import db
from app.ranking import facts, scoring
from app.ranking.models import CurrentScore, ScoreRow, ScoreRun, ScoringModel

RUN_ORDER = (ScoreRun.as_of.desc(), ScoreRun.id.desc())

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
    "incidents_in_window",
    "recency_days",
)
_JSON_COLUMNS = {"levers", "flags"}
# The breakdown current_scores copies from score_rows (besides person_id, score_row_id and run_id).
_CURRENT_COPIED = tuple(c for c in _ROW_COLUMNS if c not in ("run_id", "person_id", "position"))


def _row_values(run_id: int, score: scoring.Score, position: int | None) -> tuple:
    return (
        run_id,
        score.person_id,
        position,
        score.priority,
        score.harm,
        score.opportunity,
        score.r,
        score.f,
        score.g,
        score.v,
        score.harm_days,
        score.events_in_window,
        score.victims_in_window,
        score.latest_event_on,
        score.levers,
        list(score.flags),
        score.incidents_in_window,
        score.recency_days,
    )


def _insert_score_rows(rows) -> None:
    """Write a run's rows (tuples in _ROW_COLUMNS order) in the session's transaction, by the fastest
    route the engine offers: COPY on PostgreSQL, the driver's executemany on SQLite. (The ORM's or
    Core's per-row work, converting each dict's values, cost more than the database did: a second
    or more for a force's 50,000 rows.) The JSON columns hold the same text as sa.JSON writes, and
    SQLite's dates the same ISO text as sa.Date does."""
    connection = db.session.connection()
    json_at = [i for i, name in enumerate(_ROW_COLUMNS) if name in _JSON_COLUMNS]
    date_at = _ROW_COLUMNS.index("latest_event_on")
    texts: dict = {}  # most rows hold the same few lever sets and flag lists: each is serialised once

    def as_json(value) -> str:
        key = (dict, *value.items()) if isinstance(value, dict) else (list, *value)
        text = texts.get(key)
        if text is None:
            text = texts[key] = json.dumps(value)
        return text

    def plain(row, sqlite: bool):
        row = list(row)
        for i in json_at:
            row[i] = as_json(row[i])
        if sqlite:
            row[date_at] = row[date_at].isoformat()
        return row

    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {ScoreRow.__tablename__} ({', '.join(_ROW_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(plain(row, False))
            return
        marks = ", ".join("?" for _ in _ROW_COLUMNS)

        # Names from the model and placeholders only: every value goes in as a parameter.
        insert = f"INSERT INTO {ScoreRow.__tablename__} ({', '.join(_ROW_COLUMNS)}) VALUES ({marks})"  # noqa: S608  # nosec B608
        cursor.executemany(insert, (plain(row, True) for row in rows))
    finally:
        cursor.close()


@cache
def _statements() -> dict:
    """The statements that keep the current scores, built once."""
    columns = ("person_id", "score_row_id", "run_id", *_CURRENT_COPIED)
    source = sa.select(
        ScoreRow.person_id, ScoreRow.id, ScoreRow.run_id, *(getattr(ScoreRow, c) for c in _CURRENT_COPIED)
    ).where(ScoreRow.run_id == sa.bindparam("run_id"))
    rescored = sa.bindparam("ids", expanding=True, literal_execute=True)
    return {
        "copy": sa.insert(CurrentScore).from_select(columns, source),
        "clear": sa.delete(CurrentScore),
        "clear_some": sa.delete(CurrentScore).where(CurrentScore.person_id.in_(rescored)),
        "list_version": sa.select(ScoreRun.model_version)
        .where(ScoreRun.partial.is_(False), ScoreRun.listed.is_(True))
        .order_by(*RUN_ORDER)
        .limit(1),
    }


def _copy_to_current(run_id: int) -> None:
    """current_scores rows from a stored run's rows, copied by the database itself."""
    db.session.connection().execute(_statements()["copy"], {"run_id": run_id})


def list_version() -> int | None:
    """The model version of the full run the current list is built on (None: no list yet)."""
    return db.session.connection().execute(_statements()["list_version"]).scalar()


def list_run() -> ScoreRun | None:
    """The full run the current list is built on: the latest that became the list."""
    return db.session.scalar(
        sa.select(ScoreRun).where(ScoreRun.partial.is_(False), ScoreRun.listed.is_(True)).order_by(*RUN_ORDER).limit(1)
    )


def becomes_the_list(as_of: date, model: ScoringModel) -> bool:
    """Whether a full run as of T with this model replaces the current list: it must use the
    current model and be as of a day no earlier than the list's (a run for a past date, or with
    another version, is history only)."""
    if not model.is_current:
        return False
    base = list_run()
    return base is None or as_of >= base.as_of


def record_run(
    scores: list[scoring.Score],
    *,
    as_of: date,
    model: ScoringModel,
    trigger: str,
    actor: Actor,
    started_at: datetime | None = None,
    partial: bool = False,
    rescored: list[int] | None = None,
    commit: bool = True,
) -> ScoreRun:
    """Store a run and one row per ranked person (positions only in a full run), keep the current
    scores, and audit it. A partial run names the persons it re-scored in `rescored` (those among
    them who are not ranked any more leave the current list)."""
    if trigger not in SCORE_TRIGGERS:
        raise ValueError(f"unknown score-run trigger {trigger!r}")
    listed = not partial and becomes_the_list(as_of, model)
    run = ScoreRun(
        as_of=as_of,
        model_version=model.version,
        trigger=trigger,
        started_at=started_at or utcnow(),
        created_by_id=actor.user_id,
        ranked_count=len(scores),
        partial=partial,
        listed=listed,
        # A re-score takes a few milliseconds: it is finished when stored (no second UPDATE).
        finished_at=utcnow() if partial else None,
    )
    db.session.add(run)
    db.session.flush()
    if scores:
        with facts.cyclic_gc_paused():
            rows = [_row_values(run.id, s, None if partial else n) for n, s in enumerate(scores, 1)]
            # By person: the indexes on (run, person) and on person then grow at their ends.
            rows.sort(key=itemgetter(1))
            _insert_score_rows(rows)
    if listed:
        db.session.connection().execute(_statements()["clear"])
        _copy_to_current(run.id)
    elif partial:
        ids = sorted(set(rescored or ()) | {s.person_id for s in scores})
        if ids:
            db.session.connection().execute(_statements()["clear_some"], {"ids": ids})
        if scores:
            _copy_to_current(run.id)
    if not partial:
        run.finished_at = utcnow()
    who = ", ".join(s.person_ref for s in scores) if partial else f"{len(scores)} persons ranked"
    audit.record(
        "create",
        f"{'partial ' if partial else ''}score run {run.id} as of {as_of.isoformat()} ({trigger}): {who}"
        + ("; it is now the target list" if listed else ""),
        object_type="score_run",
        object_ref=str(run.id),
        data={
            "as_of": as_of,
            "model_version": model.version,
            "trigger": trigger,
            "ranked_count": len(scores),
            "listed": listed,
            **({"rescored": len(rescored)} if partial and rescored else {}),
        },
        actor=actor,
    )
    if commit:
        db.session.commit()
    return run
