"""Perpetrator-programme referrals, their moves, screening and attendance, and the programmes.

The vocabularies the code branches on live here, once; the CHECK constraints are built from them
(and written out literally in the migration, which never imports app code)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, UTCDateTime, VersionedMixin, in_vocabulary, utcnow
from app.extensions import db
from app.offenders.models import Person

REFERRAL_STATES = {
    "identified": "Identified",
    "referred": "Referred",
    "screened": "Screened",
    "accepted": "Accepted",
    "declined": "Declined",
    "started": "Started",
    "completed": "Completed",
    "dropped_out": "Dropped out",
    "withdrawn": "Withdrawn",
}


REFERRAL_MOVES = {
    "identified": ("referred", "withdrawn"),
    "referred": ("screened", "withdrawn"),
    "screened": ("accepted", "declined", "withdrawn"),
    "accepted": ("started", "withdrawn"),
    "started": ("completed", "dropped_out", "withdrawn"),
    "declined": (),
    "completed": (),
    "dropped_out": (),
    "withdrawn": (),
}


FINAL_STATES = tuple(s for s, moves in REFERRAL_MOVES.items() if not moves)


OPEN_STATES = tuple(s for s, moves in REFERRAL_MOVES.items() if moves)
OPEN_WHERE = in_vocabulary("state", OPEN_STATES)


MOVES_NEEDING_REASON = ("declined", "dropped_out", "withdrawn")


SCREENING_ITEMS = {
    "meets_eligibility": "Meets the programme's eligibility criteria (see the programme's notes)",
    "risk_assessed": "Current risk assessed and recorded (DASH for the partner; SARA/OASys where held)",
    "partner_support": "Partner or ex-partner support service (IDVA or the programme's safety service) informed",
    "children_safeguarding": "Children's safeguarding checked and any referral made",
    "available_to_attend": "Available to attend (not in custody, no clash with court or licence requirements)",
    "barriers_considered": "Barriers to engagement considered (alcohol, mental health, language, learning needs)",
    "motivation_discussed": "Willingness to engage discussed (not needed for Drive, which works without consent)",
}


SCREENING_ANSWERS = {"yes": "Yes", "no": "No", "na": "Not applicable"}


ATTENDANCE = {"attended": "Attended", "missed": "Missed", "excused": "Excused absence"}


class Programme(db.Model):
    """A perpetrator programme that referrals go to (seeded catalogue; a force adds its own)."""

    __tablename__ = "programmes"

    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    label: Mapped[str] = mapped_column(sa.Text)
    provider: Mapped[str | None] = mapped_column(sa.Text)
    eligibility: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class ProgrammeReferral(TimestampMixin, VersionedMixin, db.Model):
    """A perpetrator's referral to a programme. Its state changes only through the moves service."""

    __tablename__ = "programme_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    # Chosen when the person is referred; a referral may be identified before a programme is chosen.
    programme_code: Mapped[str | None] = mapped_column(sa.ForeignKey("programmes.code"))
    state: Mapped[str] = mapped_column(sa.Text, index=True)
    identified_on: Mapped[date] = mapped_column(sa.Date, index=True)
    state_on: Mapped[date] = mapped_column(sa.Date)
    # How it was identified: from the suggested candidates, or by hand.
    source: Mapped[str] = mapped_column(sa.Text, default="manual")
    note: Mapped[str | None] = mapped_column(sa.Text)
    # {item code: "yes" | "no" | "na"} for every SCREENING_ITEMS code, once screened.
    screening: Mapped[dict | None] = mapped_column(sa.JSON)
    screening_notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person: Mapped[Person] = relationship()
    programme: Mapped[Programme | None] = relationship(lazy="joined")
    moves: Mapped[list["ReferralMove"]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", order_by="ReferralMove.id"
    )
    attendance: Mapped[list["AttendanceNote"]] = relationship(
        back_populates="referral",
        cascade="all, delete-orphan",
        order_by=lambda: (AttendanceNote.session_on.desc(), AttendanceNote.id.desc()),
    )

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("state", REFERRAL_STATES), name="state_known"),
        sa.CheckConstraint(
            "state IN ('identified', 'withdrawn') OR programme_code IS NOT NULL", name="programme_once_referred"
        ),
        sa.CheckConstraint("source IN ('suggested', 'manual')", name="source_known"),
        # One open referral per person and programme, held by the database (two users identifying
        # the same person at once cannot both win); "programme not chosen yet" counts as one programme.
        sa.Index(
            "uq_programme_referrals_open_per_programme",
            "person_id",
            "programme_code",
            unique=True,
            sqlite_where=sa.text(OPEN_WHERE + " AND programme_code IS NOT NULL"),
            postgresql_where=sa.text(OPEN_WHERE + " AND programme_code IS NOT NULL"),
        ),
        sa.Index(
            "uq_programme_referrals_open_unchosen",
            "person_id",
            unique=True,
            sqlite_where=sa.text(OPEN_WHERE + " AND programme_code IS NULL"),
            postgresql_where=sa.text(OPEN_WHERE + " AND programme_code IS NULL"),
        ),
    )

    @property
    def state_label(self) -> str:
        return REFERRAL_STATES[self.state]

    @property
    def allowed_moves(self) -> tuple[str, ...]:
        return REFERRAL_MOVES[self.state]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class ReferralMove(db.Model):
    """One move of a referral from one state to another: dated, by whom, and why where it matters.

    Rows are never changed: the history of a referral is the list of its moves. The first row of
    a referral (from nothing to identified) records who identified the person.
    """

    __tablename__ = "referral_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_referrals.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.Text)
    to_state: Mapped[str] = mapped_column(sa.Text)
    moved_on: Mapped[date] = mapped_column(sa.Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    referral: Mapped[ProgrammeReferral] = relationship(back_populates="moves")
    by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("to_state", REFERRAL_STATES), name="to_state_known"),
        sa.CheckConstraint(
            f"from_state IS NULL OR {in_vocabulary('from_state', REFERRAL_STATES)}", name="from_state_known"
        ),
        sa.CheckConstraint(
            "to_state NOT IN ('declined', 'dropped_out', 'withdrawn') OR (reason IS NOT NULL AND reason <> '')",
            name="reason_given",
        ),
    )

    @property
    def from_label(self) -> str:
        return REFERRAL_STATES.get(self.from_state, "—") if self.from_state else "—"

    @property
    def to_label(self) -> str:
        return REFERRAL_STATES[self.to_state]


class AttendanceNote(db.Model):
    """A programme session: attended or not, with a note. Notes are added, never changed."""

    __tablename__ = "referral_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_referrals.id", ondelete="CASCADE"), index=True)
    session_on: Mapped[date] = mapped_column(sa.Date)
    attendance: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(sa.Text)

    referral: Mapped[ProgrammeReferral] = relationship(back_populates="attendance")

    __table_args__ = (sa.CheckConstraint(in_vocabulary("attendance", ATTENDANCE), name="attendance_known"),)

    @property
    def attendance_label(self) -> str:
        return ATTENDANCE[self.attendance]
