"""How victims answer for a person's records: a merge of two persons (contact preferences and log,
DASH, IDVA, visits, Hub responses and feedback move), its undo, and a disposal (free text and
contact details cleared). See app.signals for the contracts."""

import sqlalchemy as sa

from app import signals
from app.base import ValidationFailed, move_rows
from app.extensions import db
from app.victims.contacts.models import ContactPreferences, VictimContact
from app.victims.dash.models import DashAssessment
from app.victims.feedback.models import VictimFeedback
from app.victims.hub.models import HubResponse
from app.victims.idva.models import IdvaReferral
from app.victims.visits.models import VictimVisit

# (model, person column) for every victims row that names a person.
PERSON_COLUMNS = [
    (ContactPreferences, "person_id"),
    (VictimContact, "person_id"),
    (DashAssessment, "person_id"),
    (DashAssessment, "suspect_id"),
    (IdvaReferral, "person_id"),
    (VictimVisit, "person_id"),
    (HubResponse, "person_id"),
    (HubResponse, "suspect_id"),
    (VictimFeedback, "person_id"),
]
# Free text and contact details cleared when a person's record is disposed of, per model. A text a
# rule requires (the reason for a grade raised by judgement, for a referral made without consent)
# is replaced by REMOVED instead.
DISPOSED_TEXT = {
    ContactPreferences: ("safe_phone", "safe_email", "safe_times", "safe_word", "safety_plan_ref"),
    VictimContact: ("note",),
    DashAssessment: ("note",),
    IdvaReferral: ("note",),
    VictimVisit: ("injuries_detail", "note"),
    HubResponse: ("evidence_other", "note"),
    VictimFeedback: ("comment",),
}
REQUIRED_TEXT = {DashAssessment: "judgement_reason", IdvaReferral: "consent_note"}
REMOVED = "(removed when the record was disposed of after a MoPI review)"


def _key(model, column: str) -> str:
    return f"{model.__tablename__}.{column}"


def _ids(model, column: str, person_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).where(getattr(model, column) == person_id)))


def _refuse_clashes(from_id: int, into_id: int) -> None:
    """A merge that would break one of victims' rules is refused before anything moves."""
    both = (from_id, into_id)
    held = db.session.scalar(sa.select(sa.func.count()).where(ContactPreferences.person_id.in_(both)))
    if held > 1:
        raise ValidationFailed(
            {"merge": "Both records hold a victim's contact preferences: agree them on the record you keep first."}
        )
    days = db.session.scalars(
        sa.select(VictimFeedback.case_closed_on)
        .where(VictimFeedback.person_id.in_(both))
        .group_by(VictimFeedback.case_closed_on)
        .having(sa.func.count() > 1)
    ).first()
    if days is not None:
        raise ValidationFailed({"merge": f"Both records hold victim feedback for the case closed on {days:%d %b %Y}."})
    for model in (DashAssessment, HubResponse):
        crossed = db.session.scalar(
            sa.select(model.ref).where(
                sa.or_(
                    sa.and_(model.person_id == from_id, model.suspect_id == into_id),
                    sa.and_(model.person_id == into_id, model.suspect_id == from_id),
                )
            )
        )
        if crossed:
            raise ValidationFailed({"merge": f"{crossed} names one record as the victim and the other as the suspect."})


def _on_persons_merged(merge, *, from_id: int, into_id: int, **_) -> dict:
    _refuse_clashes(from_id, into_id)
    moved = {}
    for model, column in PERSON_COLUMNS:
        ids = _ids(model, column, from_id)
        move_rows(model, column, ids, into_id)
        moved[_key(model, column)] = ids
    return moved


def _on_persons_unmerged(merge, *, from_id: int, moved: dict | None, **_) -> None:
    for model, column in PERSON_COLUMNS:
        move_rows(model, column, (moved or {}).get(_key(model, column), []), from_id)


def _on_person_disposed(person_id: int, **_) -> dict:
    cleared = {}
    for model, columns in DISPOSED_TEXT.items():
        held = sa.or_(*(getattr(model, column).is_not(None) for column in columns))
        count = db.session.execute(
            sa.update(model)
            .where(model.person_id == person_id, held)
            .values(dict.fromkeys(columns))
            .execution_options(synchronize_session=False)
        ).rowcount
        if count:
            cleared[model.__tablename__] = count
    for model, column in REQUIRED_TEXT.items():
        count = db.session.execute(
            sa.update(model)
            .where(model.person_id == person_id, getattr(model, column).is_not(None))
            .values({column: REMOVED})
            .execution_options(synchronize_session=False)
        ).rowcount
        if count:
            cleared[f"{model.__tablename__}.{column}"] = count
    return cleared


def connect_signals() -> None:
    signals.persons_merged.connect(_on_persons_merged)
    signals.persons_unmerged.connect(_on_persons_unmerged)
    signals.person_disposed.connect(_on_person_disposed)
