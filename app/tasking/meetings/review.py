"""What a meeting reviews for each person on its agenda: the plan set at their previous meeting, and
what has happened since then (DA events, breaches, task outcomes, the movement of their score).

Read for the whole agenda at once, in a fixed number of queries whatever its length.
"""

from dataclasses import dataclass, field
from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.base import local_time
from app.catalogue import BREACH_OFFENCES, OffenceCategory
from app.extensions import db
from app.offenders.models import DAEvent
from app.orders.models import Breach, Order
from app.ranking.models import ScoreRow
from app.tasking.cohort.services import current_priorities
from app.tasking.meetings.services import latest_items
from app.tasking.models import MeetingItem, Task, TaskingMeeting


@dataclass
class SinceLast:
    """The person's previous meeting and plan, and what happened after that meeting."""

    previous: MeetingItem | None
    plan: MeetingItem | None
    since: date | None
    events: list[tuple[date, str]] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    tasks_done: list[Task] = field(default_factory=list)
    score_then: int | None = None
    score_now: int | None = None

    @property
    def movement(self) -> int | None:
        if self.score_then is None or self.score_now is None:
            return None
        return self.score_now - self.score_then

    def summary(self) -> str:
        """One line for the CSV export and the printed pack."""
        if self.since is None:
            return "First time on an agenda"
        parts = [
            f"since {self.since:%d %b %Y}: {len(self.events)} DA event(s), {len(self.breaches)} breach(es), "
            f"{len(self.tasks_done)} task(s) done"
        ]
        if self.score_then is not None or self.score_now is not None:
            then = "not ranked" if self.score_then is None else self.score_then
            now = "not ranked" if self.score_now is None else self.score_now
            parts.append(f"priority {then} then, {now} now")
        return "; ".join(parts)


def since_last(meeting: TaskingMeeting, items: list[MeetingItem]) -> dict[int, SinceLast]:
    """{person id: SinceLast} for the agenda's items."""
    ids = [i.person_id for i in items]
    if not ids:
        return {}
    plans = latest_items(meeting.held_on, planned_only=True)
    previous = {
        i.person_id: i.previous_item
        for i in db.session.scalars(
            sa.select(MeetingItem)
            .where(MeetingItem.id.in_([i.id for i in items]))
            .options(joinedload(MeetingItem.previous_item).joinedload(MeetingItem.meeting))
        )
    }
    out: dict[int, SinceLast] = {}
    for person_id in ids:
        prev = previous.get(person_id)
        plan = plans.get(person_id)
        since = prev.meeting.held_on if prev else (plan.meeting.held_on if plan else None)
        out[person_id] = SinceLast(previous=prev, plan=plan, since=since)
    dated = [s for s in out.values() if s.since is not None]
    if dated:
        _fill(out, min(s.since for s in dated), meeting.held_on)
    now = current_priorities(ids)
    for person_id, entry in out.items():
        entry.score_now = now.get(person_id)
    return out


def _fill(out: dict[int, SinceLast], earliest: date, held_on: date) -> None:
    ids = list(out)
    labels = dict(db.session.execute(sa.select(OffenceCategory.code, OffenceCategory.label)).all())
    for suspect_id, occurred_on, offence in db.session.execute(
        sa.select(DAEvent.suspect_id, DAEvent.occurred_on, DAEvent.offence)
        .where(DAEvent.suspect_id.in_(ids), DAEvent.occurred_on > earliest, DAEvent.occurred_on <= held_on)
        .where(DAEvent.offence.not_in(BREACH_OFFENCES))
        .order_by(DAEvent.occurred_on)
    ):
        entry = out[suspect_id]
        if entry.since is not None and occurred_on > entry.since:
            entry.events.append((occurred_on, labels.get(offence, offence)))
    start = local_time(earliest, time(0, 0))
    for breach, subject_id in db.session.execute(
        sa.select(Breach, Order.subject_id)
        .join(Order, Order.id == Breach.order_id)
        .where(Order.subject_id.in_(ids), Breach.occurred_at >= start)
        .order_by(Breach.occurred_at)
    ):
        entry = out[subject_id]
        if entry.since is not None and breach.occurred_at >= local_time(entry.since, time(0, 0)):
            entry.breaches.append(breach)
    for task in db.session.scalars(
        sa.select(Task)
        .where(Task.person_id.in_(ids), Task.status == "done", Task.completed_at >= start)
        .order_by(Task.completed_at)
    ):
        entry = out[task.person_id]
        if entry.since is not None and task.completed_at >= local_time(entry.since, time(0, 0)):
            entry.tasks_done.append(task)
    pairs = {
        (s.previous.meeting.score_run_id, pid)
        for pid, s in out.items()
        if s.previous is not None and s.previous.meeting.score_run_id
    }
    if pairs:
        runs = {run for run, _ in pairs}
        for run_id, person_id, priority in db.session.execute(
            sa.select(ScoreRow.run_id, ScoreRow.person_id, ScoreRow.priority).where(
                ScoreRow.run_id.in_(runs), ScoreRow.person_id.in_(ids)
            )
        ):
            if (run_id, person_id) in pairs:
                out[person_id].score_then = priority
