"""The scheduler's heartbeat: one row per scheduler host, touched every few seconds by the leader."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import UTCDateTime
from app.extensions import db


class SchedulerHeartbeat(db.Model):
    """When the leading scheduler on a host last said it was alive (database clock, so hosts may drift)."""

    __tablename__ = "scheduler_heartbeats"

    hostname: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    pid: Mapped[int] = mapped_column(sa.Integer)
    # When this process became the leader; a new value after a restart or a take-over.
    leading_since: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
