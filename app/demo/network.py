"""Demo seeder: the family relationships of the demo's linked families (app.imports.demo_families),
which the import contract cannot carry, recorded through the offenders' service so the network
updates as it would for a user. Adds nothing already recorded."""

from datetime import date

import sqlalchemy as sa

from app.audit.services import Actor
from app.base import ValidationFailed
from app.extensions import db
from app.imports import demo_families
from app.offenders.models import Person
from app.offenders.relationships.services import RelationshipInput, record_relationship


def seed(*, today: date, seed: int, actor: Actor) -> str:
    """Walk the demo's clusters in order while their persons are in the register."""
    recorded = 0
    first = demo_families.PERSON_NUMBER_FROM
    number = 0
    while True:
        cluster = demo_families.cluster(seed, number, today)
        demo_families.number_families(cluster, first)
        refs = [a.ref for a, _b, _kind in cluster.relationships] + [b.ref for _a, b, _kind in cluster.relationships]
        held = dict(db.session.execute(sa.select(Person.ref, Person.id).where(Person.ref.in_(sorted(set(refs))))).all())
        if not cluster.persons or cluster.persons[0].ref not in held:
            break
        for a, b, kind in cluster.relationships:
            if a.ref in held and b.ref in held:
                try:
                    record_relationship(
                        db.session.get(Person, held[a.ref]),
                        RelationshipInput(other_ref=b.ref, relationship_type=kind, source="records"),
                        actor=actor,
                    )
                    recorded += 1
                except ValidationFailed:
                    continue  # already recorded
        db.session.commit()
        first += len(cluster.persons)
        number += 1
    return f"{recorded} family relationships recorded in {number} linked families"
