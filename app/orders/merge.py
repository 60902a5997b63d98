"""How orders answer for a person's records: a merge of two persons (orders they are subject of, or
protected by, move), its undo, and a disposal (breach narratives removed). See app.signals."""

import sqlalchemy as sa

from app import signals
from app.base import ValidationFailed
from app.extensions import db
from app.offenders.models import DAEvent
from app.orders.models import Breach, Order, order_protected_persons

DISPOSED_NARRATIVE = "(removed when the record was disposed of)"


def _on_persons_merged(merge, *, from_id: int, into_id: int, **_) -> dict:
    protected = order_protected_persons.c
    subject_of = list(db.session.scalars(sa.select(Order.id).where(Order.subject_id == from_id)))
    protecting = list(db.session.scalars(sa.select(protected.order_id).where(protected.person_id == from_id)))
    clash = db.session.scalar(
        sa.select(Order.ref).where(
            sa.or_(
                sa.and_(Order.id.in_(protecting), Order.subject_id == into_id),
                sa.and_(
                    Order.id.in_(subject_of),
                    Order.id.in_(sa.select(protected.order_id).where(protected.person_id == into_id)),
                ),
            )
        )
    )
    if clash:
        raise ValidationFailed({"merge": f"One record is the subject of order {clash} and the other protected by it."})
    already = set(db.session.scalars(sa.select(protected.order_id).where(protected.person_id == into_id)))
    both = [order_id for order_id in protecting if order_id in already]
    moving = [order_id for order_id in protecting if order_id not in already]
    if subject_of:
        db.session.execute(
            sa.update(Order)
            .where(Order.id.in_(subject_of))
            .values(subject_id=into_id, version_id=Order.version_id + 1)
            .execution_options(synchronize_session=False)
        )
    if moving:
        db.session.execute(
            sa.update(order_protected_persons)
            .where(protected.person_id == from_id, protected.order_id.in_(moving))
            .values(person_id=into_id)
        )
    return {"subject_of": subject_of, "protected_by": moving, "protected_by_both": both}


def _on_persons_unmerged(merge, *, from_id: int, into_id: int, moved: dict | None, **_) -> None:
    moved = moved or {}
    if moved.get("subject_of"):
        db.session.execute(
            sa.update(Order)
            .where(Order.id.in_(moved["subject_of"]))
            .values(subject_id=from_id, version_id=Order.version_id + 1)
            .execution_options(synchronize_session=False)
        )
    protected = order_protected_persons.c
    if moved.get("protected_by"):
        db.session.execute(
            sa.update(order_protected_persons)
            .where(protected.person_id == into_id, protected.order_id.in_(moved["protected_by"]))
            .values(person_id=from_id)
        )


def _on_person_disposed(person_id: int, **_) -> dict:
    involving = sa.select(DAEvent.id).where(sa.or_(DAEvent.suspect_id == person_id, DAEvent.victim_id == person_id))
    cleared = db.session.execute(
        sa.update(Breach)
        .where(Breach.event_id.in_(involving), Breach.narrative != DISPOSED_NARRATIVE)
        .values(narrative=DISPOSED_NARRATIVE, version_id=Breach.version_id + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    notes = db.session.execute(
        sa.update(Order)
        .where(Order.subject_id == person_id, Order.notes.is_not(None))
        .values(notes=None, version_id=Order.version_id + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"breach_narratives": cleared, "order_notes": notes}


def connect_signals() -> None:
    signals.persons_merged.connect(_on_persons_merged)
    signals.persons_unmerged.connect(_on_persons_unmerged)
    signals.person_disposed.connect(_on_person_disposed)
