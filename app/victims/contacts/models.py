"""How a victim wants to be contacted, safely, and every contact made or tried."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.base import TimestampMixin, UTCDateTime, VersionedMixin, in_vocabulary
from app.extensions import db
from app.offenders.models import Person

SAFE_CHANNELS = {
    "phone": "Phone call",
    "text": "Text message",
    "email": "Email",
    "in_person": "In person",
    "via_idva": "Through their IDVA",
}

# A contact may also be made by video (a DA Hub response), whatever the preferences say.
CONTACT_CHANNELS = SAFE_CHANNELS | {"video": "Video call"}

CONTACT_OUTCOMES = {"spoken_to": "Spoken to", "not_reached": "Not reached", "declined": "Declined contact"}


class ContactPreferences(TimestampMixin, VersionedMixin, db.Model):
    """One victim's safe ways and times to be contacted, whether messages may be left, a safe word
    or other note, and the reference of their safety plan. The most sensitive record in Achilles:
    shown only to supervisors and officers, and every view of it is audited."""

    __tablename__ = "victim_contact_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), unique=True)
    channels: Mapped[list] = mapped_column(sa.JSON, default=list)  # SAFE_CHANNELS codes, first preferred first
    safe_phone: Mapped[str | None] = mapped_column(sa.Text)
    safe_email: Mapped[str | None] = mapped_column(sa.Text)
    safe_times: Mapped[str | None] = mapped_column(sa.Text)
    no_messages: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    safe_word: Mapped[str | None] = mapped_column(sa.Text)  # a safe word or other note
    safety_plan_ref: Mapped[str | None] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person: Mapped[Person] = relationship()


class VictimContact(TimestampMixin, db.Model):
    """A contact made or tried with a victim: when, how, by whom, and what came of it."""

    __tablename__ = "victim_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    channel: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.Text)
    # Who made the contact: the signed-in user, or (records made outside a request) a name.
    made_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    made_by: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship()
    made_by_user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(in_vocabulary("channel", CONTACT_CHANNELS), name="channel_known"),
        sa.CheckConstraint(in_vocabulary("outcome", CONTACT_OUTCOMES), name="outcome_known"),
    )

    @property
    def channel_label(self) -> str:
        return CONTACT_CHANNELS[self.channel]

    @property
    def outcome_label(self) -> str:
        return CONTACT_OUTCOMES[self.outcome]
