"""DASH risk assessments and their answers: a history, never overwritten (a correction is a new one)."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin
from app.catalogue import DASH_RISKS
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.victims.dash.questions import DASH_ANSWERS, DASH_QUESTIONS


def _grade_check(column: str) -> str:
    return f"{column} IN ({', '.join(repr(g) for g in DASH_RISKS)})"


class DashAssessment(TimestampMixin, db.Model):
    """One DASH risk assessment of a victim: who assessed, when, the answers (below), the number of
    yes answers, the band they give and the grade given. A grade above the band is professional
    judgement and carries its reason; a grade below the band is refused."""

    __tablename__ = "dash_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    # The perpetrator the questions were about, and the DA event the assessment was made for.
    suspect_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("da_events.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(sa.Date, index=True)
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assessor: Mapped[str] = mapped_column(sa.Text)
    yes_count: Mapped[int] = mapped_column(sa.Integer)
    band: Mapped[str] = mapped_column(sa.Text)
    grade: Mapped[str] = mapped_column(sa.Text)
    judgement_reason: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    suspect: Mapped[Person | None] = relationship(foreign_keys=[suspect_id])
    event: Mapped[DAEvent | None] = relationship()
    assessor_user: Mapped[User | None] = relationship()
    answers: Mapped[list["DashAnswer"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="DashAnswer.number"
    )

    __table_args__ = (
        sa.CheckConstraint(f"yes_count BETWEEN 0 AND {len(DASH_QUESTIONS)}", name="yes_count_range"),
        sa.CheckConstraint(_grade_check("band"), name="band_known"),
        sa.CheckConstraint(_grade_check("grade"), name="grade_known"),
        # Professional judgement may raise the grade (with a reason), never lower it.
        sa.CheckConstraint(
            "NOT (band = 'high' AND grade <> 'high') AND NOT (band = 'medium' AND grade = 'standard')",
            name="grade_not_below_band",
        ),
        sa.CheckConstraint("grade = band OR judgement_reason IS NOT NULL", name="judgement_has_reason"),
        sa.CheckConstraint("suspect_id IS NULL OR suspect_id <> person_id", name="suspect_not_victim"),
    )

    @property
    def by_judgement(self) -> bool:
        return self.grade != self.band

    @property
    def grade_label(self) -> str:
        return DASH_RISKS[self.grade]


class DashAnswer(db.Model):
    __tablename__ = "dash_answers"

    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dash_assessments.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    answer: Mapped[str] = mapped_column(sa.Text)

    assessment: Mapped[DashAssessment] = relationship(back_populates="answers")

    __table_args__ = (
        sa.CheckConstraint(f"number BETWEEN 1 AND {len(DASH_QUESTIONS)}", name="number_range"),
        sa.CheckConstraint(f"answer IN ({', '.join(repr(a) for a in DASH_ANSWERS)})", name="answer_known"),
    )
