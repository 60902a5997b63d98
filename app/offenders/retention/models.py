"""Recorded MoPI review decisions: every retention or disposal of a person record has one."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import UTCDateTime, utcnow
from app.extensions import db

DECISIONS = {"retain": "Retain", "dispose": "Dispose (anonymise)"}


class ReviewDecision(db.Model):
    """A reviewer's decision on a person's record. Never changed: a later review adds a row."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    person_ref: Mapped[str] = mapped_column(sa.Text)
    decision: Mapped[str] = mapped_column(sa.Text)
    review_group: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.Text)
    next_review_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("decision IN ('retain', 'dispose')", name="decision_known"),
        sa.CheckConstraint("review_group IN (1, 2, 3)", name="review_group_known"),
        sa.CheckConstraint("decision = 'dispose' OR next_review_on IS NOT NULL", name="retain_has_next_review"),
    )
