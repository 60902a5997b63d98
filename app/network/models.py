"""The network's stored findings: linked networks, serial perpetrators, repeat victims and
Right-to-Know candidates, computed by a job (app.network.findings) and read by the pages.

A full computation replaces every row in one transaction, so a page sees the old findings or the
new ones, never half of each; an event, relationship or merge that touches a network recomputes
only that network's rows (app.network.incremental). `network_runs` says when and how each full
computation went; `network_changes` lists the persons whose networks were updated since.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import UTCDateTime, utcnow
from app.extensions import db

RUN_STATUSES = ("running", "done", "failed")
RUN_TRIGGERS = ("nightly", "import", "manual")
MEMBER_ROLES = ("suspect", "victim", "both", "linked")


class FindingsRun(db.Model):
    """One full computation of the findings: when, as of which day, why, and how it went."""

    __tablename__ = "network_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(sa.Text)
    as_of: Mapped[date] = mapped_column(sa.Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.Text, default="running", index=True)
    error: Mapped[str | None] = mapped_column(sa.Text)
    persons: Mapped[int | None] = mapped_column(sa.Integer)
    networks: Mapped[int | None] = mapped_column(sa.Integer)
    serial: Mapped[int | None] = mapped_column(sa.Integer)
    repeat_victims: Mapped[int | None] = mapped_column(sa.Integer)
    candidates: Mapped[int | None] = mapped_column(sa.Integer)
    seconds: Mapped[float | None] = mapped_column(sa.Float)

    __table_args__ = (
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="status_known"),
        sa.CheckConstraint("trigger IN ('nightly', 'import', 'manual')", name="trigger_known"),
    )


class LinkedNetwork(db.Model):
    """A connected group of two or more persons (direction ignored), keyed by its smallest person id."""

    __tablename__ = "network_components"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # the smallest member's person id
    size: Mapped[int] = mapped_column(sa.Integer, index=True)
    suspects: Mapped[int] = mapped_column(sa.Integer)
    victims: Mapped[int] = mapped_column(sa.Integer)
    events: Mapped[int] = mapped_column(sa.Integer)
    harm_days: Mapped[int] = mapped_column(sa.Integer)
    as_of: Mapped[date] = mapped_column(sa.Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NetworkMember(db.Model):
    """A person's place in a linked network, with their role in it and the harm they caused."""

    __tablename__ = "network_members"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("network_components.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.Text)
    harm_days: Mapped[int] = mapped_column(sa.Integer)  # harm days of their DA events as suspect

    __table_args__ = (sa.CheckConstraint("role IN ('suspect', 'victim', 'both', 'linked')", name="role_known"),)


class SerialFinding(db.Model):
    """A serial perpetrator: two or more victims aged 16+ (or of unknown age) within 36 months."""

    __tablename__ = "network_serial_perpetrators"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    victims: Mapped[int] = mapped_column(sa.Integer)
    as_of: Mapped[date] = mapped_column(sa.Date)


class RepeatVictimFinding(db.Model):
    """A repeat victim: two or more suspects within 36 months, or three or more events within 12."""

    __tablename__ = "network_repeat_victims"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    suspects: Mapped[int] = mapped_column(sa.Integer)
    recent_events: Mapped[int] = mapped_column(sa.Integer)
    reasons: Mapped[str] = mapped_column(sa.Text)
    as_of: Mapped[date] = mapped_column(sa.Date)


class RightToKnowFinding(db.Model):
    """A Right-to-Know candidate as the network's rule found it: the suspect, the new partner at
    risk, since when and how that is known, the earlier victims with their harm (`earlier`: one dict
    per victim, the fields of app.network.graph.EarlierVictim) and why (new_partner_candidates)."""

    __tablename__ = "network_rtk_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    suspect_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    new_partner_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    latest_event_id: Mapped[int | None] = mapped_column(sa.Integer)
    partner_since: Mapped[date] = mapped_column(sa.Date)
    known_from: Mapped[str] = mapped_column(sa.Text)  # event, relationship or recorded
    last_seen_on: Mapped[date] = mapped_column(sa.Date, index=True)
    events_against: Mapped[int] = mapped_column(sa.Integer)
    latest_on: Mapped[date | None] = mapped_column(sa.Date)  # None: known from a relationship only
    relationship: Mapped[str | None] = mapped_column(sa.Text)
    new_partner_first_on: Mapped[date | None] = mapped_column(sa.Date)
    earlier_victim_ids: Mapped[list] = mapped_column(sa.JSON)
    earlier_events: Mapped[int] = mapped_column(sa.Integer)
    earlier_harm_days: Mapped[int] = mapped_column(sa.Integer)
    earlier: Mapped[list] = mapped_column(sa.JSON)
    why: Mapped[str] = mapped_column(sa.Text)
    as_of: Mapped[date] = mapped_column(sa.Date)


class NetworkChange(db.Model):
    """A person whose network was recomputed after a change (an event, a relationship, a merge).
    A full computation replays the changes made while it ran, then prunes the old ones."""

    __tablename__ = "network_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.Integer)  # no foreign key: a merged person is gone
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    applied: Mapped[bool] = mapped_column(sa.Boolean, default=True)
