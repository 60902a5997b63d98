"""Victim feedback after a case has closed: the Victims' Panel's questions, with consent."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import TimestampMixin, in_vocabulary
from app.extensions import db

FEEDBACK_ANSWERS = {"yes": "Yes", "partly": "Partly", "no": "No"}

REPORT_AGAIN_ANSWERS = {"yes": "Yes", "not_sure": "Not sure", "no": "No"}


class VictimFeedback(TimestampMixin, db.Model):
    """A victim's answers to a short survey after their case closed, recorded by staff with the
    victim's consent. Shown only in aggregate (per quarter and district, never with names): the
    person is kept only so that one case is not counted twice."""

    __tablename__ = "victim_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    case_closed_on: Mapped[date] = mapped_column(sa.Date)
    recorded_on: Mapped[date] = mapped_column(sa.Date, index=True)
    consent: Mapped[bool] = mapped_column(sa.Boolean)
    listened: Mapped[str] = mapped_column(sa.Text)
    safer: Mapped[str] = mapped_column(sa.Text)
    report_again: Mapped[str] = mapped_column(sa.Text)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    district: Mapped[str | None] = mapped_column(sa.Text, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (
        sa.CheckConstraint("consent", name="consent_given"),
        sa.CheckConstraint(in_vocabulary("listened", FEEDBACK_ANSWERS), name="listened_known"),
        sa.CheckConstraint(in_vocabulary("safer", FEEDBACK_ANSWERS), name="safer_known"),
        sa.CheckConstraint(in_vocabulary("report_again", REPORT_AGAIN_ANSWERS), name="report_again_known"),
        sa.CheckConstraint("recorded_on >= case_closed_on", name="after_the_case_closed"),
        sa.UniqueConstraint("person_id", "case_closed_on"),
    )
