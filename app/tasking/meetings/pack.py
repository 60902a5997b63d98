"""What a tasking meeting's page and its pack show for each person (score, levers, orders in force,
tasks set), and the pack's printing and CSV export, both audited as exports."""

import csv
import io
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import local_today, local_zone
from app.catalogue import AGENDA_REASONS, MEETING_TACTICS, TASK_OUTCOMES, TASK_STATUSES, TASK_TYPES, LeverType
from app.extensions import db
from app.offenders.models import Lever, Person
from app.orders.models import Order
from app.orders.services import in_force_clause
from app.ranking import services as ranking
from app.ranking.models import ScoreRow
from app.tasking.meetings.review import SinceLast, since_last
from app.tasking.models import MeetingItem, Task, TaskingMeeting
from app.tasking.tasks.requests import open_tasks_of
from app.web import csv_cell


@dataclass
class LeverLine:
    label: str
    weight: int
    since: date | None
    detail: str | None


@dataclass
class PackEntry:
    item: MeetingItem
    person: Person
    score: ScoreRow | None
    levers: list[LeverLine]
    orders: list[Order]
    open_tasks: list[Task]
    set_here: list[Task]
    review: SinceLast | None = None

    @property
    def reason(self) -> str:
        return AGENDA_REASONS[self.item.reason]


def _scores_for(meeting: TaskingMeeting, ids: list[int]) -> dict[int, ScoreRow]:
    """Each person's score as the list stood when the meeting was recorded, or their latest stored score."""
    scores: dict[int, ScoreRow] = {}
    if meeting.score_run_id is not None and ids:
        scores = ranking.scores_as_at(meeting.score_run_id, ids, meeting.created_at)
    missing = [i for i in ids if i not in scores]
    if missing:
        scores.update(ranking.latest_scores(missing))
    return scores


def _levers_for(ids: list[int], scores: dict[int, ScoreRow], as_of: date) -> dict[int, list[LeverLine]]:
    """Active levers per person: the latest record per lever decides; the derived breach lever
    comes from the score (it is never recorded)."""
    types = {t.code: t for t in db.session.scalars(sa.select(LeverType))}
    latest: dict[tuple[int, str], Lever] = {}
    if ids:
        for rec in db.session.scalars(
            sa.select(Lever).where(Lever.person_id.in_(ids), Lever.noted_on <= as_of).order_by(Lever.noted_on, Lever.id)
        ):
            latest[(rec.person_id, rec.lever)] = rec
    out: dict[int, list[LeverLine]] = {i: [] for i in ids}
    for (person_id, code), rec in latest.items():
        if rec.active:
            t = types.get(code)
            out[person_id].append(LeverLine(t.label if t else code, t.weight if t else 0, rec.noted_on, rec.detail))
    for person_id, row in scores.items():
        for code, weight in (row.levers or {}).items():
            if types.get(code) is not None and types[code].derived and person_id in out:
                out[person_id].append(LeverLine(types[code].label, weight, None, "Worked out from breach events"))
    for lines in out.values():
        lines.sort(key=lambda line: (-line.weight, line.label))
    return out


def _orders_for(ids: list[int], as_of: date) -> dict[int, list[Order]]:
    out: dict[int, list[Order]] = {i: [] for i in ids}
    if ids:
        for order in db.session.scalars(
            sa.select(Order)
            .where(Order.subject_id.in_(ids), in_force_clause(as_of))
            .order_by(Order.ends_on.is_(None), Order.ends_on, Order.ref)
        ):
            out[order.subject_id].append(order)
    return out


def _set_here(meeting: TaskingMeeting) -> dict[int, list[Task]]:
    out: dict[int, list[Task]] = {}
    for task in db.session.scalars(
        sa.select(Task)
        .where(Task.meeting_id == meeting.id)
        .options(joinedload(Task.owner), joinedload(Task.team))
        .order_by(Task.id)
    ):
        out.setdefault(task.person_id, []).append(task)
    return out


def pack_entries(meeting: TaskingMeeting) -> list[PackEntry]:
    """Everything the meeting page and the pack show per person, in a fixed number of queries."""
    items = sorted(meeting.items, key=lambda i: i.position)
    ids = [i.person_id for i in items]
    today = local_today()
    scores = _scores_for(meeting, ids)
    levers = _levers_for(ids, scores, today)
    orders = _orders_for(ids, today)
    open_tasks = open_tasks_of(ids)
    set_here = _set_here(meeting)
    reviews = since_last(meeting, items)
    return [
        PackEntry(
            item=i,
            person=i.person,
            score=scores.get(i.person_id),
            levers=levers.get(i.person_id, []),
            orders=orders.get(i.person_id, []),
            open_tasks=open_tasks.get(i.person_id, []),
            set_here=set_here.get(i.person_id, []),
            review=reviews.get(i.person_id),
        )
        for i in items
    ]


def export_pack(meeting: TaskingMeeting, *, user: User) -> list[PackEntry]:
    """The printable pack: the export of every person's details is audited."""
    entries = pack_entries(meeting)
    audit.record(
        "export",
        f"printed the tasking pack of meeting {meeting.id} ({len(entries)} persons)",
        object_type="tasking_meeting",
        object_ref=str(meeting.id),
        data={"format": "pack", "persons": [e.person.ref for e in entries]},
        actor=Actor.of(user),
    )
    db.session.commit()
    return entries


CSV_HEADER = [
    "meeting_id",
    "held_on",
    "agenda_position",
    "person_ref",
    "name",
    "on_agenda_because",
    "rank_position",
    "breaches_since_last_meeting",
    "priority",
    "harm",
    "opportunity",
    "levers",
    "orders_in_force",
    "tactic",
    "rationale",
    "review_on",
    "open_tasks",
    "tasks_set_at_meeting",
    "plan_review_due",
    "previous_plan",
    "since_last_meeting",
]


def _plan_line(item: MeetingItem | None) -> str:
    if item is None or not item.tactic:
        return ""
    review = f", review {item.review_on:%d %b %Y}" if item.review_on else ""
    return f"{MEETING_TACTICS[item.tactic]} ({item.meeting.held_on:%d %b %Y}{review}): {item.rationale or ''}"


def _task_line(task: Task) -> str:
    holder = task.owner.display_name if task.owner else (f"{task.team.name} team" if task.team else "not allocated")
    status = TASK_STATUSES[task.status].lower()
    if task.outcome:
        status += f", {TASK_OUTCOMES[task.outcome].lower()}"
    due = task.due_at.astimezone(local_zone())
    return f"{TASK_TYPES.get(task.task_type, task.task_type)}: {task.title} ({holder}, due {due:%d %b %Y}, {status})"


def export_csv(meeting: TaskingMeeting, *, user: User) -> str:
    entries = pack_entries(meeting)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        s = e.score
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    meeting.id,
                    meeting.held_on.isoformat(),
                    e.item.position,
                    e.person.ref,
                    e.person.full_name,
                    e.reason,
                    e.item.rank_position,
                    e.item.breach_count,
                    s.priority if s else None,
                    s.harm if s else None,
                    s.opportunity if s else None,
                    "; ".join(f"{lv.label} ({lv.weight})" for lv in e.levers),
                    "; ".join(f"{o.type.label} {o.ref}" for o in e.orders),
                    MEETING_TACTICS.get(e.item.tactic, "") if e.item.tactic else "",
                    e.item.rationale,
                    e.item.review_on.isoformat() if e.item.review_on else None,
                    len(e.open_tasks),
                    " | ".join(_task_line(t) for t in e.set_here),
                    "yes" if e.item.review_due else "no",
                    _plan_line(e.review.plan) if e.review else "",
                    e.review.summary() if e.review else "",
                )
            ]
        )
    audit.record(
        "export",
        f"exported tasking meeting {meeting.id} as CSV ({len(entries)} persons)",
        object_type="tasking_meeting",
        object_ref=str(meeting.id),
        data={"format": "csv", "persons": [e.person.ref for e in entries]},
        actor=Actor.of(user),
    )
    db.session.commit()
    return out.getvalue()
