"""A person's custody periods: remand, sentence or recall, from a day to a day (or still in)."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.base import TimestampMixin, VersionedMixin, in_vocabulary
from app.extensions import db
from app.offenders.models import Person

CUSTODY_KINDS = {"remand": "Remand", "sentence": "Sentence", "recall": "Recall to prison"}
CUSTODY_SOURCES = {"import": "Imported", "manual": "Recorded in Achilles"}


class CustodyPeriod(TimestampMixin, VersionedMixin, db.Model):
    """A period in custody. It covers the days x with custody_from <= x < custody_to: custody_to is
    the day of release (the first day out); empty means still in custody. One person's periods never
    overlap (checked by the service and the import, which the database cannot do on SQLite)."""

    __tablename__ = "custody_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"))
    custody_from: Mapped[date] = mapped_column(sa.Date)
    custody_to: Mapped[date | None] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.Text)
    expected_release_on: Mapped[date | None] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.Text, default="manual")
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The expected release day for which a pre-release task was last asked for (the scheduled job
    # asks once per expected day; a new expected day asks again).
    release_task_for: Mapped[date | None] = mapped_column(sa.Date)

    person: Mapped[Person] = relationship()

    __table_args__ = (
        # The import's key; it is also the index the loaders and the profile use.
        sa.UniqueConstraint("person_id", "custody_from"),
        sa.CheckConstraint("custody_to IS NULL OR custody_to >= custody_from", name="ends_after_start"),
        sa.CheckConstraint(in_vocabulary("kind", CUSTODY_KINDS), name="kind_known"),
        sa.CheckConstraint(in_vocabulary("source", CUSTODY_SOURCES), name="source_known"),
    )

    @property
    def open(self) -> bool:
        return self.custody_to is None

    def covers(self, day: date) -> bool:
        return self.custody_from <= day and (self.custody_to is None or day < self.custody_to)
