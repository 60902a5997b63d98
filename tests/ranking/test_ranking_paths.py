"""The full v2 ranking counts in the database for most persons and in Python for the rest: on a
random register (same-day crimes, breaches actioned or not, high-risk grades, victims under 16,
custody, levers, orders, events after T) both ways, and the plain per-person rules, agree."""

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.offenders.custody.models import CustodyPeriod
from app.offenders.models import DAEvent, Lever, Person
from app.orders.models import Order
from app.ranking import facts, scoring, services
from tests.ranking.test_scoring import V2

T = date(2026, 6, 30)
OFFENCES = list(V2["harm_days"])


def _register(rng: random.Random, persons: int = 400) -> None:
    people = []
    for n in range(persons):
        born = rng.choice([None, T - timedelta(days=rng.randint(13 * 365, 60 * 365))])
        person = Person(ref=f"R{n:04d}", surname=f"Randomby{n}", forenames="Sam", date_of_birth=born, version_id=1)
        db.session.add(person)
        people.append(person)
    db.session.flush()
    for n in range(persons * 3):
        suspect, victim = rng.sample(people, 2)
        day = T - timedelta(days=rng.randint(-10, 1300))
        for _ in range(rng.choice([1, 1, 1, 2, 3])):  # sometimes several crimes of one incident
            db.session.add(
                DAEvent(
                    ref=f"RE{n}-{rng.random()}",
                    occurred_on=day,
                    offence=rng.choice(OFFENCES),
                    suspect_id=suspect.id,
                    victim_id=victim.id,
                    dash_risk=rng.choice([None, "standard", "high"]),
                    outcome=rng.choice([None, "arrest", "charge", "nfa"]),
                    version_id=1,
                )
            )
    for person in rng.sample(people, persons // 10):
        start = T - timedelta(days=rng.randint(0, 1200))
        end = rng.choice([None, start + timedelta(days=rng.randint(0, 600))])
        db.session.add(
            CustodyPeriod(person_id=person.id, custody_from=start, custody_to=end if end and end <= T else None,
                          kind="sentence", expected_release_on=T + timedelta(days=rng.randint(-5, 40)), version_id=1)
        )  # fmt: skip
    for person in rng.sample(people, persons // 8):
        db.session.add(Lever(person_id=person.id, lever="drugs_intelligence", active=True, noted_on=T, version_id=1))
        db.session.add(Order(ref=f"RO{person.id}", order_type="dapo", subject_id=person.id, starts_on=T, version_id=1))
    db.session.commit()


def _naive(person: Person) -> scoring.Score | None:
    born = dict(db.session.execute(sa.select(Person.id, Person.date_of_birth)).all())
    events = db.session.scalars(sa.select(DAEvent).where(DAEvent.suspect_id == person.id)).all()
    inputs = scoring.PersonInputs(
        ref=person.ref,
        person_id=person.id,
        events=[
            scoring.EventFact(e.occurred_on, e.victim_id, e.offence, e.dash_risk, e.outcome, born[e.victim_id])
            for e in events
        ],
        levers=[scoring.LeverRecord(x.lever, x.active, x.noted_on) for x in db.session.scalars(
            sa.select(Lever).where(Lever.person_id == person.id))],
        orders=[scoring.OrderSpan(o.starts_on, o.ends_on, o.revoked_on) for o in db.session.scalars(
            sa.select(Order).where(Order.subject_id == person.id))],
        custody=[scoring.CustodySpan(c.custody_from, c.custody_to, c.expected_release_on) for c in db.session.scalars(
            sa.select(CustodyPeriod).where(CustodyPeriod.person_id == person.id))],
    )  # fmt: skip
    return scoring.score_person(inputs, V2, T, rules=2)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_database_tally_the_python_stream_and_the_plain_rules_agree(app, monkeypatch, seed):
    _register(random.Random(seed))
    calls = []
    real = facts._tallied_scores
    monkeypatch.setattr(facts, "_tallied_scores", lambda f, c: calls.append(1) or real(f, c))
    tallied = services.compute_ranking(T)
    assert calls == [1]  # the database counted
    # The same ranking with every person's events read and counted in Python.
    monkeypatch.setattr(facts, "tally_applies", lambda *args: False)
    streamed = services.compute_ranking(T)
    assert [s.to_json() for s in tallied] == [s.to_json() for s in streamed]
    assert tallied == streamed and len(tallied) > 200
    monkeypatch.undo()
    naive = [s for p in db.session.scalars(sa.select(Person)) if (s := _naive(p)) is not None]
    naive.sort(key=scoring.Score.sort_key)
    assert tallied == naive
