"""Scoring model versions and stored score runs, with one row per ranked person and its breakdown."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.base import UTCDateTime, utcnow
from app.extensions import db
from app.offenders.models import Person


class ScoringModel(db.Model):
    """A published, immutable set of scoring numbers (bands, harm days, lever weights, cap)."""

    __tablename__ = "scoring_models"

    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    params: Mapped[dict] = mapped_column(sa.JSON)


class ScoreRun(db.Model):
    __tablename__ = "score_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(sa.Date, index=True)
    model_version: Mapped[int] = mapped_column(sa.ForeignKey("scoring_models.version"))
    trigger: Mapped[str] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ranked_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    # A run that re-scores some persons only (after a breach) names them; a full run has none.
    partial: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    __table_args__ = (sa.CheckConstraint("trigger IN ('nightly', 'manual', 'breach', 'import')", name="trigger_known"),)


class ScoreRow(db.Model):
    """One ranked person in one run, with the whole breakdown that explains the score."""

    __tablename__ = "score_rows"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("score_runs.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int | None] = mapped_column(sa.Integer)
    priority: Mapped[int] = mapped_column(sa.Integer)
    harm: Mapped[int] = mapped_column(sa.Integer)
    opportunity: Mapped[int] = mapped_column(sa.Integer)
    r: Mapped[int] = mapped_column(sa.Integer)
    f: Mapped[int] = mapped_column(sa.Integer)
    g: Mapped[int] = mapped_column(sa.Integer)
    v: Mapped[int] = mapped_column(sa.Integer)
    harm_days: Mapped[int] = mapped_column(sa.Integer)
    events_in_window: Mapped[int] = mapped_column(sa.Integer)
    victims_in_window: Mapped[int] = mapped_column(sa.Integer)
    latest_event_on: Mapped[date] = mapped_column(sa.Date)
    levers: Mapped[dict] = mapped_column(sa.JSON)
    flags: Mapped[list] = mapped_column(sa.JSON)

    person: Mapped[Person] = relationship()

    __table_args__ = (sa.UniqueConstraint("run_id", "person_id"),)
