"""Scoring model versions, stored score runs (one row per ranked person with its breakdown), and
each person's current score."""

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
    # The rule set the numbers are for: 1 (DESIGN.md "Default scoring model (v1)") or 2 ("Scoring
    # model v2"). app.ranking.scoring dispatches on it.
    rules: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    # The version full rankings use unless told otherwise; exactly one is current (a partial unique
    # index holds that). Publishing a version makes it current.
    is_current: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())

    __table_args__ = (
        sa.CheckConstraint("rules IN (1, 2)", name="rules_known"),
        sa.Index(
            "uq_scoring_models_one_current",
            "is_current",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
    )


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
    # A full run that became the current list (it replaced every current score): one with the
    # current model, as of a day no earlier than the list it replaced. A run for a past date, or
    # with another model version, is stored as history only.
    listed: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())

    __table_args__ = (
        sa.CheckConstraint(
            "trigger IN ('nightly', 'manual', 'breach', 'import', 'event', 'lever', 'custody')", name="trigger_known"
        ),
    )


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
    # v2: incidents (one victim, one day) counted for F; None under v1, which counts events.
    incidents_in_window: Mapped[int | None] = mapped_column(sa.Integer)
    # The days R was worked from (street days under v2); None in runs stored before v2.
    recency_days: Mapped[int | None] = mapped_column(sa.Integer)

    person: Mapped[Person] = relationship()

    __table_args__ = (sa.UniqueConstraint("run_id", "person_id"),)


class CurrentScore(db.Model):
    """Each ranked person's current score: the one place the target list, the person list, the
    agenda, the profile and GET /api/v1/targets read. A full run that becomes the list replaces
    every row; a re-score (breach, event, lever, custody, import) replaces one person's row, or
    removes it when they are no longer ranked. Written by app.ranking only.

    The breakdown is that of the stored score row it points at (`score_row_id`), copied here so
    the list can be sorted and filtered without reading the history.
    """

    __tablename__ = "current_scores"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    score_row_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("score_rows.id", ondelete="CASCADE")
    )
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("score_runs.id", ondelete="CASCADE"), index=True)
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
    incidents_in_window: Mapped[int | None] = mapped_column(sa.Integer)
    recency_days: Mapped[int | None] = mapped_column(sa.Integer)
    latest_event_on: Mapped[date] = mapped_column(sa.Date)
    levers: Mapped[dict] = mapped_column(sa.JSON)
    flags: Mapped[list] = mapped_column(sa.JSON)

    person: Mapped[Person] = relationship()

    __table_args__ = (
        # The list's order (priority, harm, latest event, all descending, then reference): the first
        # page reads the head of this index backwards rather than sorting every row.
        sa.Index("ix_current_scores_order", "priority", "harm", "latest_event_on"),
    )
