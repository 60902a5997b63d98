"""Reading and changing the offender register. Every view, search and change is audited here.

Routes parse forms and call these functions; the CLI and other parts can call them too, with an
`actor`. Changes use optimistic locking: the caller passes the version it showed the user, and a
record changed since then raises EditConflict with nothing written.
"""

import re
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.audit.services import Actor
from app.base import (
    ACHILLES_REF_PREFIX,
    PNC_PATTERN,
    REF_PATTERN,
    EditConflict,
    ValidationFailed,
    assign_ref,
    placeholder_ref,
    today,
    utcnow,
)
from app.catalogue import (
    GENDERS,
    WARNING_MARKERS,
)
from app.extensions import db
from app.offenders.merge import services as merge
from app.offenders.merge.models import PersonMerge
from app.offenders.models import Address, Person, PersonAlias, PersonCategory, WarningMarker

PERSON_EDITABLE = ("surname", "forenames", "date_of_birth", "gender", "pnc_id", "district")
PERSON_LISTS = ("aliases", "markers", "categories")
# Suspect and victim come from DA events; these two are set by hand.
MANUAL_CATEGORIES = ("witness", "convicted")
# URL words under /persons/ that a person reference must not take.
RESERVED_REFS = {"new", "network", "reviews", "duplicates", "merges"}
# References of persons made in Achilles (imports refuse ACH-).
PERSON_REF_PREFIX = "ACH-P-"


# ---- reading persons -------------------------------------------------------------------------


def get_person(ref: str) -> Person | None:
    """The person a reference names; a reference merged away names the person it was merged into."""
    row = db.session.execute(
        sa.select(Person, PersonMerge.into_person_id)
        .outerjoin(PersonMerge, sa.and_(PersonMerge.from_person_id == Person.id, PersonMerge.undone_at.is_(None)))
        .where(Person.ref == ref)
        .options(selectinload(Person.aliases), selectinload(Person.markers), selectinload(Person.categories))
    ).first()
    if row is None:
        return None
    person, merged_into = row
    if merged_into is None:
        return person
    return get_person(merge.resolve(db.session.get(Person, merged_into)).ref)


def view_person(
    person: Person, *, actor: Actor | None = None, reason: str | None = None, purpose: str | None = None
) -> None:
    """Record the consultation of a person's record (DPA 2018 s.62): their page, or a form that shows it."""
    summary = f"viewed person {person.ref}" + (f" ({purpose})" if purpose else "")
    audit.record("view", summary, object_type="person", object_ref=person.ref, reason=reason, actor=actor)
    db.session.commit()


# ---- scores (read from the stored ranking runs) ------------------------------------------------


# ---- search ----------------------------------------------------------------------------------


# The filters below are uncorrelated sets (computed once per query), not EXISTS per person: the
# list is sorted over every person, so a per-person subquery would run 45,000 times.


def districts() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Person.district).where(Person.district.is_not(None)).distinct().order_by(Person.district)
        )
    )


# ---- the profile -------------------------------------------------------------------------------


# ---- adding and changing persons ---------------------------------------------------------------


def _alias_text(alias) -> str:
    forenames, surname = alias
    return f"{forenames} {surname.upper()}".strip()


def person_snapshot(person: Person) -> dict:
    """The audited and compared values of a person, lists included."""
    data = audit.snapshot(person, PERSON_EDITABLE)
    data["aliases"] = [_alias_text((a.forenames, a.surname)) for a in person.aliases]
    data["markers"] = sorted(m.marker for m in person.markers)
    data["categories"] = sorted(c.category for c in person.categories if c.category in MANUAL_CATEGORIES)
    return data


def _check_person(values: dict, *, person: Person | None) -> dict[str, str]:
    errors = {}
    for name, label, limit in (("surname", "a surname", 100), ("forenames", "the forenames", 200)):
        value = (values.get(name) or "").strip()
        if not value:
            errors[name] = f"Enter {label}."
        elif len(value) > limit:
            errors[name] = f"Use at most {limit} characters."
    dob = values.get("date_of_birth")
    if dob is not None and dob > today():
        errors["date_of_birth"] = "The date of birth cannot be in the future."
    elif dob is not None and dob.year < 1900:
        errors["date_of_birth"] = "The date of birth must be after 1900."
    if values.get("gender") and values["gender"] not in GENDERS:
        errors["gender"] = "Choose a gender from the list."
    pnc = values.get("pnc_id")
    if pnc:
        if not PNC_PATTERN.match(pnc):
            errors["pnc_id"] = "Enter a PNC ID such as 2019/1234567A."
        else:
            query = sa.select(Person.ref).where(Person.pnc_id == pnc)
            if person is not None:
                query = query.where(Person.id != person.id)
            clash = db.session.scalar(query)
            if clash:
                errors["pnc_id"] = f"PNC ID {pnc} is already held for person {clash}."
    if values.get("district") and len(values["district"]) > 100:
        errors["district"] = "Use at most 100 characters."
    unknown = set(values.get("markers") or ()) - set(WARNING_MARKERS)
    if unknown:
        errors["markers"] = "Choose warning markers from the list."
    if set(values.get("categories") or ()) - set(MANUAL_CATEGORIES):
        errors["categories"] = "Only Witness and Convicted person can be set by hand."
    for forenames, surname in values.get("aliases") or ():
        if not surname or len(surname) > 100 or len(forenames) > 200:
            errors["aliases"] = "Write each alias on its own line as Forenames SURNAME, at most 100 characters."
            break
    return errors


def _apply_lists(person: Person, values: dict) -> None:
    if "aliases" in values:
        wanted = [(f, s) for f, s in values["aliases"]]
        if [(a.forenames, a.surname) for a in person.aliases] != wanted:
            person.aliases = [PersonAlias(forenames=f, surname=s) for f, s in wanted]
    if "markers" in values:
        wanted = set(values["markers"])
        person.markers = [m for m in person.markers if m.marker in wanted] + [
            WarningMarker(marker=code, noted_on=today()) for code in sorted(wanted - {m.marker for m in person.markers})
        ]
    if "categories" in values:
        wanted = set(values["categories"])
        keep = [c for c in person.categories if c.category not in MANUAL_CATEGORIES or c.category in wanted]
        have = {c.category for c in keep}
        person.categories = keep + [PersonCategory(category=c) for c in sorted(wanted - have)]


def check_new_ref(model, ref: str | None, label: str) -> str | None:
    if not ref:
        return None
    if not REF_PATTERN.match(ref):
        return "Use letters, digits and / _ . - only, starting with a letter or digit, at most 64 characters."
    if ref.lower() in RESERVED_REFS:
        return "This reference is kept for Achilles's own pages; choose another."
    if ref.upper().startswith(ACHILLES_REF_PREFIX):
        return f"References starting {ACHILLES_REF_PREFIX} are given by Achilles; leave it empty to get one."
    if db.session.scalar(sa.select(model.id).where(model.ref == ref)):
        return f"{label} {ref} already exists."
    return None


def create_person(values: dict, *, actor: Actor | None = None) -> Person:
    """Add a person by hand. `ref` may be the force's reference; if empty, Achilles gives one
    (ACH-P- and the row's id, unique however many users add persons at once)."""
    errors = _check_person(values, person=None)
    ref_error = check_new_ref(Person, values.get("ref"), "Person")
    if ref_error:
        errors["ref"] = ref_error
    if errors:
        raise ValidationFailed(errors)
    person = Person(ref=values.get("ref") or placeholder_ref())
    for name in PERSON_EDITABLE:
        setattr(person, name, values.get(name) or None)
    person.aliases, person.markers, person.categories = [], [], []
    _apply_lists(person, values)
    try:
        db.session.add(person)
        if not values.get("ref"):
            assign_ref(person, PERSON_REF_PREFIX)
        audit.record(
            "create",
            f"added person {person.ref}",
            object_type="person",
            object_ref=person.ref,
            data=audit.changes({}, person_snapshot(person)),
            actor=actor,
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        # Another user took the same reference or PNC ID a moment ago: say which.
        errors = _check_person(values, person=None)
        errors["ref"] = check_new_ref(Person, values.get("ref"), "Person") or ""
        errors = {k: v for k, v in errors.items() if v}
        raise ValidationFailed(
            errors or {"ref": "Another user saved the same person a moment ago; check the register."}
        ) from exc
    return person


def update_person(person: Person, values: dict, *, expected_version: int, actor: Actor | None = None) -> dict:
    """Apply an edit made against `expected_version`; return the audited changes."""
    if person.version_id != expected_version:
        raise EditConflict()
    errors = _check_person({name: values.get(name) for name in PERSON_EDITABLE} | values, person=person)
    if errors:
        raise ValidationFailed(errors)
    before = person_snapshot(person)
    for name in PERSON_EDITABLE:
        setattr(person, name, values.get(name))
    _apply_lists(person, values)
    after = person_snapshot(person)
    diff = audit.changes(before, after)
    if not diff:
        db.session.rollback()
        return {}
    # Touch the row itself so its version moves (and is checked) when only a list changed.
    person.updated_at = utcnow()
    audit.record(
        "update", f"changed person {person.ref}", object_type="person", object_ref=person.ref, data=diff, actor=actor
    )
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise EditConflict() from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"pnc_id": "This PNC ID was just recorded for another person."}) from exc
    return diff


def add_address(
    person: Person,
    text: str | None,
    *,
    postcode: str | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    actor: Actor | None = None,
) -> Address:
    """Record an address of the person (with the dates it applied, if known); audited."""
    text, postcode = (text or "").strip(), (postcode or "").strip().upper() or None
    errors = {}
    if not text:
        errors["text"] = "Enter the address."
    elif len(text) > 500:
        errors["text"] = "Use at most 500 characters."
    if postcode and len(postcode) > 10:
        errors["postcode"] = "Enter a postcode such as ME14 1XX."
    if from_date and to_date and to_date < from_date:
        errors["to_date"] = "The address cannot end before it starts."
    if errors:
        raise ValidationFailed(errors)
    address = Address(person_id=person.id, text=text, postcode=postcode, from_date=from_date, to_date=to_date)
    db.session.add(address)
    audit.record(
        "create",
        f"added an address for person {person.ref}",
        object_type="person",
        object_ref=person.ref,
        data=audit.changes({}, {"address": text, "postcode": postcode, "from": from_date, "to": to_date}),
        actor=actor,
    )
    db.session.commit()
    return address


ALIAS_SPLIT = re.compile(r"\s+")


def parse_aliases(text: str | None) -> list[tuple[str, str]]:
    """One alias a line: "Surname, Forenames" or "Forenames Surname" (the last word is the surname)."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if "," in line:
            surname, _, forenames = line.partition(",")
        else:
            *first, surname = ALIAS_SPLIT.split(line)
            forenames = " ".join(first)
        alias = (forenames.strip(), surname.strip())
        if alias not in out:
            out.append(alias)
    return out


def aliases_text(person: Person) -> str:
    return "\n".join(f"{a.forenames} {a.surname}".strip() for a in person.aliases)


# ---- DA events ---------------------------------------------------------------------------------


# ---- levers ------------------------------------------------------------------------------------


# ---- whole-graph findings (computed on request, set-based) -------------------------------------
