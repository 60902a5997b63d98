"""Clare's Law (DVDS) cases: Right to Ask and Right to Know, their steps, decision and disclosure."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, VersionedMixin, in_vocabulary
from app.extensions import db
from app.offenders.models import Person

CLARE_ROUTES = {"ask": "Right to Ask", "know": "Right to Know"}


APPLICANT_RELATIONSHIPS = {
    "self": "The person at risk (applying for themselves)",
    "parent": "Parent",
    "family": "Other family member",
    "friend": "Friend or neighbour",
    "professional": "Professional (for example a social worker or IDVA)",
    "other": "Other",
}


CLARE_DECISIONS = {"disclose": "Disclose", "not_disclose": "Do not disclose"}


CLARE_CLOSURES = {
    "disclosed": "Disclosure made",
    "not_disclosed": "Decision not to disclose",
    "withdrawn": "Closed without a decision",
}


CLARE_TARGET_DAYS = 28  # 2023 statutory guidance: disclosure within 28 days of the application


class ClareCase(TimestampMixin, VersionedMixin, db.Model):
    """A Domestic Violence Disclosure Scheme case: Right to Ask or Right to Know, its dated steps,
    the decision with its rationale and the disclosure made. The 28-day clock runs from
    `application_on` until the case is closed."""

    __tablename__ = "clare_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    route: Mapped[str] = mapped_column(sa.Text)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    # The person at risk: a person on the register, or only a name (a Right-to-Ask applicant's
    # partner is often not known to police).
    person_at_risk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    person_at_risk_name: Mapped[str | None] = mapped_column(sa.Text)
    applicant_name: Mapped[str | None] = mapped_column(sa.Text)
    applicant_relationship: Mapped[str | None] = mapped_column(sa.Text)
    application_on: Mapped[date] = mapped_column(sa.Date, index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The steps, each dated when done.
    initial_contact_on: Mapped[date | None] = mapped_column(sa.Date)
    checks_on: Mapped[date | None] = mapped_column(sa.Date)
    checks_detail: Mapped[str | None] = mapped_column(sa.Text)
    face_to_face_on: Mapped[date | None] = mapped_column(sa.Date)
    forum_decision_on: Mapped[date | None] = mapped_column(sa.Date)
    forum_name: Mapped[str | None] = mapped_column(sa.Text)
    # The decision and its rationale.
    decision: Mapped[str | None] = mapped_column(sa.Text)
    rationale: Mapped[str | None] = mapped_column(sa.Text)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The disclosure: what, to whom, by whom, when and how.
    disclosure_on: Mapped[date | None] = mapped_column(sa.Date)
    disclosed_to: Mapped[str | None] = mapped_column(sa.Text)
    disclosed_what: Mapped[str | None] = mapped_column(sa.Text)
    disclosed_how: Mapped[str | None] = mapped_column(sa.Text)
    disclosed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    closure: Mapped[str | None] = mapped_column(sa.Text)
    closure_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    subject: Mapped[Person] = relationship(foreign_keys=[subject_id])
    person_at_risk: Mapped[Person | None] = relationship(foreign_keys=[person_at_risk_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    disclosed_by: Mapped[User | None] = relationship(foreign_keys=[disclosed_by_id])

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("route", CLARE_ROUTES), name="route_known"),
        sa.CheckConstraint(
            "person_at_risk_id IS NOT NULL OR person_at_risk_name IS NOT NULL", name="person_at_risk_named"
        ),
        sa.CheckConstraint("person_at_risk_id IS NULL OR person_at_risk_id <> subject_id", name="subject_not_at_risk"),
        sa.CheckConstraint(
            "route = 'know' OR (applicant_name IS NOT NULL AND applicant_relationship IS NOT NULL)",
            name="applicant_for_right_to_ask",
        ),
        sa.CheckConstraint(
            f"applicant_relationship IS NULL OR {in_vocabulary('applicant_relationship', APPLICANT_RELATIONSHIPS)}",
            name="applicant_relationship_known",
        ),
        sa.CheckConstraint(f"decision IS NULL OR {in_vocabulary('decision', CLARE_DECISIONS)}", name="decision_known"),
        sa.CheckConstraint(
            "decision IS NULL OR (rationale IS NOT NULL AND rationale <> '' AND decided_on IS NOT NULL)",
            name="decision_has_rationale",
        ),
        sa.CheckConstraint(
            "disclosure_on IS NULL OR (decision = 'disclose' AND disclosed_to IS NOT NULL"
            " AND disclosed_what IS NOT NULL AND disclosed_by_id IS NOT NULL)",
            name="disclosure_after_decision",
        ),
        sa.CheckConstraint(f"closure IS NULL OR {in_vocabulary('closure', CLARE_CLOSURES)}", name="closure_known"),
        sa.CheckConstraint("(closed_on IS NULL) = (closure IS NULL)", name="closed_with_closure"),
    )

    @property
    def route_label(self) -> str:
        return CLARE_ROUTES[self.route]

    @property
    def is_open(self) -> bool:
        return self.closed_on is None
