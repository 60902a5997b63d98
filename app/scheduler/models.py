"""Runs of scheduled jobs, one per (job, period), so that a job runs once per period."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import UTCDateTime, utcnow
from app.extensions import db


class JobRun(db.Model):
    """One run of a scheduled job for one period; the unique key makes a repeated run a no-op."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.Text)
    period: Mapped[str] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.Text, default="running")
    detail: Mapped[str | None] = mapped_column(sa.Text)
    hostname: Mapped[str | None] = mapped_column(sa.Text)
    pid: Mapped[int | None] = mapped_column(sa.Integer)

    __table_args__ = (sa.UniqueConstraint("job", "period"),)
