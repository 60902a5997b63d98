"""Merging two person records found to be one person, and undoing a merge.

The record merged away (`from`) is kept, hidden from lists and searches, and its reference
resolves to the merged person (`into`); every row about it moves to `into` — the register's own
rows here, every other part's through `signals.persons_merged` — and what moved is stored on the
merge, so an undo moves exactly those rows back. Both are audited under both references. The
ranking is worked out again in the same transaction (a ranking receiver).
"""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import signals
from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed, move_rows, today, utcnow
from app.extensions import db
from app.offenders.custody.models import CustodyPeriod
from app.offenders.merge import candidates
from app.offenders.merge.models import NotDuplicate, PersonMerge
from app.offenders.models import Address, DAEvent, Lever, Person, PersonAlias, PersonCategory, PersonLink, WarningMarker

MAX_REASON = 2000
# Fields of the kept record filled from the other when the kept one has none.
FILLED = ("date_of_birth", "gender", "pnc_id", "district")


def merged_away_ids():
    """A select of the ids of persons merged into another (and not undone): hidden from lists."""
    return sa.select(PersonMerge.from_person_id).where(PersonMerge.undone_at.is_(None))


def live_merge_of(person_id: int) -> PersonMerge | None:
    return db.session.scalar(
        sa.select(PersonMerge).where(PersonMerge.from_person_id == person_id, PersonMerge.undone_at.is_(None))
    )


def resolve(person: Person | None) -> Person | None:
    """The person a record now stands for: itself, or the person it was merged into (followed
    through merges of merges)."""
    seen = set()
    while person is not None and person.id not in seen:
        seen.add(person.id)
        merge = live_merge_of(person.id)
        if merge is None:
            return person
        person = db.session.get(Person, merge.into_person_id)
    return person


def redirects() -> dict[str, int]:
    """{reference merged away: id of the person it now names}, for lookups by reference (imports)."""
    rows = db.session.execute(
        sa.select(PersonMerge.from_ref, PersonMerge.from_person_id, PersonMerge.into_person_id).where(
            PersonMerge.undone_at.is_(None)
        )
    ).all()
    into_of = {from_id: into_id for _, from_id, into_id in rows}

    def final(person_id: int) -> int:
        for _ in range(len(into_of)):  # a merge of a merged record: follow it to the end
            if person_id not in into_of:
                break
            person_id = into_of[person_id]
        return person_id

    return {ref: final(into_id) for ref, _, into_id in rows}


# ---- finding candidates ------------------------------------------------------------------------


def duplicate_candidates() -> list[candidates.Candidate]:
    """Pairs of current records that may be one person, strongest first (dismissed pairs left out)."""
    hidden = merged_away_ids()
    people = db.session.execute(
        sa.select(Person.id, Person.ref, Person.surname, Person.forenames, Person.date_of_birth, Person.pnc_id).where(
            Person.id.not_in(hidden)
        )
    ).all()
    aliases: dict[int, list[tuple[str, str]]] = {}
    for person_id, forenames, surname in db.session.execute(
        sa.select(PersonAlias.person_id, PersonAlias.forenames, PersonAlias.surname)
    ):
        aliases.setdefault(person_id, []).append((forenames or "", surname))
    facts = [candidates.PersonFacts(*row, aliases=tuple(aliases.get(row.id, ()))) for row in people]
    dismissed = {
        tuple(row) for row in db.session.execute(sa.select(NotDuplicate.person_a_id, NotDuplicate.person_b_id))
    }
    return candidates.find_candidates(facts, today_year=today().year, excluded=dismissed)


def not_duplicate(a: Person, b: Person, *, actor: Actor) -> None:
    """An analyst found two different people: the pair is no longer offered."""
    low, high = sorted((a.id, b.id))
    if db.session.scalar(
        sa.select(NotDuplicate.id).where(NotDuplicate.person_a_id == low, NotDuplicate.person_b_id == high)
    ):
        return
    db.session.add(NotDuplicate(person_a_id=low, person_b_id=high, decided_by_name=actor.username))
    for ref, other in ((a.ref, b.ref), (b.ref, a.ref)):
        audit.record(
            "update", f"{ref} and {other} marked as different people", object_type="person", object_ref=ref, actor=actor
        )
    db.session.commit()


# ---- merging -----------------------------------------------------------------------------------


def _refusals(source: Person, target: Person, reason: str) -> dict[str, str]:
    errors = {}
    if source.id == target.id:
        errors["merge"] = "Choose two different records."
    elif live_merge_of(source.id) or live_merge_of(target.id):
        errors["merge"] = "One of these records has already been merged into another: open it to find which."
    elif (
        source.pnc_id
        and target.pnc_id
        and candidates.pnc_key(source.pnc_id, today_year=today().year)
        != candidates.pnc_key(target.pnc_id, today_year=today().year)
    ):
        errors["merge"] = f"The records hold different PNC IDs ({source.pnc_id}, {target.pnc_id}): they are two people."
    elif db.session.scalar(
        sa.select(DAEvent.ref).where(
            sa.or_(
                sa.and_(DAEvent.suspect_id == source.id, DAEvent.victim_id == target.id),
                sa.and_(DAEvent.suspect_id == target.id, DAEvent.victim_id == source.id),
            )
        )
    ):
        errors["merge"] = "One record is the suspect and the other the victim of the same event: they are two people."
    elif clash := db.session.scalar(
        sa.select(CustodyPeriod.custody_from)
        .where(CustodyPeriod.person_id.in_((source.id, target.id)))
        .group_by(CustodyPeriod.custody_from)
        .having(sa.func.count() > 1)
        .limit(1)
    ):
        errors["merge"] = f"Both records hold a custody period from {clash:%d %b %Y}: correct one of them first."
    if not reason.strip():
        errors["reason"] = "Say why these records are the same person."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Use at most {MAX_REASON} characters."
    return errors


# The register's own rows that name one person and move with a merge (events and links apart).
REGISTER_ROWS = (
    (PersonAlias, "aliases"),
    (WarningMarker, "markers"),
    (Address, "addresses"),
    (Lever, "levers"),
    (CustodyPeriod, "custody"),
)


def _ids(model, where) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).where(where).order_by(model.id)))


def _move_register_rows(source: Person, target: Person) -> dict:
    """Re-point the register's own rows; return what moved."""
    moved = {
        "events_as_suspect": _ids(DAEvent, DAEvent.suspect_id == source.id),
        "events_as_victim": _ids(DAEvent, DAEvent.victim_id == source.id),
        "aliases": _ids(PersonAlias, PersonAlias.person_id == source.id),
        "markers": _ids(WarningMarker, WarningMarker.person_id == source.id),
        "addresses": _ids(Address, Address.person_id == source.id),
        "custody": _ids(CustodyPeriod, CustodyPeriod.person_id == source.id),
    }
    # A lever noted the same day for both records is one fact: the kept record's row stands.
    held = {
        tuple(row)
        for row in db.session.execute(sa.select(Lever.lever, Lever.noted_on).where(Lever.person_id == target.id))
    }
    levers = db.session.execute(sa.select(Lever.id, Lever.lever, Lever.noted_on).where(Lever.person_id == source.id))
    moved["levers"] = [row.id for row in levers if (row.lever, row.noted_on) not in held]
    links = db.session.execute(
        sa.select(PersonLink).where(sa.or_(PersonLink.person_a_id == source.id, PersonLink.person_b_id == source.id))
    ).scalars()
    moved["links_a"], moved["links_b"] = [], []
    for link in links:
        a = target.id if link.person_a_id == source.id else link.person_a_id
        b = target.id if link.person_b_id == source.id else link.person_b_id
        clash = a == b or db.session.scalar(
            sa.select(PersonLink.id).where(
                PersonLink.person_a_id == a,
                PersonLink.person_b_id == b,
                PersonLink.relationship_type == link.relationship_type,
            )
        )
        if not clash:
            moved["links_a" if link.person_a_id == source.id else "links_b"].append(link.id)
    move_rows(DAEvent, "suspect_id", moved["events_as_suspect"], target.id)
    move_rows(DAEvent, "victim_id", moved["events_as_victim"], target.id)
    for model, key in REGISTER_ROWS:
        move_rows(model, "person_id", moved[key], target.id)
    move_rows(PersonLink, "person_a_id", moved["links_a"], target.id)
    move_rows(PersonLink, "person_b_id", moved["links_b"], target.id)

    have = {
        c
        for (c,) in db.session.execute(sa.select(PersonCategory.category).where(PersonCategory.person_id == target.id))
    }
    theirs = {
        c
        for (c,) in db.session.execute(sa.select(PersonCategory.category).where(PersonCategory.person_id == source.id))
    }
    moved["categories_added"] = sorted(theirs - have)
    db.session.add_all(PersonCategory(person_id=target.id, category=c) for c in moved["categories_added"])
    alias = PersonAlias(person_id=target.id, surname=source.surname, forenames=source.forenames)
    db.session.add(alias)
    db.session.flush()
    moved["alias_added"] = alias.id

    moved["filled"] = {}
    for name in FILLED:
        if getattr(target, name) is None and getattr(source, name) is not None:
            moved["filled"][name] = audit.jsonable(getattr(source, name))
    if "pnc_id" in moved["filled"]:
        source.pnc_id = None  # unique: leaves the old record before it joins the kept one
        db.session.flush()
    for name in moved["filled"]:
        setattr(target, name, getattr(source, name) if name != "pnc_id" else moved["filled"]["pnc_id"])
    target.updated_at = utcnow()
    return moved


def merge_persons(source: Person, target: Person, reason: str, *, actor: Actor) -> PersonMerge:
    """Merge `source` into `target` (the record kept). All or nothing."""
    reason = (reason or "").strip()
    errors = _refusals(source, target, reason)
    if errors:
        raise ValidationFailed(errors)
    merge = PersonMerge(
        from_person_id=source.id,
        into_person_id=target.id,
        from_ref=source.ref,
        into_ref=target.ref,
        reason=reason,
        merged_by_id=actor.user_id,
        merged_by_name=actor.username,
    )
    try:
        db.session.add(merge)
        db.session.flush()
        moved = {"offenders": _move_register_rows(source, target)}
        for receiver, answer in signals.persons_merged.send(
            merge, from_id=source.id, into_id=target.id, merge_id=merge.id, actor=actor
        ):
            moved[_part_of(receiver)] = answer
        merge.moved = audit.jsonable(moved)
        signals.rerank_wanted.send("merge", actor=actor)  # after every part has moved its rows
        counts = {part: _count(rows) for part, rows in moved.items()}
        for ref, other in ((source.ref, target.ref), (target.ref, source.ref)):
            audit.record(
                "merge",
                f"person {source.ref} merged into {target.ref} (merge {merge.id})",
                object_type="person",
                object_ref=ref,
                reason=reason,
                data={"merge": merge.id, "other_ref": other, "moved": counts},
                actor=actor,
            )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationFailed(
            {"merge": "Another user merged one of these records a moment ago: look again."}
        ) from None
    except ValidationFailed:
        db.session.rollback()
        raise
    return merge


def undo_merge(merge: PersonMerge, *, actor: Actor) -> None:
    """Move back exactly what the merge moved; rows added to the kept record since stay with it."""
    if merge.undone_at is not None:
        raise ValidationFailed({"merge": "This merge has already been undone."})
    if live_merge_of(merge.into_person_id) is not None:
        raise ValidationFailed(
            {"merge": f"{merge.into_ref} has since been merged into another record: undo that first."}
        )
    source, target = db.session.get(Person, merge.from_person_id), db.session.get(Person, merge.into_person_id)
    moved = merge.moved or {}
    for receiver in list(signals.persons_unmerged.receivers_for(merge)):
        receiver(merge, from_id=source.id, into_id=target.id, moved=moved.get(_part_of(receiver)), actor=actor)
    _move_back_register_rows(source, target, moved.get("offenders") or {})
    signals.network_changed.send([target.id, source.id], reason="merge undone")  # the rows are back
    merge.undone_at, merge.undone_by_name = utcnow(), actor.username
    for ref in (merge.from_ref, merge.into_ref):
        audit.record(
            "merge",
            f"merge {merge.id} of {merge.from_ref} into {merge.into_ref} undone",
            object_type="person",
            object_ref=ref,
            data={"merge": merge.id, "undone": True},
            actor=actor,
        )
    signals.rerank_wanted.send("merge undone", actor=actor)
    db.session.commit()


def _move_back_register_rows(source: Person, target: Person, moved: dict) -> None:
    move_rows(DAEvent, "suspect_id", moved.get("events_as_suspect", []), source.id)
    move_rows(DAEvent, "victim_id", moved.get("events_as_victim", []), source.id)
    for model, key in REGISTER_ROWS:
        move_rows(model, "person_id", moved.get(key, []), source.id)
    move_rows(PersonLink, "person_a_id", moved.get("links_a", []), source.id)
    move_rows(PersonLink, "person_b_id", moved.get("links_b", []), source.id)
    if moved.get("categories_added"):
        db.session.execute(
            sa.delete(PersonCategory).where(
                PersonCategory.person_id == target.id, PersonCategory.category.in_(moved["categories_added"])
            )
        )
    if moved.get("alias_added"):
        db.session.execute(sa.delete(PersonAlias).where(PersonAlias.id == moved["alias_added"]))
    filled = moved.get("filled") or {}
    for name, value in filled.items():
        if audit.jsonable(getattr(target, name)) == value:
            setattr(target, name, None)
    if "pnc_id" in filled:
        db.session.flush()
        source.pnc_id = filled["pnc_id"]
    target.updated_at = utcnow()
    db.session.flush()
    db.session.expire_all()  # the rows moved by UPDATE statements are read afresh


def _part_of(receiver) -> str:
    """The part a receiver belongs to (app.tasking.merge -> tasking), the key of what it moved."""
    module = getattr(receiver, "__module__", "") or ""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else module


def _count(rows) -> int | dict:
    if isinstance(rows, dict):
        return {k: len(v) if isinstance(v, list) else v for k, v in rows.items()}
    return rows


def merges(*, limit: int = 200) -> list[PersonMerge]:
    return list(db.session.scalars(sa.select(PersonMerge).order_by(PersonMerge.id.desc()).limit(limit)))


def merges_into(person: Person) -> list[PersonMerge]:
    """The live merges whose record now resolves to this person (their old references)."""
    return list(
        db.session.scalars(
            sa.select(PersonMerge)
            .where(PersonMerge.into_person_id == person.id, PersonMerge.undone_at.is_(None))
            .order_by(PersonMerge.id)
        )
    )
