"""How referrals answer for a person's records: whether a record is in the user's own open referrals
(no reason asked to open it), a merge of two persons (programme, forum and Clare's Law records move),
its undo, and a disposal (referral notes removed). See app.signals for the contracts."""

import sqlalchemy as sa

from app import signals
from app.base import ValidationFailed, move_rows
from app.extensions import db
from app.offenders.models import Person
from app.referrals.clares_law.models import ClareCase
from app.referrals.forums.models import ForumReferral
from app.referrals.programmes.models import OPEN_STATES, AttendanceNote, ProgrammeReferral

# (model, person column) for every referral row that names a person.
PERSON_COLUMNS = [
    (ProgrammeReferral, "person_id"),
    (ForumReferral, "person_at_risk_id"),
    (ForumReferral, "perpetrator_id"),
    (ClareCase, "subject_id"),
    (ClareCase, "person_at_risk_id"),
]


def _key(model, column: str) -> str:
    return f"{model.__tablename__}.{column}"


def _on_consultation_exempt(object_type: str, *, object_ref: str, user, **_) -> str | None:
    if object_type != "person" or not getattr(user, "id", None):
        return None
    held = db.session.scalar(
        sa.select(ProgrammeReferral.ref)
        .join(Person, Person.id == ProgrammeReferral.person_id)
        .where(
            Person.ref == object_ref,
            ProgrammeReferral.created_by_id == user.id,
            ProgrammeReferral.state.in_(OPEN_STATES),
        )
        .limit(1)
    )
    return f"in the user's open referral {held}" if held else None


def _on_persons_merged(merge, *, from_id: int, into_id: int, **_) -> dict:
    open_refs = list(
        db.session.scalars(
            sa.select(ProgrammeReferral.ref).where(
                ProgrammeReferral.person_id.in_((from_id, into_id)), ProgrammeReferral.state.in_(OPEN_STATES)
            )
        )
    )
    if len(open_refs) > 1:
        raise ValidationFailed(
            {"merge": f"Both records have an open programme referral ({', '.join(open_refs)}): close one first."}
        )
    moved = {}
    for model, column in PERSON_COLUMNS:
        ids = list(db.session.scalars(sa.select(model.id).where(getattr(model, column) == from_id)))
        move_rows(model, column, ids, into_id)
        moved[_key(model, column)] = ids
    return moved


def _on_persons_unmerged(merge, *, from_id: int, moved: dict | None, **_) -> None:
    for model, column in PERSON_COLUMNS:
        move_rows(model, column, (moved or {}).get(_key(model, column), []), from_id)


def _on_person_disposed(person_id: int, **_) -> dict:
    referrals = list(db.session.scalars(sa.select(ProgrammeReferral).where(ProgrammeReferral.person_id == person_id)))
    for referral in referrals:
        referral.note = referral.screening_notes = None
    notes = db.session.execute(
        sa.update(AttendanceNote)
        .where(AttendanceNote.referral_id.in_([r.id for r in referrals]), AttendanceNote.note.is_not(None))
        .values(note=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    forums = list(
        db.session.scalars(
            sa.select(ForumReferral).where(
                sa.or_(ForumReferral.person_at_risk_id == person_id, ForumReferral.perpetrator_id == person_id)
            )
        )
    )
    for forum in forums:
        forum.reason = forum.actions = None
    return {"programme_referral_notes": len(referrals) + notes, "forum_referral_texts": len(forums)}


def connect_signals() -> None:
    signals.consultation_exempt.connect(_on_consultation_exempt)
    signals.persons_merged.connect(_on_persons_merged)
    signals.persons_unmerged.connect(_on_persons_unmerged)
    signals.person_disposed.connect(_on_person_disposed)
