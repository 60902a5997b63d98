"""MARAC, MATAC and MASIP referrals, with the criterion that triggered a MARAC referral."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, VersionedMixin, in_vocabulary
from app.extensions import db
from app.offenders.models import Person

FORUMS = {
    "marac": "MARAC (Multi-Agency Risk Assessment Conference)",
    "matac": "MATAC (Multi-Agency Tasking and Coordination)",
    "masip": "MASIP (Multi-Agency Stalking Intervention Programme)",
}


FORUM_SHORT = {"marac": "MARAC", "matac": "MATAC", "masip": "MASIP"}


MARAC_CRITERIA = {
    "visible_high_risk": "Visible high risk",
    "professional_judgement": "Professional judgement",
    "potential_escalation": "Potential escalation",
    "repeat": "Repeat",
}


class ForumReferral(TimestampMixin, VersionedMixin, db.Model):
    """A referral to MARAC (about a person at risk, with the criterion used), MATAC or MASIP (about
    a perpetrator), with the meeting date, outcome and actions."""

    __tablename__ = "forum_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    forum: Mapped[str] = mapped_column(sa.Text, index=True)
    person_at_risk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    perpetrator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    criterion: Mapped[str | None] = mapped_column(sa.Text)
    # The suggestion rules that matched when the referral was made, with why: [{rule, reason, events}].
    matched_rules: Mapped[list | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    referred_on: Mapped[date] = mapped_column(sa.Date, index=True)
    meeting_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    actions: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person_at_risk: Mapped[Person | None] = relationship(foreign_keys=[person_at_risk_id])
    perpetrator: Mapped[Person | None] = relationship(foreign_keys=[perpetrator_id])
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("forum", FORUMS), name="forum_known"),
        sa.CheckConstraint(
            f"criterion IS NULL OR {in_vocabulary('criterion', MARAC_CRITERIA)}", name="criterion_known"
        ),
        # MARAC is about a person at risk and always records its criterion; MATAC and MASIP are
        # about a perpetrator and have no MARAC criterion.
        sa.CheckConstraint(
            "(forum = 'marac' AND criterion IS NOT NULL AND person_at_risk_id IS NOT NULL)"
            " OR (forum <> 'marac' AND criterion IS NULL AND perpetrator_id IS NOT NULL)",
            name="forum_shape",
        ),
        sa.CheckConstraint(
            "person_at_risk_id IS NULL OR perpetrator_id IS NULL OR person_at_risk_id <> perpetrator_id",
            name="two_different_persons",
        ),
    )

    @property
    def forum_label(self) -> str:
        return FORUM_SHORT[self.forum]

    @property
    def criterion_label(self) -> str | None:
        return MARAC_CRITERIA.get(self.criterion) if self.criterion else None
