"""Orders (with protected persons and numbered conditions) and breach reports against them."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.base import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from app.catalogue import OrderType
from app.extensions import db
from app.offenders.models import DAEvent, Person

order_protected_persons = sa.Table(
    "order_protected_persons",
    db.metadata,
    sa.Column("order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("person_id", sa.ForeignKey("persons.id"), primary_key=True),
    # "Orders protecting this person" (profiles, breach victims): the primary key leads with order_id.
    sa.Index("ix_order_protected_persons_person_id", "person_id"),
)


class Order(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    order_type: Mapped[str] = mapped_column(sa.ForeignKey("order_types.code"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    made_on: Mapped[date | None] = mapped_column(sa.Date)
    served_on: Mapped[date | None] = mapped_column(sa.Date)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    # Null means "until further order".
    ends_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    revoked_on: Mapped[date | None] = mapped_column(sa.Date)
    court: Mapped[str | None] = mapped_column(sa.Text)
    power_of_arrest: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    type: Mapped[OrderType] = relationship(lazy="joined")
    subject: Mapped[Person] = relationship()
    protected_persons: Mapped[list[Person]] = relationship(secondary=order_protected_persons)
    conditions: Mapped[list["OrderCondition"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderCondition.number"
    )

    __table_args__ = (sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),)

    def in_force_on(self, day: date) -> bool:
        if self.starts_on > day:
            return False
        if self.revoked_on is not None and self.revoked_on <= day:
            return False
        return self.ends_on is None or self.ends_on >= day


class OrderCondition(db.Model):
    __tablename__ = "order_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.Integer)
    text: Mapped[str] = mapped_column(sa.Text)

    order: Mapped[Order] = relationship(back_populates="conditions")

    __table_args__ = (
        sa.UniqueConstraint("order_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )


breach_conditions = sa.Table(
    "breach_conditions",
    db.metadata,
    sa.Column("breach_id", sa.ForeignKey("breaches.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("condition_id", sa.ForeignKey("order_conditions.id"), primary_key=True),
)


class Breach(TimestampMixin, VersionedMixin, db.Model):
    """A reported breach of an order. Its DA event is what the scoring counts."""

    __tablename__ = "breaches"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.Text, unique=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("da_events.id"), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    narrative: Mapped[str] = mapped_column(sa.Text)
    reported_how: Mapped[str | None] = mapped_column(sa.Text)
    protected_person_told: Mapped[bool | None] = mapped_column(sa.Boolean)
    arrested: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A form or API client sends one key per submission; a repeated key is the same breach.
    submission_key: Mapped[str | None] = mapped_column(sa.Text, unique=True)

    order: Mapped[Order] = relationship()
    event: Mapped[DAEvent] = relationship()
    conditions: Mapped[list[OrderCondition]] = relationship(secondary=breach_conditions)
