"""Victim feedback: recorded by staff with the victim's consent after their case closed, and shown
only as figures per quarter and district, never with names.

A group of fewer than five answers shows its number only: no shares and no comments, since a few
answers from one district in one quarter could point to the person who gave them. The audit
entry of a new answer names the victim (who recorded what, and when) but never their answers.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed, local_today
from app.extensions import db
from app.offenders.models import Person
from app.victims.common import MAX_TEXT, check_date, text_field
from app.victims.feedback.models import FEEDBACK_ANSWERS, REPORT_AGAIN_ANSWERS, VictimFeedback

SMALLEST_GROUP = 5
NO_DISTRICT = "No district recorded"


@dataclass
class FeedbackInput:
    consent: bool | None
    case_closed_on: date | None
    recorded_on: date | None
    listened: str | None
    safer: str | None
    report_again: str | None
    comment: str | None = None


def record_feedback(person: Person, values: FeedbackInput, *, actor: Actor) -> VictimFeedback:
    """Record the victim's answers; ValidationFailed (nothing written) if anything is wrong."""
    errors: dict[str, str] = {}
    if not values.consent:
        errors["consent"] = "Feedback is recorded only with the victim's consent: confirm they gave it."
    check_date(errors, "case_closed_on", values.case_closed_on, "the date the case closed")
    check_date(errors, "recorded_on", values.recorded_on, "the date of the feedback")
    if (
        values.case_closed_on
        and values.recorded_on
        and "recorded_on" not in errors
        and "case_closed_on" not in errors
        and values.recorded_on < values.case_closed_on
    ):
        errors["recorded_on"] = "Feedback is asked for after the case has closed: check both dates."
    if values.listened not in FEEDBACK_ANSWERS:
        errors["listened"] = "Choose whether they felt listened to."
    if values.safer not in FEEDBACK_ANSWERS:
        errors["safer"] = "Choose whether they felt safer."
    if values.report_again not in REPORT_AGAIN_ANSWERS:
        errors["report_again"] = "Choose whether they would report again."
    comment = text_field(errors, "comment", values.comment, MAX_TEXT, "the comment")
    if values.case_closed_on and not errors:
        held = db.session.scalar(
            sa.select(VictimFeedback.id).where(
                VictimFeedback.person_id == person.id, VictimFeedback.case_closed_on == values.case_closed_on
            )
        )
        if held is not None:
            errors["case_closed_on"] = "Feedback about the case that closed on this day is already recorded."
    if errors:
        db.session.rollback()
        raise ValidationFailed(errors)
    feedback = VictimFeedback(
        person_id=person.id,
        case_closed_on=values.case_closed_on,
        recorded_on=values.recorded_on,
        consent=True,
        listened=values.listened,
        safer=values.safer,
        report_again=values.report_again,
        comment=comment,
        district=person.district,
        recorded_by_id=actor.user_id,
    )
    db.session.add(feedback)
    db.session.flush()
    audit.record(
        "create",
        f"recorded victim feedback from {person.ref} (case closed {values.case_closed_on:%d %b %Y})",
        object_type="victim_feedback",
        object_ref=str(feedback.id),
        data={"person": person.ref, "recorded_on": values.recorded_on},  # never the answers
        actor=actor,
    )
    db.session.commit()
    return feedback


def feedback_dates(person: Person) -> list[date]:
    """When feedback was recorded from this victim (the answers are shown only in aggregate)."""
    return list(
        db.session.scalars(
            sa.select(VictimFeedback.recorded_on)
            .where(VictimFeedback.person_id == person.id)
            .order_by(VictimFeedback.recorded_on.desc())
        )
    )


# ---- figures ------------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


@dataclass
class FeedbackGroup:
    year: int
    quarter: int
    district: str
    answers: int = 0
    listened: int = 0
    safer: int = 0
    report_again: int = 0
    comments: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def shown(self) -> bool:
        return self.answers >= SMALLEST_GROUP

    def share(self, name: str) -> float | None:
        return getattr(self, name) / self.answers if self.shown else None


def figures(*, quarters: int = 4, as_of: date | None = None, actor: Actor) -> list[FeedbackGroup]:
    """Feedback per quarter (of the day it was recorded) and district, newest quarter first: how many
    answered, and the shares who felt listened to, felt safer and would report again ("yes")."""
    as_of = as_of or local_today()
    year, quarter = quarter_of(as_of)
    first_month = (quarter - 1) * 3 + 1 - 3 * (quarters - 1)
    first_year = year + (first_month - 1) // 12
    since = date(first_year, (first_month - 1) % 12 + 1, 1)
    groups: dict[tuple, FeedbackGroup] = {}
    rows = db.session.execute(
        sa.select(
            VictimFeedback.recorded_on,
            VictimFeedback.district,
            VictimFeedback.listened,
            VictimFeedback.safer,
            VictimFeedback.report_again,
            VictimFeedback.comment,
        ).where(VictimFeedback.recorded_on.between(since, as_of))
    )
    for recorded_on, district, listened, safer, report_again, comment in rows:
        key = (*quarter_of(recorded_on), district or NO_DISTRICT)
        group = groups.setdefault(key, FeedbackGroup(*key))
        group.answers += 1
        group.listened += listened == "yes"
        group.safer += safer == "yes"
        group.report_again += report_again == "yes"
        if comment:
            group.comments.append(comment)
    for group in groups.values():
        group.comments = sorted(group.comments) if group.shown else []  # sorted: no order to trace back
    audit.record(
        "view",
        f"viewed victim feedback figures ({sum(g.answers for g in groups.values())} answers)",
        object_type="victim_feedback",
        data={"since": since, "as_of": as_of},
        actor=actor,
    )
    db.session.commit()
    return sorted(groups.values(), key=lambda g: (-g.year, -g.quarter, g.district))
