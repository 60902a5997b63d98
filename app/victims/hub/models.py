"""The DA Hub's virtual responses to non-emergency DA calls, by video or phone, with consent."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, UTCDateTime, in_vocabulary
from app.extensions import db
from app.offenders.models import DAEvent, Person

HUB_CHANNELS = {"video": "Video", "phone": "Phone"}

HUB_EVIDENCE = {
    "statement": "Statement",
    "scene_video": "Scene video",
    "injury_images": "Injury images",
    "other": "Other",
}

HUB_OUTCOMES = {"resolved": "Resolved by the Hub", "attendance": "Officer attendance still needed"}

# The Hub's hours (Kent model, reference/domain.md §0): 8am to 10pm, 7 days a week.
HUB_OPENS, HUB_CLOSES = 8, 22


class HubResponse(TimestampMixin, db.Model):
    """A virtual response by the DA Hub: the call, when contact was made (time to contact), by video
    or phone, the caller's consent (the service is optional), the DASH done, evidence captured, any
    crime recorded (its event), safeguarding and signposting, and whether an officer must attend."""

    __tablename__ = "hub_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    suspect_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"))
    call_received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    contact_made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(sa.Text)
    consent: Mapped[bool] = mapped_column(sa.Boolean)
    dash_assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dash_assessments.id"))
    evidence: Mapped[list] = mapped_column(sa.JSON, default=list)  # HUB_EVIDENCE codes
    evidence_other: Mapped[str | None] = mapped_column(sa.Text)
    crime_event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("da_events.id"))
    safeguarding_done: Mapped[bool] = mapped_column(sa.Boolean)
    signposting_done: Mapped[bool] = mapped_column(sa.Boolean)
    signposted_to: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.Text)
    district: Mapped[str | None] = mapped_column(sa.Text)
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    handled_by: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    suspect: Mapped[Person | None] = relationship(foreign_keys=[suspect_id])
    crime_event: Mapped[DAEvent | None] = relationship()
    handled_by_user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("channel", HUB_CHANNELS), name="channel_known"),
        sa.CheckConstraint(in_vocabulary("outcome", HUB_OUTCOMES), name="outcome_known"),
        sa.CheckConstraint("contact_made_at >= call_received_at", name="contact_after_call"),
        # The service is optional: no video without the caller's consent, and without consent an
        # officer still has to attend.
        sa.CheckConstraint("consent OR (channel <> 'video' AND outcome = 'attendance')", name="consent_for_response"),
        sa.CheckConstraint("suspect_id IS NULL OR suspect_id <> person_id", name="suspect_not_caller"),
    )

    @property
    def minutes_to_contact(self) -> int:
        return int((self.contact_made_at - self.call_received_at).total_seconds() // 60)

    @property
    def crime_recorded(self) -> bool:
        return self.crime_event_id is not None
