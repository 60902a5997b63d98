"""MoPI review (College of Policing APP "Retention, review and disposal"): each person record's review
group and when it is due, the recorded decisions (retain with a reason and a next review date, or
dispose), and disposal by anonymisation. Nothing is disposed of without a recorded decision.

Review groups come from the most serious offence of which the person is the suspect (the offence
catalogue's `review_group`):

| group | what | rule here |
|---|---|---|
| 1 | certain public protection matters | retained until the subject's 100th birthday; reviewed every 10 years |
| 2 | other sexual, violent or serious offences | reviewed after a 10-year clear period |
| 3 | other offences, and persons recorded only as victims or witnesses | reviewed after a 6-year clear period |

The clear period runs from the person's latest DA event (as suspect or victim: a record still in use
is not due). A retain decision sets the next review date; a later event restarts the clear period.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app import signals
from app.alerts.services import raise_alert
from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed, today
from app.catalogue import OffenceCategory
from app.extensions import db
from app.offenders.custody.models import CustodyPeriod
from app.offenders.merge.models import PersonMerge
from app.offenders.models import Address, DAEvent, Lever, Person, PersonAlias, PersonLink, WarningMarker
from app.offenders.retention.models import DECISIONS, ReviewDecision

GROUPS = {
    1: "Group 1: certain public protection matters",
    2: "Group 2: other sexual, violent or serious offences",
    3: "Group 3: other offences",
}
REVIEW_YEARS = {1: 10, 2: 10, 3: 6}
RETAIN_UNTIL_AGE = 100
MAX_REASON = 2000
DISPOSED_SURNAME, DISPOSED_FORENAMES = "Disposed", "Record"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class ReviewStatus:
    person_id: int
    ref: str
    group: int
    offence: str | None  # the most serious offence as suspect (None: victim or witness only)
    latest_event_on: date | None
    last_decision: ReviewDecision | None
    due_on: date
    date_of_birth: date | None

    @property
    def group_label(self) -> str:
        return GROUPS[self.group]

    @property
    def disposed(self) -> bool:
        return self.last_decision is not None and self.last_decision.decision == "dispose"

    def is_due(self, as_of: date) -> bool:
        return not self.disposed and self.due_on <= as_of

    def dispose_refusal(self, as_of: date) -> str | None:
        """Why the record may not be disposed of now, or None when it may."""
        if self.disposed:
            return "This record has already been disposed of."
        if self.group == 1:
            if self.date_of_birth is None:
                return "Group 1 records are kept until the subject's 100th birthday, and no date of birth is recorded."
            hundredth = add_years(self.date_of_birth, RETAIN_UNTIL_AGE)
            if hundredth > as_of:
                return f"Group 1 records are kept until the subject's 100th birthday ({hundredth:%d %b %Y})."
            return None
        if self.due_on > as_of:
            return f"The record is not due for review until {self.due_on:%d %b %Y}: its clear period has not run."
        return None


def _facts(person_ids=None):
    """(group and most serious offence as suspect, latest event, latest decision) per person."""
    ranked = (
        sa.select(
            DAEvent.suspect_id.label("person_id"),
            OffenceCategory.review_group,
            DAEvent.offence,
            sa.func.row_number()
            .over(
                partition_by=DAEvent.suspect_id,
                order_by=(OffenceCategory.review_group, OffenceCategory.harm_days.desc()),
            )
            .label("n"),
        )
        .join(OffenceCategory, OffenceCategory.code == DAEvent.offence)
        .subquery()
    )
    worst = {
        r.person_id: (r.review_group, r.offence) for r in db.session.execute(sa.select(ranked).where(ranked.c.n == 1))
    }
    latest: dict[int, date] = {}
    for column in (DAEvent.suspect_id, DAEvent.victim_id):
        for person_id, on in db.session.execute(sa.select(column, sa.func.max(DAEvent.occurred_on)).group_by(column)):
            latest[person_id] = max(on, latest.get(person_id, on))
    newest = sa.select(sa.func.max(ReviewDecision.id)).group_by(ReviewDecision.person_id)
    decisions = {
        d.person_id: d for d in db.session.scalars(sa.select(ReviewDecision).where(ReviewDecision.id.in_(newest)))
    }
    return worst, latest, decisions


def review_statuses(*, refs: list[str] | None = None) -> list[ReviewStatus]:
    """Every current person record's review status (merged-away duplicates left out)."""
    worst, latest, decisions = _facts()
    merged_away = sa.select(PersonMerge.from_person_id).where(PersonMerge.undone_at.is_(None))
    query = sa.select(Person.id, Person.ref, Person.date_of_birth, Person.created_at).where(
        Person.id.not_in(merged_away)
    )
    if refs is not None:
        query = query.where(Person.ref.in_(refs))
    out = []
    for person_id, ref, dob, created_at in db.session.execute(query):
        group, offence = worst.get(person_id, (3, None))
        base = latest.get(person_id) or created_at.date()
        due = add_years(base, REVIEW_YEARS[group])
        decision = decisions.get(person_id)
        if decision is not None and decision.next_review_on is not None:
            due = max(due, decision.next_review_on)
        out.append(ReviewStatus(person_id, ref, group, offence, latest.get(person_id), decision, due, dob))
    return out


def due_for_review(as_of: date) -> list[ReviewStatus]:
    """The records due a review on `as_of`, longest overdue first."""
    return sorted((s for s in review_statuses() if s.is_due(as_of)), key=lambda s: (s.due_on, s.ref))


def status_of(person: Person) -> ReviewStatus:
    return review_statuses(refs=[person.ref])[0]


def decisions_of(person: Person) -> list[ReviewDecision]:
    return list(
        db.session.scalars(
            sa.select(ReviewDecision).where(ReviewDecision.person_id == person.id).order_by(ReviewDecision.id.desc())
        )
    )


def record_decision(
    person: Person, decision: str, reason: str | None, next_review_on: date | None, *, actor: Actor, as_of=None
) -> ReviewDecision:
    """Record a review: retain (reason and next review date) or dispose (reason; the record is
    anonymised at once, in the same transaction)."""
    as_of = as_of or today()
    status = status_of(person)
    reason = (reason or "").strip()
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = "Choose whether to retain or dispose of the record."
    if not reason:
        errors["reason"] = "Give the reason for the decision."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Use at most {MAX_REASON} characters."
    if decision == "retain":
        latest = add_years(as_of, REVIEW_YEARS[status.group])
        if next_review_on is None:
            errors["next_review_on"] = "Enter the date of the next review."
        elif not as_of < next_review_on <= latest:
            errors["next_review_on"] = f"The next review must be after today and no later than {latest:%d %b %Y}."
    elif decision == "dispose":
        refusal = status.dispose_refusal(as_of)
        if refusal:
            errors["decision"] = refusal
        next_review_on = None
    if errors:
        raise ValidationFailed(errors)
    row = ReviewDecision(
        person_id=person.id,
        person_ref=person.ref,
        decision=decision,
        review_group=status.group,
        reason=reason,
        next_review_on=next_review_on,
        decided_by_id=actor.user_id,
        decided_by_name=actor.username,
    )
    db.session.add(row)
    cleared = anonymise(person, actor=actor) if decision == "dispose" else None
    audit.record(
        "dispose" if decision == "dispose" else "update",
        f"MoPI review of person {person.ref}: {DECISIONS[decision].lower()}",
        object_type="person",
        object_ref=person.ref,
        reason=reason,
        data={"review_group": status.group, "next_review_on": next_review_on, "cleared": cleared},
        actor=actor,
    )
    db.session.commit()
    return row


def anonymise(person: Person, *, actor: Actor) -> dict:
    """Strip what identifies the person; keep what counts need (events, their dates, offences and
    outcomes, orders, tasks, scores). Returns how much was cleared — counts only, no values."""
    cleared = {
        "aliases": _delete(PersonAlias, PersonAlias.person_id == person.id),
        "addresses": _delete(Address, Address.person_id == person.id),
        "warning_markers": _delete(WarningMarker, WarningMarker.person_id == person.id),
        "event_narratives": _clear(
            DAEvent, "narrative", sa.or_(DAEvent.suspect_id == person.id, DAEvent.victim_id == person.id)
        ),
        "lever_details": _clear(Lever, "detail", Lever.person_id == person.id),
        "relationship_notes": _clear(
            PersonLink, "note", sa.or_(PersonLink.person_a_id == person.id, PersonLink.person_b_id == person.id)
        ),
        "custody_notes": _clear(CustodyPeriod, "note", CustodyPeriod.person_id == person.id),
    }
    person.surname, person.forenames = DISPOSED_SURNAME, DISPOSED_FORENAMES
    person.date_of_birth = person.pnc_id = None
    db.session.flush()
    for _receiver, answer in signals.person_disposed.send(person.id, actor=actor):
        cleared.update(answer or {})
    db.session.expire(person, ["aliases", "addresses", "markers"])
    return cleared


def _delete(model, where) -> int:
    return db.session.execute(sa.delete(model).where(where).execution_options(synchronize_session=False)).rowcount


def _clear(model, column: str, where) -> int:
    field = getattr(model, column)
    values = {column: None}
    if hasattr(model, "version_id"):
        values["version_id"] = model.version_id + 1
    query = sa.update(model).where(where, field.is_not(None)).values(**values)
    return db.session.execute(query.execution_options(synchronize_session=False)).rowcount


def raise_review_alerts(as_of: date, *, actor: Actor) -> int:
    """Alert analysts to each record that falls due for its MoPI review (once per record and due date)."""
    raised = 0
    for status in due_for_review(as_of):
        raised += (
            raise_alert(
                kind="record_review",
                object_type="person",
                object_ref=status.ref,
                due_on=status.due_on,
                message=f"Person {status.ref} ({status.group_label.lower()}) is due a MoPI review: retain or dispose.",
                role="analyst",
            )
            is not None
        )
    audit.record("create", f"{raised} record-review alert(s) raised", object_type="alert", actor=actor)
    db.session.commit()
    return raised
