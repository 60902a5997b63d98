"""Persons with aliases, markers, categories and addresses; DA events; relationships; levers."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.base import TimestampMixin, VersionedMixin, in_vocabulary
from app.catalogue import INTELLIGENCE_SOURCES, RELATIONSHIPS
from app.extensions import db


class Person(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    surname: Mapped[str] = mapped_column(sa.Text)
    forenames: Mapped[str] = mapped_column(sa.Text)
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    gender: Mapped[str | None] = mapped_column(sa.Text)
    pnc_id: Mapped[str | None] = mapped_column(sa.Text, unique=True)
    district: Mapped[str | None] = mapped_column(sa.Text, index=True)

    aliases: Mapped[list["PersonAlias"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonAlias.id"
    )
    categories: Mapped[list["PersonCategory"]] = relationship(back_populates="person", cascade="all, delete-orphan")
    markers: Mapped[list["WarningMarker"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="WarningMarker.id"
    )
    addresses: Mapped[list["Address"]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Address.id"
    )

    @property
    def full_name(self) -> str:
        return f"{self.forenames} {self.surname.upper()}".strip()

    @property
    def category_codes(self) -> set[str]:
        return {c.category for c in self.categories}

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class PersonAlias(db.Model):
    __tablename__ = "person_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    surname: Mapped[str] = mapped_column(sa.Text)
    forenames: Mapped[str] = mapped_column(sa.Text, default="")

    person: Mapped[Person] = relationship(back_populates="aliases")


class PersonCategory(db.Model):
    """Data-subject category (suspect, victim, witness, convicted); a person may hold several."""

    __tablename__ = "person_categories"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.Text, primary_key=True)

    person: Mapped[Person] = relationship(back_populates="categories")

    __table_args__ = (
        sa.CheckConstraint("category IN ('suspect', 'victim', 'witness', 'convicted')", name="category_known"),
    )


class WarningMarker(db.Model):
    __tablename__ = "warning_markers"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    marker: Mapped[str] = mapped_column(sa.Text)
    noted_on: Mapped[date | None] = mapped_column(sa.Date)
    detail: Mapped[str | None] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship(back_populates="markers")


class Address(db.Model):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    postcode: Mapped[str | None] = mapped_column(sa.Text)
    from_date: Mapped[date | None] = mapped_column(sa.Date)
    to_date: Mapped[date | None] = mapped_column(sa.Date)

    person: Mapped[Person] = relationship(back_populates="addresses")


class PersonLink(TimestampMixin, VersionedMixin, db.Model):
    """A typed relationship between two persons that no event need record (a family member, a new
    partner), with its dates, where the knowledge came from and how it is graded (3x5x2: source
    1-3, intelligence A-E, handling P or C). Recorded through app.offenders.relationships."""

    __tablename__ = "person_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    person_b_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    relationship_type: Mapped[str] = mapped_column(sa.Text)
    # From and to: `since` empty means not known; `until` empty means the relationship goes on.
    since: Mapped[date | None] = mapped_column(sa.Date)
    until: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str | None] = mapped_column(sa.Text)
    source_grade: Mapped[str | None] = mapped_column(sa.Text)
    intelligence_grade: Mapped[str | None] = mapped_column(sa.Text)
    handling_code: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    person_a: Mapped[Person] = relationship(foreign_keys=[person_a_id])
    person_b: Mapped[Person] = relationship(foreign_keys=[person_b_id])

    __table_args__ = (
        sa.CheckConstraint("person_a_id <> person_b_id", name="not_self"),
        sa.UniqueConstraint("person_a_id", "person_b_id", "relationship_type"),
        sa.CheckConstraint(in_vocabulary("relationship_type", RELATIONSHIPS), name="link_type_known"),
        sa.CheckConstraint("until IS NULL OR since IS NULL OR until >= since", name="until_after_since"),
        sa.CheckConstraint(
            f"source IS NULL OR {in_vocabulary('source', INTELLIGENCE_SOURCES)}", name="link_source_known"
        ),
        sa.CheckConstraint("source_grade IS NULL OR source_grade IN ('1', '2', '3')", name="source_grade_known"),
        sa.CheckConstraint(
            "intelligence_grade IS NULL OR intelligence_grade IN ('A', 'B', 'C', 'D', 'E')",
            name="intelligence_grade_known",
        ),
        sa.CheckConstraint("handling_code IS NULL OR handling_code IN ('P', 'C')", name="handling_code_known"),
    )

    def other(self, person_id: int) -> Person:
        return self.person_b if person_id == self.person_a_id else self.person_a


class DAEvent(TimestampMixin, VersionedMixin, db.Model):
    """A DA incident or crime: a suspect harmed a victim on a date (breaches included)."""

    __tablename__ = "da_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    occurred_on: Mapped[date] = mapped_column(sa.Date, index=True)
    offence: Mapped[str] = mapped_column(sa.ForeignKey("offence_categories.code"))
    suspect_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"))
    victim_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    relationship_type: Mapped[str | None] = mapped_column(sa.Text)
    dash_risk: Mapped[str | None] = mapped_column(sa.Text)
    district: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.Text, default="manual")
    narrative: Mapped[str | None] = mapped_column(sa.Text)

    suspect: Mapped[Person] = relationship(foreign_keys=[suspect_id])
    victim: Mapped[Person] = relationship(foreign_keys=[victim_id])

    __table_args__ = (
        sa.CheckConstraint("suspect_id <> victim_id", name="suspect_not_victim"),
        sa.CheckConstraint(
            "relationship_type IS NULL OR relationship_type IN ('partner', 'ex_partner', 'family', 'other')",
            name="relationship_known",
        ),
        sa.CheckConstraint("dash_risk IS NULL OR dash_risk IN ('standard', 'medium', 'high')", name="dash_known"),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('arrest', 'charge', 'caution', 'nfa', 'ongoing')", name="outcome_known"
        ),
        sa.Index("ix_da_events_suspect_date", "suspect_id", "occurred_on"),
    )


class Lever(TimestampMixin, VersionedMixin, db.Model):
    """A lawful lever noted against a person. The latest record per lever (by noted_on) decides."""

    __tablename__ = "levers"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    lever: Mapped[str] = mapped_column(sa.ForeignKey("lever_types.code"))
    active: Mapped[bool] = mapped_column(sa.Boolean)
    noted_on: Mapped[date] = mapped_column(sa.Date)
    detail: Mapped[str | None] = mapped_column(sa.Text)

    person: Mapped[Person] = relationship()

    __table_args__ = (sa.UniqueConstraint("person_id", "lever", "noted_on"),)
