"""Demo records for the MoPI review and duplicate pages (invented people only): old records due a
review in each group, and persons recorded twice in the ways duplicates really arise."""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from app.audit.services import Actor
from app.extensions import db
from app.offenders.events import services as events
from app.offenders.models import Person
from app.offenders.persons import services as persons

PREFIX = "DEMO-R"
# (offence, years ago): group 3 after 6 clear years, group 2 after 10, group 1 reviewed after 10.
OLD_RECORDS = [
    ("harassment", 7),
    ("criminal_damage", 8),
    ("malicious_communications", 9),
    ("common_assault", 11),
    ("abh", 12),
    ("gbh", 13),
]
SURNAMES = ["Ashworth", "Brennock", "Calloway", "Dunmore", "Eskdale", "Fairhurst", "Glenister", "Holloway"]
OLD_NAMES = ["Leslie", "Glyn", "Osian", "Perry", "Nolan", "Wyn", "Carys"]
VICTIM_NAMES = ["Alex", "Morgan", "Rowan", "Jordan", "Casey", "Quinn", "Avery", "Reese", "Sasha", "Tamsin", "Ellis"]
# (forenames of the first record, of its duplicate, how they differ)
DUPLICATES = [
    ("Robert", "Bob", "nickname"),
    ("Jonathan", "Jon", "nickname"),
    ("Katherine", "Kate", "nickname"),
    ("Daniel", "Daniel", "pnc"),
    ("Terence", "Terry", "alias"),
]


def seed(*, today: date, seed: int, actor: Actor) -> str:
    """Add the records once; a register that already holds them gets nothing more."""
    if db.session.scalar(sa.select(Person.id).where(Person.ref.like(f"{PREFIX}%")).limit(1)):
        return "Review and duplicate demo records: already present."
    rng = random.Random(seed)
    n = _old_records(today, rng, actor)
    pairs = _duplicates(today, rng, actor)
    return f"Review and duplicate demo records: {n} records due a MoPI review, {pairs} pairs of duplicates."


def _person(ref: str, surname: str, forenames: str, actor: Actor, **values) -> Person:
    return persons.create_person(
        {"ref": ref, "surname": surname, "forenames": forenames, "aliases": [], "markers": [], "categories": []}
        | values,
        actor=actor,
    )


def _event(suspect: Person, victim: Person, on: date, offence: str, actor: Actor) -> None:
    events.create_event(
        {
            "occurred_on": on,
            "offence": offence,
            "suspect_ref": suspect.ref,
            "victim_ref": victim.ref,
            "relationship_type": "ex_partner",
        },
        actor=actor,
    )


def _old_records(today: date, rng: random.Random, actor: Actor) -> int:
    for i, (offence, years) in enumerate(OLD_RECORDS, 1):
        suspect = _person(f"{PREFIX}-{i:02d}", rng.choice(SURNAMES), OLD_NAMES[i], actor)
        victim = _person(f"{PREFIX}-{i:02d}V", rng.choice(SURNAMES), VICTIM_NAMES[-i], actor)
        _event(suspect, victim, today - timedelta(days=round(365.25 * years) + rng.randint(5, 200)), offence, actor)
    return len(OLD_RECORDS)


def _long_pnc(pnc: str, today: date) -> str:
    """The same PNC ID written the long way: 19/1234A as 2019/0001234A."""
    year, rest = pnc.split("/")
    century = 2000 if int(year) <= today.year % 100 else 1900
    return f"{century + int(year)}/{int(rest[:-1]):07d}{rest[-1]}"


def _duplicates(today: date, rng: random.Random, actor: Actor) -> int:
    for i, (first, second, how) in enumerate(DUPLICATES, 1):
        surname = rng.choice(SURNAMES)
        born = date(1970 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28))
        pnc = f"{born.year % 100:02d}/{rng.randint(1000, 99999)}{rng.choice('ABCDEFGH')}"
        a = _person(f"{PREFIX}-D{i}A", surname, first, actor, date_of_birth=born, pnc_id=pnc if how == "pnc" else None)
        if how == "pnc":
            b = _person(f"{PREFIX}-D{i}B", surname, second, actor, pnc_id=_long_pnc(pnc, today))
        elif how == "alias":
            b = _person(f"{PREFIX}-D{i}B", "Whitlow", second, actor, date_of_birth=born, aliases=[(second, surname)])
        else:
            b = _person(f"{PREFIX}-D{i}B", surname.upper(), second, actor, date_of_birth=born)
        victim = _person(f"{PREFIX}-D{i}V", rng.choice(SURNAMES), VICTIM_NAMES[i], actor)
        _event(a, victim, today - timedelta(days=rng.randint(30, 600)), "common_assault", actor)
        _event(b, victim, today - timedelta(days=rng.randint(30, 600)), "harassment", actor)
    return len(DUPLICATES)
