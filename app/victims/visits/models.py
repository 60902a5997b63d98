"""DALO needs assessments and hidden-harm visits: what was found, offered and done at each visit."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, UTCDateTime, in_vocabulary
from app.extensions import db
from app.offenders.models import DAEvent, Person

VISIT_KINDS = {"needs_assessment": "DALO needs assessment", "hidden_harm": "Hidden-harm visit"}

NEEDS = {
    "safety": "Safety and security at home",
    "housing": "Housing",
    "children": "Children",
    "health": "Health and wellbeing",
    "money": "Money",
    "legal": "Protective orders and legal advice",
    "emotional": "Emotional support",
    "language": "Language or an interpreter",
    "disability": "Disability or access",
}

SAFEGUARDING_REFERRALS = {
    "childrens_social_care": "Children's social care",
    "adult_social_care": "Adult social care",
    "marac": "MARAC",
    "matac": "MATAC",
    "masip": "MASIP",
    "housing": "Housing",
    "health": "Health",
    "other": "Other",
}

VISIT_EVIDENCE = {
    "statement": "Statement",
    "injury_images": "Photographs of injuries",
    "body_worn_video": "Body-worn video",
    "scene_images": "Photographs of the scene",
    "other": "Other",
}


class VictimVisit(TimestampMixin, db.Model):
    """A DALO's needs assessment or hidden-harm visit to a victim: whether they were seen alone,
    who else was there, injuries, the DASH done (linked), IDVA offered and accepted, safety advice,
    safeguarding referrals, evidence secured and any arrest (linked to its event)."""

    __tablename__ = "victim_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    officer: Mapped[str] = mapped_column(sa.Text)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), unique=True)
    seen_alone: Mapped[bool] = mapped_column(sa.Boolean)
    children_present: Mapped[bool] = mapped_column(sa.Boolean)
    perpetrator_present: Mapped[bool] = mapped_column(sa.Boolean)
    injuries_seen: Mapped[bool] = mapped_column(sa.Boolean)
    injuries_detail: Mapped[str | None] = mapped_column(sa.Text)
    dash_assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dash_assessments.id"))
    idva_offered: Mapped[bool] = mapped_column(sa.Boolean)
    idva_accepted: Mapped[bool | None] = mapped_column(sa.Boolean)
    safety_advice_given: Mapped[bool] = mapped_column(sa.Boolean)
    safeguarding_referrals: Mapped[list] = mapped_column(sa.JSON, default=list)
    evidence_secured: Mapped[list] = mapped_column(sa.JSON, default=list)
    arrest_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("da_events.id"))
    needs: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str | None] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship()
    officer_user: Mapped[User | None] = relationship()
    arrest_event: Mapped[DAEvent | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("kind", VISIT_KINDS), name="kind_known"),
        sa.CheckConstraint("NOT (seen_alone AND perpetrator_present)", name="alone_means_alone"),
        sa.CheckConstraint("idva_accepted IS NULL OR idva_offered", name="accepted_only_if_offered"),
        sa.CheckConstraint("idva_offered = (idva_accepted IS NOT NULL)", name="offer_has_answer"),
    )

    @property
    def kind_label(self) -> str:
        return VISIT_KINDS[self.kind]

    @property
    def arrest_made(self) -> bool:
        return self.arrest_event_id is not None
