"""Reading the current scores (app.ranking.runs keeps them): the list in its order with each person's
position worked out as it is read, one person's score, the top of the list for an agenda."""

import sqlalchemy as sa

from app.extensions import db
from app.offenders.models import Person
from app.ranking.models import CurrentScore, ScoreRow, ScoreRun

# The list's order (DESIGN.md): priority, then harm, then latest event (newest first), then reference.
LIST_ORDER = (
    CurrentScore.priority.desc(),
    CurrentScore.harm.desc(),
    CurrentScore.latest_event_on.desc(),
    Person.ref,
)


def position_column():
    """Each row's place in the whole current list (1 is the top), for a query joined to Person."""
    return sa.func.row_number().over(order_by=LIST_ORDER)


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CurrentScore))


def list_objects(limit: int | None = None) -> list[dict]:
    """The current list as `rank --json` objects, best first."""
    query = (
        sa.select(
            Person.ref,
            CurrentScore.priority,
            CurrentScore.harm,
            CurrentScore.opportunity,
            CurrentScore.r,
            CurrentScore.f,
            CurrentScore.g,
            CurrentScore.v,
            CurrentScore.levers,
            CurrentScore.flags,
        )
        .join(Person, Person.id == CurrentScore.person_id)
        .order_by(*LIST_ORDER)
    )
    if limit:
        query = query.limit(limit)
    return [
        {
            "person_ref": ref,
            "priority": priority,
            "harm": harm,
            "opportunity": opportunity,
            "R": r,
            "F": f,
            "G": g,
            "V": v,
            "levers": levers,
            "flags": flags,
        }
        for ref, priority, harm, opportunity, r, f, g, v, levers, flags in db.session.execute(query)
    ]


def run_ids() -> list[int]:
    """The stored runs the current scores come from, newest first (empty: nobody is ranked)."""
    return list(db.session.scalars(sa.select(CurrentScore.run_id).distinct().order_by(CurrentScore.run_id.desc())))


def rows(*, with_position: bool = False):
    """A subquery of every current score: score_id (the stored row that explains it), person_id,
    priority, harm, opportunity, latest_event_on, the counts in the window, flags, levers and run_id,
    and with_position its place in the list."""
    columns = [
        CurrentScore.score_row_id.label("score_id"),
        CurrentScore.person_id,
        CurrentScore.priority,
        CurrentScore.harm,
        CurrentScore.opportunity,
        CurrentScore.latest_event_on,
        CurrentScore.victims_in_window,
        CurrentScore.events_in_window,
        CurrentScore.incidents_in_window,
        CurrentScore.flags,
        CurrentScore.levers,
        CurrentScore.run_id,
    ]
    query = sa.select(*columns)
    if with_position:
        query = sa.select(*columns, position_column().label("position")).join(
            Person, Person.id == CurrentScore.person_id
        )
    return query.subquery("current_score")


def score_of(person_id: int) -> tuple[ScoreRow, ScoreRun] | None:
    """The person's current score as its stored row and the run that stored it."""
    row = db.session.execute(
        sa.select(ScoreRow, ScoreRun)
        .join(CurrentScore, CurrentScore.score_row_id == ScoreRow.id)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(CurrentScore.person_id == person_id)
    ).first()
    return (row[0], row[1]) if row else None


def position_of(person_id: int) -> int | None:
    """The person's place in the current list, or None when not ranked."""
    ranked = sa.select(CurrentScore.person_id, position_column().label("position")).join(
        Person, Person.id == CurrentScore.person_id
    )
    ranked = ranked.subquery()
    return db.session.scalar(sa.select(ranked.c.position).where(ranked.c.person_id == person_id))


def top(size: int) -> list[tuple[int, int]]:
    """[(person id, position)] of the first `size` persons of the current list."""
    query = (
        sa.select(CurrentScore.person_id)
        .join(Person, Person.id == CurrentScore.person_id)
        .order_by(*LIST_ORDER)
        .limit(size)
    )
    return [(pid, n) for n, pid in enumerate(db.session.scalars(query), 1)]


def rescored_since(base: ScoreRun) -> int:
    """How many persons' current scores come from a re-score after the full run `base`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(CurrentScore).where(CurrentScore.run_id != base.id))
