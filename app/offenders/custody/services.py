"""Custody periods: recorded and corrected on the profile, or written by the import; every change
audited with before and after values, and the person re-scored at once (time inside does not age
their events under scoring model v2, and the target list hides persons in custody)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import EditConflict, ValidationFailed, id_list, local_today, today, utcnow
from app.extensions import db
from app.offenders.custody.models import CUSTODY_KINDS, CustodyPeriod
from app.offenders.models import Person

CUSTODY_EDITABLE = ("custody_from", "custody_to", "kind", "expected_release_on", "note")
MAX_NOTE = 2000


@dataclass(frozen=True)
class Span:
    """A period as the overlap check sees it: from (inclusive) to (exclusive; None = still in)."""

    starts_on: date
    ends_on: date | None
    label: str = ""


def overlapping(first: Span, second: Span) -> bool:
    """Whether two periods share a day (a period covers custody_from <= x < custody_to)."""
    first_ends_after = first.ends_on is None or second.starts_on < first.ends_on
    second_ends_after = second.ends_on is None or first.starts_on < second.ends_on
    return first_ends_after and second_ends_after


def describe(span: Span) -> str:
    to = f"to {span.ends_on:%d %b %Y}" if span.ends_on else "still in custody"
    return f"{span.starts_on:%d %b %Y} {to}"


def check_values(values: dict, *, now: date | None = None) -> dict[str, str]:
    """The field-by-field rules of a custody period, shared by the form and the import."""
    now = now or today()
    errors: dict[str, str] = {}
    start, end = values.get("custody_from"), values.get("custody_to")
    release = values.get("expected_release_on")
    if start is None:
        errors["custody_from"] = "Enter the date custody began."
    elif start > now:
        errors["custody_from"] = "The date custody began cannot be in the future."
    elif start.year < 1900:
        errors["custody_from"] = "The date custody began must be after 1900."
    if end is not None:
        if end > now:
            errors["custody_to"] = (
                "The date of release cannot be in the future: leave it empty while the person is in custody "
                "and give the expected release date instead."
            )
        elif start is not None and end < start:
            errors["custody_to"] = f"The date of release is before custody began ({start:%d %b %Y})."
    if release is not None and start is not None and release < start:
        errors["expected_release_on"] = f"The expected release is before custody began ({start:%d %b %Y})."
    if values.get("kind") not in CUSTODY_KINDS:
        errors["kind"] = "Choose remand, sentence or recall."
    if values.get("note") and len(values["note"]) > MAX_NOTE:
        errors["note"] = f"Use at most {MAX_NOTE:,} characters."
    return errors


def periods_of(person: Person) -> list[CustodyPeriod]:
    """The person's custody periods, the latest first."""
    return list(
        db.session.scalars(
            sa.select(CustodyPeriod)
            .where(CustodyPeriod.person_id == person.id)
            .order_by(CustodyPeriod.custody_from.desc(), CustodyPeriod.id.desc())
        )
    )


def period_covering(periods: list[CustodyPeriod], day: date) -> CustodyPeriod | None:
    return next((p for p in periods if p.covers(day)), None)


def in_custody_on(day: date):
    """A query of the ids of persons in custody on a day."""
    return sa.select(CustodyPeriod.person_id).where(
        CustodyPeriod.custody_from <= day,
        sa.or_(CustodyPeriod.custody_to.is_(None), CustodyPeriod.custody_to > day),
    )


def periods_covering(person_ids, day: date) -> dict[int, CustodyPeriod]:
    """{person id: their period covering the day} for the persons in custody on it."""
    if not person_ids:
        return {}
    query = sa.select(CustodyPeriod).where(
        CustodyPeriod.person_id.in_(id_list("persons", person_ids)),
        CustodyPeriod.custody_from <= day,
        sa.or_(CustodyPeriod.custody_to.is_(None), CustodyPeriod.custody_to > day),
    )
    return {period.person_id: period for period in db.session.scalars(query)}


def _overlap_error(person_id: int, values: dict, exclude_id: int | None) -> dict[str, str]:
    mine = Span(values["custody_from"], values.get("custody_to"))
    others = db.session.scalars(
        sa.select(CustodyPeriod).where(CustodyPeriod.person_id == person_id, CustodyPeriod.id != (exclude_id or -1))
    )
    for other in others:
        theirs = Span(other.custody_from, other.custody_to)
        if overlapping(mine, theirs):
            return {
                "custody_from"
                if other.custody_from <= mine.starts_on
                else "custody_to": f"This period overlaps the one recorded {describe(theirs)}: one person's "
                "periods in custody cannot overlap. Correct that one, or these dates."
            }
    return {}


def _snapshot(period: CustodyPeriod) -> dict:
    return audit.snapshot(period, CUSTODY_EDITABLE)


def _rescore(person_id: int, actor: Actor | None) -> None:
    signals.scoring_facts_changed.send(person_id, trigger="custody", actor=actor, as_of=local_today())


def record_period(person: Person, values: dict, *, actor: Actor | None = None) -> CustodyPeriod:
    """Record a custody period for the person (source "manual"); re-scores them in the same transaction."""
    errors = check_values(values)
    if not errors:
        errors = _overlap_error(person.id, values, None)
    if errors:
        raise ValidationFailed(errors)
    period = CustodyPeriod(person_id=person.id, source="manual")
    for name in CUSTODY_EDITABLE:
        setattr(period, name, values.get(name) or None)
    db.session.add(period)
    audit.record(
        "create",
        f"recorded custody for person {person.ref}: {describe(Span(period.custody_from, period.custody_to))}",
        object_type="custody_period",
        object_ref=person.ref,
        data=audit.changes({}, _snapshot(period)),
        actor=actor,
    )
    try:
        db.session.flush()
        _rescore(person.id, actor)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"custody_from": "A period starting on this day was just recorded."}) from exc
    return period


def update_period(period: CustodyPeriod, values: dict, *, expected_version: int, actor: Actor | None = None) -> dict:
    """Correct a custody period (a release date, an expected release); returns the changes made."""
    if period.version_id != expected_version:
        raise EditConflict()
    errors = check_values(values)
    if not errors:
        errors = _overlap_error(period.person_id, values, period.id)
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(period)
    for name in CUSTODY_EDITABLE:
        setattr(period, name, values.get(name) or None)
    diff = audit.changes(before, _snapshot(period))
    if not diff:
        db.session.rollback()
        return {}
    person = db.session.get(Person, period.person_id)
    audit.record(
        "update",
        f"changed custody of person {person.ref} ({describe(Span(period.custody_from, period.custody_to))})",
        object_type="custody_period",
        object_ref=person.ref,
        data=diff,
        actor=actor,
    )
    try:
        db.session.flush()
        _rescore(period.person_id, actor)
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"custody_from": "Another period of this person starts on this day."}) from exc
    return diff


def mark_release_task(period: CustodyPeriod, release_on: date) -> None:
    """Note that a pre-release task was asked for this expected release day (the job asks once)."""
    db.session.execute(
        sa.update(CustodyPeriod)
        .where(CustodyPeriod.id == period.id)
        .values(release_task_for=release_on)
        .execution_options(synchronize_session=False)
    )


def releases_between(first: date, last: date) -> list[CustodyPeriod]:
    """Periods still open whose expected release falls from `first` to `last` and for which no
    pre-release task has been asked for that day yet."""
    return list(
        db.session.scalars(
            sa.select(CustodyPeriod)
            .where(
                CustodyPeriod.custody_to.is_(None),
                CustodyPeriod.expected_release_on.between(first, last),
                sa.or_(
                    CustodyPeriod.release_task_for.is_(None),
                    CustodyPeriod.release_task_for != CustodyPeriod.expected_release_on,
                ),
            )
            .order_by(CustodyPeriod.expected_release_on, CustodyPeriod.id)
        )
    )


def releases_due(first: date, days: int) -> int:
    """How many persons still in custody are expected out from `first` to `days` days after it."""
    return db.session.scalar(
        sa.select(sa.func.count(CustodyPeriod.id)).where(
            CustodyPeriod.custody_to.is_(None),
            CustodyPeriod.expected_release_on.between(first, first + timedelta(days=days)),
        )
    )


# ---- the import's side (custody.csv, checked whole by app.imports) -------------------------------


def held_spans(person_ids) -> dict[int, dict[date, Span]]:
    """{person id: {custody_from: Span}} of the periods held for some persons."""
    held: dict[int, dict[date, Span]] = {}
    if not person_ids:
        return held
    for pid, start, end in db.session.execute(
        sa.select(CustodyPeriod.person_id, CustodyPeriod.custody_from, CustodyPeriod.custody_to).where(
            CustodyPeriod.person_id.in_(id_list("persons", person_ids))
        )
    ):
        held.setdefault(pid, {})[start] = Span(start, end, "held")
    return held


def write_imported(rows: list[dict]) -> tuple[Counter, dict, set[int]]:
    """Write checked custody.csv rows keyed on (person, custody_from): new periods in bulk, changed
    ones updated. Returns (counts, {key: changes} of updated periods, ids of the persons touched)."""
    counts = Counter(rows=len(rows))
    changes: dict[str, dict] = {}
    touched: set[int] = set()
    held = {
        (p.person_id, p.custody_from): p
        for p in db.session.scalars(
            sa.select(CustodyPeriod).where(
                CustodyPeriod.person_id.in_(id_list("persons", {r["person_id"] for r in rows}))
            )
        )
    }
    now, new = utcnow(), []
    fields = ("custody_to", "kind", "expected_release_on")
    for row in rows:
        period = held.get((row["person_id"], row["custody_from"]))
        if period is None:
            new.append(
                {
                    "person_id": row["person_id"],
                    "custody_from": row["custody_from"],
                    **{name: row[name] for name in fields},
                    "source": "import",
                    "version_id": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            touched.add(row["person_id"])
            continue
        before = {name: getattr(period, name) for name in fields}
        after = {name: row[name] for name in fields}
        if before == after:
            counts["unchanged"] += 1
            continue
        for name, value in after.items():
            setattr(period, name, value)
        changes[f"{row['person_ref']}/{row['custody_from'].isoformat()}"] = audit.changes(
            audit.jsonable(before), audit.jsonable(after)
        )
        touched.add(row["person_id"])
        counts["updated"] += 1
    for start in range(0, len(new), 5000):
        db.session.execute(sa.insert(CustodyPeriod).execution_options(render_nulls=True), new[start : start + 5000])
    counts["created"] = len(new)
    db.session.flush()
    return counts, changes, touched
