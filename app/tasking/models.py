"""Tasks and tasking meetings (attendees, agenda items and plans)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Team, User
from app.base import TimestampMixin, UTCDateTime, VersionedMixin, in_vocabulary
from app.catalogue import COHORT_EXIT_REASONS
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
    # Who put it aside and, past the limit of its type and priority, the supervisor who approved.
    # A deferral awaiting approval is recorded but not in effect: the task stays in the lists.
    deferred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    deferral_pending: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    deferral_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    deferral_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The lever a lever-action task is about (a firearms review: firearms_certificate).
    lever: Mapped[str | None] = mapped_column(sa.ForeignKey("lever_types.code"))
    # The reference of the record that raised the task (a forum or programme referral, a cohort).
    raised_from: Mapped[str | None] = mapped_column(sa.Text, index=True)
    # What recording the outcome did (levers ended, a breach's outcome set, the score before and
    # after), in words, as shown to the officer; the audit log holds the same.
    outcome_effects: Mapped[list | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The tasking meeting that set the task, if one did.
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tasking_meetings.id", ondelete="SET NULL"), index=True
    )

    person: Mapped[Person | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    deferred_by: Mapped[User | None] = relationship(foreign_keys=[deferred_by_id])
    deferral_approved_by: Mapped[User | None] = relationship(foreign_keys=[deferral_approved_by_id])

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
    # Brought back by the review date of an earlier plan (whatever else put them on the agenda).
    review_due: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # The person's item at the latest earlier meeting: the plan this meeting follows up.
    previous_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasking_meeting_items.id", ondelete="SET NULL"))
    tactic: Mapped[str | None] = mapped_column(sa.Text)
    rationale: Mapped[str | None] = mapped_column(sa.Text)
    review_on: Mapped[date | None] = mapped_column(sa.Date)

    meeting: Mapped[TaskingMeeting] = relationship(back_populates="items")
    person: Mapped[Person] = relationship()
    previous_item: Mapped["MeetingItem | None"] = relationship(remote_side="MeetingItem.id")

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "person_id"),
        sa.CheckConstraint(
            "reason IN ('ranked', 'breach', 'ranked_and_breach', 'added', 'review', 'cohort')", name="reason_known"
        ),
        sa.CheckConstraint(
            "tactic IS NULL OR tactic IN ('support', 'prevention', 'diversion', 'disruption', 'enforcement')",
            name="tactic_known",
        ),
    )


class CohortMember(TimestampMixin, VersionedMixin, db.Model):
    """A person adopted into the managed cohort (MATAC): reviewed at every meeting their plan falls
    due, until they leave with a recorded reason. A person has at most one open membership."""

    __tablename__ = "cohort_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    adopted_on: Mapped[date] = mapped_column(sa.Date)
    adopted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    # The score when adopted: the exit rule compares the score now against it.
    adopted_priority: Mapped[int | None] = mapped_column(sa.Integer)
    exited_on: Mapped[date | None] = mapped_column(sa.Date)
    exit_reason: Mapped[str | None] = mapped_column(sa.Text)
    exit_note: Mapped[str | None] = mapped_column(sa.Text)
    exited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person: Mapped[Person] = relationship()
    team: Mapped[Team | None] = relationship()
    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])
    exited_by: Mapped[User | None] = relationship(foreign_keys=[exited_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            f"exit_reason IS NULL OR {in_vocabulary('exit_reason', COHORT_EXIT_REASONS)}", name="exit_reason_known"
        ),
        sa.CheckConstraint("(exited_on IS NULL) = (exit_reason IS NULL)", name="exit_has_reason"),
        sa.CheckConstraint("exited_on IS NULL OR exited_on >= adopted_on", name="exit_after_adoption"),
        # One open membership per person (an exited person may be adopted again later).
        sa.Index(
            "uq_cohort_members_open_person",
            "person_id",
            unique=True,
            sqlite_where=sa.text("exited_on IS NULL"),
            postgresql_where=sa.text("exited_on IS NULL"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.exited_on is None
