"""Merges of duplicate person records (undoable), and pairs judged not to be the same person."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.base import UTCDateTime, utcnow
from app.extensions import db


class PersonMerge(db.Model):
    """`from_person` was found to be `into_person`. The from-record stays (hidden from lists and
    searches; its reference resolves to the merged person) so that the merge can be undone:
    `moved` says, per part, exactly which rows moved."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    into_person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    from_ref: Mapped[str] = mapped_column(sa.Text)
    into_ref: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text)
    moved: Mapped[dict | None] = mapped_column(sa.JSON)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    merged_by_name: Mapped[str] = mapped_column(sa.Text)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_name: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("from_person_id <> into_person_id", name="not_self"),
        # A record is merged away at most once at a time (two analysts merging it at once: one wins).
        sa.Index(
            "uq_person_merges_from_live",
            "from_person_id",
            unique=True,
            sqlite_where=sa.text("undone_at IS NULL"),
            postgresql_where=sa.text("undone_at IS NULL"),
        ),
    )


class NotDuplicate(db.Model):
    """An analyst looked at a candidate pair and found two different people: not offered again."""

    __tablename__ = "not_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    person_b_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_name: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("person_a_id < person_b_id", name="ordered_pair"),
        sa.UniqueConstraint("person_a_id", "person_b_id"),
    )
