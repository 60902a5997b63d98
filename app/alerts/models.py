"""Alerts: something a person or a role should act on, raised once per (kind, object, due date)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import UTCDateTime, utcnow
from app.extensions import db


class Alert(db.Model):
    """Something a person should act on: an order about to end, an overdue task, a review due.

    Raised by the scheduler or a service; unique per (kind, object, due date), so a job that runs
    twice raises each alert once.
    """

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text, index=True)
    object_type: Mapped[str] = mapped_column(sa.Text)
    object_ref: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[date] = mapped_column(sa.Date)
    message: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str | None] = mapped_column(sa.ForeignKey("roles.name"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("kind", "object_type", "object_ref", "due_on"),)
