"""Persons with aliases, markers, categories and addresses; DA events; relationships; levers."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.base import TimestampMixin, VersionedMixin
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


class PersonLink(TimestampMixin, db.Model):
    """A typed relationship between two persons that no event records (e.g. family, new partner)."""

    __tablename__ = "person_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    person_b_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    relationship_type: Mapped[str] = mapped_column(sa.Text)
    since: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("person_a_id <> person_b_id", name="not_self"),
        sa.UniqueConstraint("person_a_id", "person_b_id", "relationship_type"),
    )


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
