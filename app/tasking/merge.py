"""How tasking answers for a person's records: a merge of two persons (tasks and agenda items move),
its undo, and a disposal (free text about the person removed). See app.signals for the contracts."""

import sqlalchemy as sa

from app import signals
from app.base import ValidationFailed, move_rows
from app.catalogue import TASK_TYPES
from app.extensions import db
from app.tasking.models import CohortMember, MeetingItem, Task


def _on_persons_merged(merge, *, from_id: int, into_id: int, **_) -> dict:
    both = db.session.scalar(
        sa.select(MeetingItem.meeting_id)
        .where(MeetingItem.person_id.in_((from_id, into_id)))
        .group_by(MeetingItem.meeting_id)
        .having(sa.func.count() > 1)
        .limit(1)
    )
    if both is not None:
        raise ValidationFailed(
            {"merge": f"Both records are on the agenda of tasking meeting {both}: take one off the agenda first."}
        )
    open_members = db.session.scalar(
        sa.select(sa.func.count()).where(
            CohortMember.person_id.in_((from_id, into_id)), CohortMember.exited_on.is_(None)
        )
    )
    if open_members > 1:
        raise ValidationFailed(
            {"merge": "Both records are members of the managed cohort: record one of them leaving it first."}
        )
    moved = {
        "tasks": list(db.session.scalars(sa.select(Task.id).where(Task.person_id == from_id))),
        "meeting_items": list(db.session.scalars(sa.select(MeetingItem.id).where(MeetingItem.person_id == from_id))),
        "cohort_members": list(db.session.scalars(sa.select(CohortMember.id).where(CohortMember.person_id == from_id))),
    }
    move_rows(Task, "person_id", moved["tasks"], into_id)
    move_rows(MeetingItem, "person_id", moved["meeting_items"], into_id)
    move_rows(CohortMember, "person_id", moved["cohort_members"], into_id)
    return moved


def _on_persons_unmerged(merge, *, from_id: int, moved: dict | None, **_) -> None:
    moved = moved or {}
    move_rows(Task, "person_id", moved.get("tasks", []), from_id)
    move_rows(MeetingItem, "person_id", moved.get("meeting_items", []), from_id)
    move_rows(CohortMember, "person_id", moved.get("cohort_members", []), from_id)


def _on_person_disposed(person_id: int, **_) -> dict:
    """Task titles and notes may name the person: titles become the task's type, notes go."""
    tasks = list(db.session.scalars(sa.select(Task).where(Task.person_id == person_id)))
    for task in tasks:
        task.title = TASK_TYPES.get(task.task_type, "Task")
        task.detail = task.outcome_note = task.deferral_reason = None
    items = list(db.session.scalars(sa.select(MeetingItem).where(MeetingItem.person_id == person_id)))
    for item in items:
        item.rationale = None
    members = list(db.session.scalars(sa.select(CohortMember).where(CohortMember.person_id == person_id)))
    for member in members:
        member.reason, member.exit_note = "(removed when the record was disposed of)", None
    return {"task_texts": len(tasks), "meeting_rationales": len(items), "cohort_texts": len(members)}


def connect_signals() -> None:
    signals.persons_merged.connect(_on_persons_merged)
    signals.persons_unmerged.connect(_on_persons_unmerged)
    signals.person_disposed.connect(_on_person_disposed)
