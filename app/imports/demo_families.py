"""Linked families for the demo dataset: the network shapes that hurt, invented people only.

The main generator (app.imports.demo) makes mostly small networks: a perpetrator and one to four
partners. Real family networks are larger. Each cluster here grows around a prolific perpetrator
(the hub) through three kinds of tie until it holds 20 to 60 persons:

- his successive partners, each harmed in turn (a serial perpetrator, a Right-to-Know candidate);
- a victim's later partner who harms her too, and who may go on to new partners of his own;
- family: a son who abuses his mother, brothers who each abuse their own partners, a sister's
  partner who harms her.

About one hub in three has ten or more victims and relatives around him. Persons are numbered from
P9000001 and events from E9000001 so that they never meet the main generator's references; each
cluster has its own random generator, so adding families leaves the main dataset unchanged.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.imports.demo_records import DemoEvent, DemoPerson
from app.imports.demo_vocabulary import DISTRICTS, FORENAMES, SURNAMES

CLUSTERS_PER_SCALE = 1.5  # two at the default scale, 34 at force scale
MIN_SIZE, MAX_SIZE = 20, 60
OLDEST_DAYS = 1400
PERSON_NUMBER_FROM = 9_000_001
EVENT_NUMBER_FROM = 9_000_001
# Offences within a relationship, mildest first; relationships escalate along this list.
OFFENCES = (
    "non_crime_incident",
    "malicious_communications",
    "harassment",
    "common_assault",
    "criminal_damage",
    "stalking",
    "coercive_control",
    "threats_to_kill",
    "abh",
    "strangulation",
)


@dataclass
class Families:
    persons: list[DemoPerson] = field(default_factory=list)
    events: list[DemoEvent] = field(default_factory=list)
    # Family ties no event shows (not in the import contract: app.demo.network records them).
    relationships: list[tuple[DemoPerson, DemoPerson, str]] = field(default_factory=list)


class _Cluster:
    def __init__(self, rng: random.Random, today: date, out: Families):
        self.rng, self.today, self.out = rng, today, out
        self.district = rng.choice(DISTRICTS)
        self.size = 0

    def person(self, gender: str, age: int, surname: str | None = None) -> DemoPerson:
        rng = self.rng
        forenames = rng.choice(FORENAMES[gender])
        if rng.random() < 0.3:
            forenames += " " + rng.choice(FORENAMES[gender])  # long names try the picture's labels
        if surname is None:
            surname = rng.choice(SURNAMES)
            if rng.random() < 0.15:
                surname += "-" + rng.choice(SURNAMES)
        born = self.today - timedelta(days=int(age * 365.25) + rng.randint(0, 364))
        person = DemoPerson(gender=gender, surname=surname, forenames=forenames, district=self.district, age=age)
        person.date_of_birth = born
        if rng.random() < 0.5:
            person.pnc_id = f"{born.year + 18}/{rng.randint(0, 9_999_999):07d}{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}"
        self.out.persons.append(person)
        self.size += 1
        return person

    def harm(self, suspect: DemoPerson, victim: DemoPerson, start: int, end: int, relationship: str, count: int):
        """`count` events from `start` to `end` days ago, escalating."""
        rng = self.rng
        days = sorted((rng.randint(min(start, end), max(start, end)) for _ in range(count)), reverse=True)
        level = rng.randint(0, 3)
        for day in days:
            level = min(len(OFFENCES) - 1, level + rng.choice((0, 0, 1, 1, 2)))
            self.out.events.append(
                DemoEvent(
                    day=self.today - timedelta(days=day),
                    offence=OFFENCES[level],
                    suspect=suspect,
                    victim=victim,
                    relationship=relationship,
                    dash_risk=rng.choice(("standard", "medium", "medium", "high")),
                    district=self.district,
                    outcome=rng.choice(("", "arrest", "charge", "nfa", "caution")) if day > 30 else "ongoing",
                )
            )

    def partners(self, perpetrator: DemoPerson, how_many: int, start: int, later_partners: bool) -> int:
        """Successive partners of `perpetrator` from `start` days ago; returns the last end."""
        rng = self.rng
        span = max(60, start // max(how_many, 1))
        at = start
        for n in range(how_many):
            if self.size >= MAX_SIZE - 4:  # a partner, her next partner and his two
                break
            gender = "female" if perpetrator.gender == "male" else "male"
            partner = self.person(gender, max(18, perpetrator.age + rng.randint(-6, 4)))
            end = max(0, at - span + rng.randint(0, span // 3))
            relationship = "partner" if n == how_many - 1 else rng.choice(("partner", "ex_partner"))
            self.harm(perpetrator, partner, at, end, relationship, rng.randint(2, 7))
            if later_partners and end > 30 and self.size < MAX_SIZE and rng.random() < 0.55:
                # Her next partner harms her too, and may go on to partners of his own.
                nxt = self.person("male", max(18, partner.age + rng.randint(-3, 6)))
                self.harm(nxt, partner, end, max(0, end - rng.randint(40, 400)), "partner", rng.randint(1, 5))
                if rng.random() < 0.4:
                    self.partners(nxt, rng.randint(1, 2), max(0, end - 200), later_partners=False)
            at = end
        return at

    def family(self, hub: DemoPerson) -> None:
        rng = self.rng
        mother = self.person("female", hub.age + rng.randint(20, 30), hub.surname)
        self.out.relationships.append((hub, mother, "family"))
        if rng.random() < 0.7:  # adolescent-to-parent abuse, or an adult son's
            self.harm(hub, mother, rng.randint(400, OLDEST_DAYS), rng.randint(0, 300), "family", rng.randint(1, 4))
        for _ in range(rng.randint(1, 2)):
            if self.size >= MAX_SIZE - 4:
                return
            brother = self.person("male", hub.age + rng.randint(-6, 6), hub.surname)
            self.out.relationships.append((hub, brother, "family"))
            self.harm(brother, mother, rng.randint(100, 900), rng.randint(0, 90), "family", rng.randint(1, 2))
            self.partners(brother, rng.randint(1, 3), rng.randint(500, OLDEST_DAYS), later_partners=True)
        if rng.random() < 0.5 and self.size < MAX_SIZE - 2:
            sister = self.person("female", hub.age + rng.randint(-6, 6), hub.surname)
            self.out.relationships.append((hub, sister, "family"))
            partner = self.person("male", sister.age + rng.randint(-2, 5))
            self.harm(partner, sister, rng.randint(200, 1000), rng.randint(0, 150), "partner", rng.randint(2, 6))

    def grow(self) -> None:
        rng = self.rng
        target = rng.randint(MIN_SIZE, MAX_SIZE)
        hub = self.person("male", rng.randint(24, 45))
        prolific = rng.random() < 0.35
        self.partners(hub, rng.randint(8, 11) if prolific else rng.randint(3, 5), OLDEST_DAYS, later_partners=True)
        self.family(hub)
        while self.size < target:
            # More of the same around someone already here: another serial perpetrator's partners.
            suspects = [p for p in dict.fromkeys(e.suspect for e in self.out.events[-200:]) if p.gender == "male"]
            before = self.size
            self.partners(rng.choice(suspects), rng.randint(1, 3), rng.randint(300, OLDEST_DAYS), later_partners=True)
            if self.size == before:  # full: partners() adds no one within four of the largest size
                break


def cluster(seed: int, number: int, today: date) -> Families:
    """Cluster `number` alone: the same persons and ties whatever the scale (only dates move with
    `today`), so app.demo.network can find a cluster's relationships again from its references."""
    out = Families()
    _Cluster(random.Random(f"{seed}-family-{number}"), today, out).grow()
    return out


def generate(seed: int, scale: float, today: date, *, taken_pnc_ids: set[str] = frozenset()) -> Families:
    """Clusters of linked families, numbered apart from the main dataset; deterministic for a seed.
    A PNC ID already `taken` (by the main dataset) or repeated is left blank: PNC IDs are unique."""
    out = Families()
    for number in range(round(scale * CLUSTERS_PER_SCALE)):
        one = cluster(seed, number, today)
        out.persons += one.persons
        out.events += one.events
        out.relationships += one.relationships
    number_families(out)
    seen = set(taken_pnc_ids)
    for person in out.persons:
        if person.pnc_id in seen:
            person.pnc_id = None
        elif person.pnc_id:
            seen.add(person.pnc_id)
    return out


def number_families(out: Families, first_person: int = PERSON_NUMBER_FROM) -> None:
    for number, person in enumerate(out.persons, first_person):
        person.ref = f"P{number:07d}"
    for number, event in enumerate(sorted(out.events, key=lambda e: (e.day, e.suspect.ref, e.victim.ref))):
        event.ref = f"E{EVENT_NUMBER_FROM + number:07d}"
