"""Referrals of victims to an Independent Domestic Violence Adviser (IDVA) service."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, VersionedMixin, in_vocabulary
from app.catalogue import DASH_RISKS
from app.extensions import db
from app.offenders.models import Person

IDVA_OUTCOMES = {
    "engaged": "Engaged with the IDVA",
    "declined": "Declined support",
    "not_reached": "Could not be reached",
    "closed": "Closed for another reason",
}

# A high-risk referral expects the IDVA's first contact within this many working days (domain.md §2).
FIRST_CONTACT_WORKING_DAYS = 2


class IdvaReferral(TimestampMixin, VersionedMixin, db.Model):
    """A victim referred to an IDVA service: when, by whom, to which service, at what risk, with
    or without their consent (and why), then the IDVA's first contact and the outcome."""

    __tablename__ = "idva_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    referred_on: Mapped[date] = mapped_column(sa.Date, index=True)
    referred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    referred_by: Mapped[str] = mapped_column(sa.Text)
    service: Mapped[str] = mapped_column(sa.Text)
    risk_level: Mapped[str] = mapped_column(sa.Text)
    dash_assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dash_assessments.id"))
    consent: Mapped[bool] = mapped_column(sa.Boolean)
    consent_note: Mapped[str | None] = mapped_column(sa.Text)  # why referred without consent
    first_contact_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    outcome_on: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship()
    referred_by_user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("risk_level", DASH_RISKS), name="risk_level_known"),
        sa.CheckConstraint(f"outcome IS NULL OR {in_vocabulary('outcome', IDVA_OUTCOMES)}", name="outcome_known"),
        sa.CheckConstraint("consent OR consent_note IS NOT NULL", name="no_consent_has_reason"),
        sa.CheckConstraint("(outcome IS NULL) = (outcome_on IS NULL)", name="outcome_dated"),
        sa.CheckConstraint(
            "first_contact_on IS NULL OR first_contact_on >= referred_on", name="contact_after_referral"
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.outcome is None
