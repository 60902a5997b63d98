"""Tasks and tasking meetings (attendees, agenda items and plans)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Team, User
from app.base import TimestampMixin, UTCDateTime, VersionedMixin
from app.extensions import db
from app.offenders.models import Person
from app.ranking.models import ScoreRun


class Task(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_type: Mapped[str] = mapped_column(sa.Text)
    title: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[str | None] = mapped_column(sa.Text)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    breach_id: Mapped[int | None] = mapped_column(sa.ForeignKey("breaches.id"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    priority: Mapped[str] = mapped_column(sa.Text, default="normal")
    status: Mapped[str] = mapped_column(sa.Text, default="open", index=True)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deferred_until: Mapped[date | None] = mapped_column(sa.Date)
    deferral_reason: Mapped[str | None] = mapped_column(sa.Text)
    # snooze, action_elsewhere or data_wrong (catalogue.TASK_DEFERRALS); set with deferred_until.
    deferral_kind: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The tasking meeting that set the task, if one did.
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tasking_meetings.id", ondelete="SET NULL"), index=True
    )

    person: Mapped[Person | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'in_progress', 'done', 'cancelled')", name="status_known"),
        sa.CheckConstraint("status <> 'done' OR outcome IS NOT NULL", name="done_has_outcome"),
        sa.CheckConstraint("priority IN ('high', 'normal', 'low')", name="priority_known"),
        sa.CheckConstraint(
            "deferral_kind IS NULL OR deferral_kind IN ('snooze', 'action_elsewhere', 'data_wrong')",
            name="deferral_kind_known",
        ),
    )


class TaskingMeeting(TimestampMixin, VersionedMixin, db.Model):
    """A dated tasking meeting (MATAC style): who attended, the agenda of persons, the minutes."""

    __tablename__ = "tasking_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(sa.Date, index=True)
    title: Mapped[str] = mapped_column(sa.Text)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    # How the agenda was built: the top N of this full score run, and breaches logged since then.
    agenda_size: Mapped[int] = mapped_column(sa.Integer)
    score_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("score_runs.id", ondelete="SET NULL"))
    breaches_since: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    team: Mapped[Team | None] = relationship()
    score_run: Mapped[ScoreRun | None] = relationship()
    attendees: Mapped[list["MeetingAttendee"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingAttendee.id"
    )
    items: Mapped[list["MeetingItem"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingItem.position"
    )

    __table_args__ = (sa.CheckConstraint("agenda_size BETWEEN 0 AND 100", name="agenda_size_range"),)


class MeetingAttendee(db.Model):
    """Someone at a meeting: an Achilles user, or a named partner (probation, IDVA, housing...)."""

    __tablename__ = "tasking_meeting_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("tasking_meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    name: Mapped[str | None] = mapped_column(sa.Text)
    agency: Mapped[str | None] = mapped_column(sa.Text)

    meeting: Mapped[TaskingMeeting] = relationship(back_populates="attendees")
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("user_id IS NOT NULL OR name IS NOT NULL", name="user_or_name"),
        sa.UniqueConstraint("meeting_id", "user_id"),
    )

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.display_name + (f" ({self.user.team.name})" if self.user.team else "")
        return self.name + (f" ({self.agency})" if self.agency else "")


class MeetingItem(TimestampMixin, VersionedMixin, db.Model):
    """One person on a meeting's agenda, why they are there, and the plan agreed for them."""

    __tablename__ = "tasking_meeting_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("tasking_meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.Text)
    rank_position: Mapped[int | None] = mapped_column(sa.Integer)
    breach_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    tactic: Mapped[str | None] = mapped_column(sa.Text)
    rationale: Mapped[str | None] = mapped_column(sa.Text)
    review_on: Mapped[date | None] = mapped_column(sa.Date)

    meeting: Mapped[TaskingMeeting] = relationship(back_populates="items")
    person: Mapped[Person] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "person_id"),
        sa.CheckConstraint("reason IN ('ranked', 'breach', 'ranked_and_breach', 'added')", name="reason_known"),
        sa.CheckConstraint(
            "tactic IS NULL OR tactic IN ('support', 'prevention', 'diversion', 'disruption', 'enforcement')",
            name="tactic_known",
        ),
    )
