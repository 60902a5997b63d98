"""The order register: create, correct, vary and revoke orders; lists; the protection gap.

Every change is checked here (not in the routes) and audited with its before and after values in
the same transaction. Breach logging lives in `app.orders.breaches.services`.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import (
    ACHILLES_REF_PREFIX,
    REF_PATTERN,
    EditConflict,
    ValidationFailed,
    assign_ref,
    local_date,
    local_today,
    placeholder_ref,
    utcnow,
)
from app.catalogue import OrderType
from app.extensions import db
from app.offenders.models import Person, PersonAlias
from app.orders.models import Breach, Order, OrderCondition, breach_conditions, order_protected_persons

# References made by Achilles start with this; the import refuses it, so the two never collide.
ORDER_REF_PREFIX = "ACH-O-"
# Path words of the orders pages: an order may not be called by one of them.
RESERVED_REFS = {"new", "expiring", "log-breach", "breaches"}

DVPO = "dvpo"
# Crime and Security Act 2010 s.28(10): a DVPO is in force for 14 to 28 days, counting the day made.
DVPO_MIN_DAYS, DVPO_MAX_DAYS = 14, 28
PROTECTION_GAP_DAYS = 7
ORDER_FIELDS = (
    "order_type",
    "subject_ref",
    "protected_refs",
    "made_on",
    "served_on",
    "starts_on",
    "ends_on",
    "revoked_on",
    "court",
    "power_of_arrest",
    "notes",
    "conditions",
)


# ---- reading ------------------------------------------------------------------------------------


def get_order(ref: str) -> Order | None:
    return db.session.scalar(
        sa.select(Order)
        .where(Order.ref == ref)
        .options(selectinload(Order.protected_persons), selectinload(Order.conditions))
    )


def in_force_clause(day: date):
    return sa.and_(
        Order.starts_on <= day,
        sa.or_(Order.revoked_on.is_(None), Order.revoked_on > day),
        sa.or_(Order.ends_on.is_(None), Order.ends_on >= day),
    )


def order_type_labels() -> dict[str, str]:
    return dict(db.session.execute(sa.select(OrderType.code, OrderType.label).order_by(OrderType.label)).all())


@dataclass
class OrderFilters:
    status: str = "in_force"  # in_force | all | ended
    ending_within: int | None = None
    order_type: str | None = None
    district: str | None = None
    q: str | None = None

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _name_match(words: list[str]):
    """Every word matches the subject's surname, forenames or an alias (case-insensitive on both engines)."""
    conditions = []
    for word in words:
        pattern = f"%{word.lower()}%"
        alias = sa.select(PersonAlias.id).where(
            PersonAlias.person_id == Person.id,
            sa.or_(
                sa.func.lower(PersonAlias.surname).like(pattern), sa.func.lower(PersonAlias.forenames).like(pattern)
            ),
        )
        conditions.append(
            sa.or_(
                sa.func.lower(Person.surname).like(pattern),
                sa.func.lower(Person.forenames).like(pattern),
                alias.exists(),
            )
        )
    return sa.and_(*conditions)


def search_orders(
    filters: OrderFilters, *, as_of: date | None = None, page: int = 1, per_page: int = 50, actor: Actor | None = None
) -> tuple[list[Order], int]:
    """Orders matching the filters (soonest end first), one page, and the total; the search is audited."""
    as_of = as_of or local_today()
    query = sa.select(Order).join(Person, Person.id == Order.subject_id)
    if filters.status == "in_force":
        query = query.where(in_force_clause(as_of))
    elif filters.status == "ended":
        query = query.where(sa.not_(in_force_clause(as_of)), Order.starts_on <= as_of)
    if filters.ending_within is not None:
        query = query.where(in_force_clause(as_of), Order.ends_on <= as_of + timedelta(days=filters.ending_within))
    if filters.order_type:
        query = query.where(Order.order_type == filters.order_type)
    if filters.district:
        query = query.where(Person.district == filters.district)
    if filters.q:
        text = filters.q.strip()
        query = query.where(
            sa.or_(
                sa.func.lower(Order.ref).like(f"%{text.lower()}%"),
                sa.func.lower(Person.ref) == text.lower(),
                _name_match(text.split()),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    orders = list(
        db.session.scalars(
            query.options(selectinload(Order.subject), selectinload(Order.protected_persons))
            .order_by(Order.ends_on.is_(None), Order.ends_on, Order.ref)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    audit.record(
        "search",
        f"searched orders ({total} found)",
        object_type="order",
        data={"filters": filters.describe(), "page": page, "found": total},
        actor=actor,
    )
    db.session.commit()
    return orders, total


def view_order(
    order: Order, *, actor: Actor | None = None, purpose: str | None = None, reason: str | None = None
) -> None:
    """Record the consultation of an order (its page, or a form that shows it), with the reason given."""
    summary = f"viewed order {order.ref}" + (f" ({purpose})" if purpose else "")
    audit.record("view", summary, object_type="order", object_ref=order.ref, reason=reason, actor=actor)
    db.session.commit()


def describe(order: Order) -> dict[str, str]:
    """The order's saved values in words, to show beside a user's own entries after a conflict."""

    def day(value):
        return f"{value:%d %b %Y}" if value else "—"

    return {
        "Type of order": order.type.label,
        "Subject": f"{order.subject.full_name} ({order.subject.ref})",
        "Protected persons": ", ".join(f"{p.full_name} ({p.ref})" for p in order.protected_persons) or "—",
        "Date made": day(order.made_on),
        "Date served": day(order.served_on),
        "Start date": day(order.starts_on),
        "End date": day(order.ends_on) if order.ends_on else "Until further order",
        "Revoked": day(order.revoked_on) if order.revoked_on else "No",
        "Court": order.court or "—",
        "Power of arrest": "Yes" if order.power_of_arrest else "No",
        "Conditions": "; ".join(f"{c.number}. {c.text}" for c in order.conditions),
        "Notes": order.notes or "—",
    }


def breach_days(order: Order) -> list[tuple[str, date]]:
    """(breach ref, UK day it happened) of each breach logged against the order, earliest first."""
    if order.id is None:
        return []
    rows = db.session.execute(
        sa.select(Breach.ref, Breach.occurred_at).where(Breach.order_id == order.id).order_by(Breach.occurred_at)
    ).all()
    return [(ref, local_date(at)) for ref, at in rows]


def breached_condition_numbers(order: Order) -> set[int]:
    if order.id is None:
        return set()
    return set(
        db.session.scalars(
            sa.select(OrderCondition.number)
            .join(breach_conditions, breach_conditions.c.condition_id == OrderCondition.id)
            .where(OrderCondition.order_id == order.id)
        )
    )


def order_history(order: Order) -> list[AuditEntry]:
    """The changes made to the order (created, corrected, varied, revoked), oldest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.object_type == "order",
                AuditEntry.object_ref == order.ref,
                AuditEntry.action.in_(("create", "update")),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )


# ---- checking and writing -----------------------------------------------------------------------


@dataclass
class OrderInput:
    """What a user (or a caller) gives for an order. Person references, not ids."""

    order_type: str
    subject_ref: str
    protected_refs: list[str]
    starts_on: date
    ends_on: date | None = None
    made_on: date | None = None
    served_on: date | None = None
    court: str | None = None
    power_of_arrest: bool = False
    notes: str | None = None
    ref: str | None = None
    # Texts of the order's existing conditions by number; an empty text removes the condition.
    condition_texts: dict[int, str] = field(default_factory=dict)
    # New conditions, numbered after the highest existing number.
    new_conditions: list[str] = field(default_factory=list)
    confirmed: bool = False


def split_refs(text: str | None) -> list[str]:
    refs = []
    for part in re.split(r"[\s,;]+", text or ""):
        if part and part not in refs:
            refs.append(part)
    return refs


def split_conditions(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def dvpo_days(starts_on: date, ends_on: date) -> int:
    return (ends_on - starts_on).days + 1


def _persons_by_ref(refs: list[str]) -> dict[str, Person]:
    if not refs:
        return {}
    return {p.ref: p for p in db.session.scalars(sa.select(Person).where(Person.ref.in_(refs)))}


def _check_ref(values: OrderInput, errors: dict) -> None:
    if not values.ref:
        return
    if not REF_PATTERN.match(values.ref):
        errors["ref"] = "Use letters, digits and / _ . - only (up to 64 characters), starting with a letter or digit."
    elif values.ref.upper().startswith(ACHILLES_REF_PREFIX):
        errors["ref"] = f"References starting {ACHILLES_REF_PREFIX} are given by Achilles. Leave it blank for one."
    elif values.ref.lower() in RESERVED_REFS or values.ref.lower().startswith("breaches/"):
        errors["ref"] = f"{values.ref!r} cannot be used as an order reference."
    elif db.session.scalar(sa.select(Order.id).where(Order.ref == values.ref)):
        errors["ref"] = f"An order with reference {values.ref} is already recorded."


def _check_people(values: OrderInput, errors: dict) -> tuple[Person | None, list[Person]]:
    people = _persons_by_ref([values.subject_ref, *values.protected_refs])
    subject = people.get(values.subject_ref)
    if subject is None:
        errors["subject_ref"] = f"No person with reference {values.subject_ref!r} is recorded."
    unknown = [ref for ref in values.protected_refs if ref not in people]
    protected = [people[ref] for ref in values.protected_refs if ref in people]
    if not values.protected_refs:
        errors["protected_refs"] = "Enter the person reference of at least one protected person."
    elif unknown:
        errors["protected_refs"] = f"No person is recorded with reference {', '.join(unknown)}."
    elif values.subject_ref in values.protected_refs:
        errors["protected_refs"] = "The subject of the order cannot also be a person it protects."
    return subject, protected


def _check_dates(values: OrderInput, errors: dict) -> None:
    now = local_today()
    if values.made_on and values.made_on > now:
        errors["made_on"] = "The date made cannot be in the future."
    if values.served_on:
        if values.served_on > now:
            errors["served_on"] = "The date served cannot be in the future."
        elif values.made_on and values.served_on < values.made_on:
            errors["served_on"] = "The order cannot be served before the date it was made."
    if values.made_on and values.starts_on < values.made_on:
        errors["starts_on"] = "The order cannot start before the date it was made."
    if values.ends_on is not None and values.ends_on < values.starts_on:
        errors["ends_on"] = (
            f"The end date ({values.ends_on:%d %b %Y}) is before the start date ({values.starts_on:%d %b %Y})."
        )


def _check_against_breaches(values: OrderInput, order: Order, errors: dict) -> None:
    """Breaches already logged stay true to the order they were logged against."""
    logged = breach_days(order)
    if not logged:
        return
    if values.subject_ref != order.subject.ref:
        errors["subject_ref"] = "Breaches are logged against this order, so its subject cannot be changed."
    if values.order_type != order.order_type:
        errors["order_type"] = "Breaches are logged against this order, so its type cannot be changed."
    first_ref, first_day = logged[0]
    last_ref, last_day = logged[-1]
    if values.starts_on > first_day and "starts_on" not in errors:
        errors["starts_on"] = (
            f"Breach {first_ref} was logged on {first_day:%d %b %Y}, so the order must start on or before that day."
        )
    if values.ends_on is not None and values.ends_on < last_day and "ends_on" not in errors:
        errors["ends_on"] = (
            f"Breach {last_ref} was logged on {last_day:%d %b %Y}, so the order must end on or after that day."
        )


def _dvpo_warning(values: OrderInput, warnings: dict) -> None:
    if values.ends_on is None:
        warnings["ends_on"] = f"A DVPO lasts {DVPO_MIN_DAYS} to {DVPO_MAX_DAYS} days, but this one has no end date."
        return
    days = dvpo_days(values.starts_on, values.ends_on)
    if not DVPO_MIN_DAYS <= days <= DVPO_MAX_DAYS:
        warnings["ends_on"] = (
            f"A DVPO lasts {DVPO_MIN_DAYS} to {DVPO_MAX_DAYS} days (counting the day it starts), "
            f"but these dates give {days} day{'s' if days != 1 else ''}."
        )


def _check_conditions(values: OrderInput, order: Order | None, errors: dict) -> dict[int, str]:
    """{number: text} of the conditions after the change. Numbers never change once given; a
    breached condition stays as it is."""
    existing = {c.number: c for c in order.conditions} if order is not None else {}
    breached = breached_condition_numbers(order) if order is not None else set()
    kept: dict[int, str] = {}
    for number, condition in existing.items():
        text = (values.condition_texts.get(number, condition.text) or "").strip()
        if number in breached and text != condition.text:
            errors["conditions"] = (
                f"Condition {number} has a breach logged against it, so it cannot be changed or removed. "
                "Record the court's change in the notes."
            )
        if text:
            kept[number] = text
    new_texts = [t.strip() for t in values.new_conditions if t.strip()]
    if any(len(t) > 2000 for t in [*kept.values(), *new_texts]):
        errors["conditions"] = "Each condition must be 2000 characters or fewer."
    if not kept and not new_texts:
        errors["conditions"] = "Enter at least one condition of the order."
    next_number = max([*existing, 0]) + 1
    for offset, text in enumerate(new_texts):
        kept[next_number + offset] = text
    return kept


def check_order(values: OrderInput, order: Order | None = None) -> tuple[dict, dict, dict]:
    """Check an order's values; return (errors, warnings, resolved persons and conditions)."""
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    if order is None:
        _check_ref(values, errors)
    if values.order_type not in order_type_labels():
        errors["order_type"] = "Choose the type of order from the list."
    subject, protected = _check_people(values, errors)
    _check_dates(values, errors)
    if order is not None:
        _check_against_breaches(values, order, errors)
    if values.order_type == DVPO and "ends_on" not in errors:
        _dvpo_warning(values, warnings)
    if values.court and len(values.court) > 200:
        errors["court"] = "The court name must be 200 characters or fewer."
    kept = _check_conditions(values, order, errors)
    if values.confirmed:
        warnings = {}
    return errors, warnings, {"subject": subject, "protected": protected, "conditions": kept}


def _snapshot(order: Order) -> dict:
    return audit.jsonable(
        {
            "order_type": order.order_type,
            "subject_ref": order.subject.ref if order.subject else None,
            "protected_refs": sorted(p.ref for p in order.protected_persons),
            "made_on": order.made_on,
            "served_on": order.served_on,
            "starts_on": order.starts_on,
            "ends_on": order.ends_on,
            "revoked_on": order.revoked_on,
            "court": order.court,
            "power_of_arrest": bool(order.power_of_arrest),
            "notes": order.notes,
            "conditions": {str(c.number): c.text for c in order.conditions},
        }
    )


def _apply(order: Order, values: OrderInput, resolved: dict) -> None:
    order.order_type = values.order_type
    order.subject = resolved["subject"]
    order.protected_persons = resolved["protected"]
    order.made_on, order.served_on = values.made_on, values.served_on
    order.starts_on, order.ends_on = values.starts_on, values.ends_on
    order.court = (values.court or "").strip() or None
    order.power_of_arrest = bool(values.power_of_arrest)
    order.notes = (values.notes or "").strip() or None
    by_number = {c.number: c for c in order.conditions}
    wanted = resolved["conditions"]
    for number, text in wanted.items():
        if number in by_number:
            by_number[number].text = text
        else:
            order.conditions.append(OrderCondition(number=number, text=text))
    order.conditions = sorted((c for c in order.conditions if c.number in wanted), key=lambda c: c.number)


def create_order(values: OrderInput, *, actor: Actor) -> Order:
    """Record a new order. Raises ValidationFailed (errors, or warnings not yet confirmed)."""
    errors, warnings, resolved = check_order(values)
    if errors or warnings:
        raise ValidationFailed(errors, warnings)
    order = Order(ref=values.ref or placeholder_ref(), version_id=1)
    order.conditions = []
    _apply(order, values, resolved)
    db.session.add(order)
    if not values.ref:
        assign_ref(order, ORDER_REF_PREFIX)
    else:
        db.session.flush()
    audit.record(
        "create",
        f"recorded {order.order_type} order {order.ref} for {order.subject.ref}",
        object_type="order",
        object_ref=order.ref,
        data={"after": _snapshot(order)},
        actor=actor,
    )
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"ref": f"An order with reference {values.ref} is already recorded."}) from exc
    return order


def update_order(
    order: Order,
    values: OrderInput,
    *,
    expected_version: int,
    actor: Actor,
    variation_on: date | None = None,
) -> dict:
    """Correct or vary an order made against `expected_version`; return the audited changes.

    A variation (the court or issuing officer changed the order) is recorded with its date; a
    correction fixes how the order was recorded. Both keep condition numbers.
    """
    if order.version_id != expected_version:
        raise EditConflict()
    errors, warnings, resolved = check_order(values, order)
    if variation_on is not None:
        if variation_on > local_today():
            errors["varied_on"] = "The date varied cannot be in the future."
        elif variation_on < (order.made_on or order.starts_on):
            errors["varied_on"] = "The order cannot be varied before it was made."
    if errors or warnings:
        raise ValidationFailed(errors, warnings)
    before = _snapshot(order)
    with db.session.no_autoflush:
        _apply(order, values, resolved)
    after = _snapshot(order)
    diff = audit.changes(before, after)
    if not diff:
        db.session.rollback()
        return {}
    # Touch the row itself, so that a change to conditions or protected persons alone still
    # raises the version (and so still conflicts with a concurrent edit).
    order.updated_at = utcnow()
    kind = "varied" if variation_on else "corrected"
    audit.record(
        "update",
        f"{kind} order {order.ref}" + (f" (varied on {variation_on.isoformat()})" if variation_on else ""),
        object_type="order",
        object_ref=order.ref,
        data={"kind": "variation" if variation_on else "correction", "varied_on": variation_on, "changes": diff},
        actor=actor,
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    return diff


def revoke_order(order: Order, revoked_on: date, reason: str, *, expected_version: int, actor: Actor) -> None:
    if order.version_id != expected_version:
        raise EditConflict()
    errors = {}
    if order.revoked_on is not None:
        errors["revoked_on"] = f"This order was already revoked on {order.revoked_on:%d %b %Y}."
    elif revoked_on > local_today():
        errors["revoked_on"] = "The date revoked cannot be in the future."
    elif order.made_on and revoked_on < order.made_on:
        errors["revoked_on"] = "The order cannot be revoked before the date it was made."
    else:
        logged = breach_days(order)
        if logged and revoked_on <= logged[-1][1]:
            ref, day = logged[-1]
            errors["revoked_on"] = (
                f"Breach {ref} was logged on {day:%d %b %Y} while the order was in force; "
                "the revocation must be dated after it."
            )
    if not (reason or "").strip():
        errors["reason"] = "Say why the order was revoked."
    if errors:
        raise ValidationFailed(errors)
    order.revoked_on = revoked_on
    audit.record(
        "update",
        f"revoked order {order.ref} on {revoked_on.isoformat()}",
        object_type="order",
        object_ref=order.ref,
        reason=reason.strip(),
        data={"kind": "revocation", "changes": {"revoked_on": {"before": None, "after": revoked_on.isoformat()}}},
        actor=actor,
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc


# ---- the protection gap -------------------------------------------------------------------------


def active_order_subjects(as_of: date):
    return sa.select(Order.subject_id).where(
        Order.starts_on <= as_of,
        sa.or_(Order.ends_on.is_(None), Order.ends_on >= as_of),
        sa.or_(Order.revoked_on.is_(None), Order.revoked_on > as_of),
    )


def orders_of(person: Person) -> list[Order]:
    protected = sa.select(order_protected_persons.c.order_id).where(order_protected_persons.c.person_id == person.id)
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(sa.or_(Order.subject_id == person.id, Order.id.in_(protected)))
            .options(joinedload(Order.subject), selectinload(Order.protected_persons))
            .order_by(Order.starts_on.desc(), Order.id.desc())
        ).unique()
    )
