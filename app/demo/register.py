"""Demo seeder: what the import contract does not carry about persons, through the register's own
services: warning markers, aliases and addresses of the most active perpetrators (and addresses of
their victims). Invented names and streets only; deterministic for a seed; adds nothing to a
register that already holds any of these records."""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from app.audit.services import Actor
from app.catalogue import WARNING_MARKERS
from app.extensions import db
from app.imports.demo_vocabulary import FORENAMES, STREETS, SURNAMES
from app.offenders.events import services as events
from app.offenders.models import Address, DAEvent, Person, PersonAlias, WarningMarker
from app.offenders.persons import services as persons
from app.offenders.retention import services as retention

ACTIVE_PERPETRATORS = 150
WITH_ALIASES = 45
# Markers weighted as a DA caseload carries them: violence most, firearms rarely.
MARKER_MIX = (
    ("violence", 10),
    ("weapons", 4),
    ("drugs", 5),
    ("mental_health", 4),
    ("self_harm", 2),
    ("suicide_risk", 1),
    ("escape_risk", 1),
    ("firearms", 1),
)
POSTCODE_AREAS = ("NG1", "NG4", "EM2", "EM7", "SV3", "SV9", "WF5", "HB1", "CT2", "CT8")


def _most_active(limit: int) -> list[Person]:
    counts = (
        sa.select(DAEvent.suspect_id, sa.func.count().label("n"))
        .group_by(DAEvent.suspect_id)
        .order_by(sa.func.count().desc(), DAEvent.suspect_id)
        .limit(limit)
        .subquery()
    )
    return list(
        db.session.scalars(sa.select(Person).join(counts, counts.c.suspect_id == Person.id).order_by(Person.ref))
    )


def _victims_of(ids: list[int]) -> list[Person]:
    victims = sa.select(DAEvent.victim_id).where(DAEvent.suspect_id.in_(ids))
    return list(db.session.scalars(sa.select(Person).where(Person.id.in_(victims)).order_by(Person.ref)))


def _address(rng: random.Random) -> tuple[str, str]:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{rng.choice(POSTCODE_AREAS)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    return f"{rng.randint(1, 140)} {rng.choice(STREETS)}", postcode


def _alias(rng: random.Random, person: Person) -> tuple[str, str]:
    names = FORENAMES.get(person.gender or "", FORENAMES["other"])
    if rng.random() < 0.5:
        return rng.choice(names), person.surname  # a different first name
    return person.forenames, rng.choice(SURNAMES)  # a former surname


def _markers(rng: random.Random) -> list[str]:
    codes = [c for c, _ in MARKER_MIX]
    weights = [w for _, w in MARKER_MIX]
    return sorted(set(rng.choices(codes, weights, k=rng.randint(1, 3))) & set(WARNING_MARKERS))


def seed(*, today: date, seed: int, actor: Actor) -> str:
    held = any(
        db.session.scalar(sa.select(model.id).limit(1)) is not None for model in (WarningMarker, PersonAlias, Address)
    )
    if held:
        return "Register: markers, aliases and addresses already held; nothing added."
    rng = random.Random(seed * 31 + 7)
    active = _most_active(ACTIVE_PERPETRATORS)
    aliased = set(rng.sample(range(len(active)), min(WITH_ALIASES, len(active))))
    markers = aliases = addresses = 0
    for n, person in enumerate(active):
        values = {name: getattr(person, name) for name in persons.PERSON_EDITABLE}
        values["markers"] = _markers(rng)
        if n in aliased:
            values["aliases"] = [_alias(rng, person)]
        persons.update_person(person, values, expected_version=person.version_id, actor=actor)
        markers += len(values["markers"])
        aliases += len(values.get("aliases", []))
        # A previous address and the current one.
        moved_on = today - timedelta(days=rng.randint(60, 900))
        for text, postcode, start, end in (
            (*_address(rng), moved_on - timedelta(days=rng.randint(200, 1500)), moved_on - timedelta(days=1)),
            (*_address(rng), moved_on, None),
        ):
            persons.add_address(person, text, postcode=postcode, from_date=start, to_date=end, actor=actor)
            addresses += 1
    for victim in _victims_of([p.id for p in active])[: ACTIVE_PERPETRATORS * 2]:
        text, postcode = _address(rng)
        persons.add_address(
            victim, text, postcode=postcode, from_date=today - timedelta(days=rng.randint(30, 2000)), actor=actor
        )
        addresses += 1
    reviews = _old_records(rng, today, actor)
    return (
        f"Register: {markers} warning markers, {aliases} aliases and {addresses} addresses added; "
        f"{reviews} record-review alert(s) for persons last recorded over six years ago."
    )


def _old_records(rng: random.Random, today: date, actor: Actor) -> int:
    """A few persons known only from records over six years old: their retention review is due."""
    for n in range(3):
        people = [
            persons.create_person(
                {
                    "surname": rng.choice(SURNAMES),
                    "forenames": rng.choice(FORENAMES[gender]),
                    "gender": gender,
                    "district": "Harbour",
                    "markers": [],
                    "aliases": [],
                },
                actor=actor,
            )
            for gender in ("male", "female")
        ]
        events.create_event(
            {
                "occurred_on": today - timedelta(days=365 * 7 + 40 * n),
                "offence": "harassment",
                "suspect_ref": people[0].ref,
                "victim_ref": people[1].ref,
                "relationship_type": "ex_partner",
                "outcome": "nfa",
            },
            actor=actor,
        )
    return retention.raise_review_alerts(today, actor=actor)
