"""The synthetic demo dataset: an invented force's DA records, written as the import CSVs.

Nothing here touches the database. `write_csvs` writes persons.csv, events.csv, orders.csv and
levers.csv to the import contract of DESIGN.md, and `flask demo-data` loads them through the real
import path. Every person is invented: surnames are built from syllables so that no real family
name appears. The shape follows reference/domain.md §1.4 and §8: about three perpetrators in four
appear once, a "power few" (about 3.5%) cause most of the harm, some move from victim to victim
(new partners), some escalate, and a few persons are both victim and suspect.

The output depends only on (seed, scale, today): one `random.Random(seed)` drives every choice,
so the same arguments give byte-identical files.
"""

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

from app.base import today as utc_today
from app.catalogue import BREACH_OFFENCE_CIVIL, BREACH_OFFENCE_CRIMINAL
from app.imports import demo_families
from app.imports.demo_records import DemoEvent, DemoOrder, DemoPerpetrator, DemoPerson, write_records
from app.imports.demo_vocabulary import (
    CONDITION_GROUP,
    CONDITIONS,
    CRIMINAL_BREACH_ORDER_TYPES,
    DISTRICTS,
    FORENAMES,
    LEVER_CLOSED,
    LEVER_DETAILS,
    LEVER_MIX,
    OFFENCE_MIX,
    ORDER_DELAY,
    ORDER_TYPE_MIX,
    SERIOUS,
    SEVERITY,
    STREETS,
    SURNAMES,
)

# `flask demo-data --force-scale`: about 45,000 persons and 120,000 events, a Kent-sized force.
FORCE_SCALE = 22.5
# Perpetrators at scale 1; with their victims this gives about 2,000 persons and 5,000 events.
PERPETRATORS_PER_SCALE = 950
POWER_FEW_SHARE = 0.035  # 40-105 events each over up to 4 years
REPEAT_SHARE = 0.245  # 2-45 events each; the rest appear once

WINDOW_DAYS = 1096  # 36 months: the scoring window
OLDEST_DAYS = 1460  # a thin tail of events up to 4 years old, so the window's edge matters


# Syllables chosen so that no combination is a common real surname.


# Offence codes from least to most harmful (DESIGN.md's default harm days), each with its weight
# among one-off perpetrators, repeat perpetrators and the power few. Low-harm categories dominate.

# As seeded in the order_types catalogue (DESIGN.md): breach of these is a criminal offence.
# Days from the incident to the order starting (court orders take weeks or months).


# Lever codes from the catalogue, except breach_unactioned (derived from breaches, never imported).


def write_csvs(directory, *, scale: float = 1.0, seed: int = 2022, today: date | None = None) -> dict[str, int]:
    """Write the four import CSVs into `directory` (created if need be); return the row counts."""
    generator = _Generator(random.Random(seed), scale, today or utc_today())
    generator.generate()
    taken = {p.pnc_id for p in generator.persons if p.pnc_id}
    families = demo_families.generate(seed, scale, generator.today, taken_pnc_ids=taken)  # numbered apart
    persons, events = generator.persons + families.persons, generator.events + families.events
    return write_records(Path(directory), persons, events, generator.orders, generator.levers)


def _weighted(pairs, column: int = 1):
    codes = [p[0] for p in pairs]
    return codes, list(itertools.accumulate(p[column] for p in pairs))


class _Generator:
    """Builds the whole dataset in memory, then writes it; every choice comes from `rng`."""

    def __init__(self, rng: random.Random, scale: float, today: date):
        self.rng, self.scale, self.today = rng, scale, today
        self.persons: list[DemoPerson] = []
        self.perpetrators: list[DemoPerpetrator] = []
        self.victims: list[DemoPerson] = []  # pool for the occasional victim of more than one perpetrator
        self.events: list[DemoEvent] = []
        self.orders: list[DemoOrder] = []
        self.levers: list[tuple[DemoPerson, str, bool, date, str]] = []
        self.offences = {tier: _weighted(OFFENCE_MIX, col) for col, tier in enumerate(("once", "repeat", "power"), 1)}
        self.order_types = _weighted(ORDER_TYPE_MIX)
        self.lever_types = _weighted(LEVER_MIX)

    # ---- small helpers ------------------------------------------------------------------------

    def pick(self, weighted) -> str:
        codes, cum = weighted
        return self.rng.choices(codes, cum_weights=cum)[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def age_in_days(self, day: date) -> int:
        return (self.today - day).days

    def new_person(self, gender: str, age: int, district: str, surname: str | None = None) -> DemoPerson:
        forenames = self.rng.choice(FORENAMES[gender])
        if self.chance(0.25):
            middle = self.rng.choice(FORENAMES[gender])
            if middle != forenames:
                forenames += " " + middle
        person = DemoPerson(
            gender=gender,
            surname=surname or self.rng.choice(SURNAMES),
            forenames=forenames,
            district=district,
            age=max(16, min(80, age)),
        )
        self.persons.append(person)
        return person

    # ---- perpetrators, victims, events --------------------------------------------------------

    def generate(self) -> None:
        count = max(1, round(PERPETRATORS_PER_SCALE * self.scale))
        # Fixed shares, in a shuffled order, keep the totals steady from seed to seed.
        power = round(count * POWER_FEW_SHARE)
        repeat = round(count * REPEAT_SHARE)
        tiers = ["power"] * power + ["repeat"] * repeat + ["once"] * (count - power - repeat)
        self.rng.shuffle(tiers)
        for tier in tiers:
            self.add_perpetrator(tier)
        self.add_counter_allegations()
        self.add_orders()
        self.add_levers()
        self.settle_persons()

    def add_perpetrator(self, tier: str) -> None:
        rng = self.rng
        if tier == "once":
            n_events, n_victims = 1, 1
        elif tier == "repeat":
            n_events = rng.choices(
                [2, rng.randint(3, 4), rng.randint(5, 9), rng.randint(10, 19), rng.randint(20, 45)],
                weights=[28, 24, 22, 16, 10],
            )[0]
            n_victims = min(n_events, rng.choices([1, 2, 3, 4], weights=[70, 22, 6, 2])[0])
        else:
            n_events = rng.randint(40, 105)
            n_victims = rng.choices([1, 2, 3, 4], weights=[30, 35, 23, 12])[0]

        gender = rng.choices(["male", "female", "other"], weights=[81, 18, 1])[0]
        roll = rng.random()
        adolescent = roll < 0.04
        if adolescent:  # adolescent-to-parent abuse
            age = rng.randint(16, 19)
        elif roll < 0.09:
            age = rng.randint(59, 75)
        else:
            age = int(rng.triangular(20, 58, 31))
        person = self.new_person(gender, age, rng.choice(DISTRICTS))
        perpetrator = DemoPerpetrator(person, tier)
        self.perpetrators.append(perpetrator)

        escalating = tier != "once" and n_events >= 3 and self.chance(0.5 if tier == "power" else 0.3)
        days = self.event_days(tier, n_events, escalating)
        offences = [self.pick(self.offences[tier]) for _ in days]
        if escalating:  # the harm grows over time as well as the frequency
            offences.sort(key=SEVERITY.__getitem__)

        # Victims in turn: each later victim is a new partner; cut the timeline into segments.
        cuts = sorted(rng.sample(range(1, n_events), n_victims - 1)) if n_victims > 1 else []
        segments = list(zip([0, *cuts], [*cuts, n_events], strict=True))
        dyads: list[tuple[DemoPerson, str]] = []
        for index, (start, end) in enumerate(segments):
            relationship = self.first_relationship(adolescent, later=index > 0)
            victim = self.victim_for(person, relationship)
            dyads.append((victim, relationship))
            separated_at = rng.randint(start, end) if relationship == "partner" and self.chance(0.4) else end
            for i in range(start, end):
                target, rel = victim, relationship
                if i >= separated_at:
                    rel = "ex_partner"
                if index > 0 and i > start and self.chance(0.1):  # an earlier partner is still harassed
                    target, rel = dyads[rng.randrange(index)]
                    rel = "ex_partner" if rel == "partner" else rel
                self.add_event(perpetrator, target, days[i], offences[i], rel)

    def first_relationship(self, adolescent: bool, *, later: bool) -> str:
        if adolescent:
            return "family"
        if later:
            return self.rng.choices(["partner", "ex_partner", "family", "other"], weights=[85, 5, 7, 3])[0]
        return self.rng.choices(["partner", "ex_partner", "family", "other"], weights=[65, 19, 11, 5])[0]

    def victim_for(self, perpetrator: DemoPerson, relationship: str) -> DemoPerson:
        rng = self.rng
        if relationship in ("partner", "ex_partner"):
            if perpetrator.gender == "male":
                gender = "female" if self.chance(0.93) else "male"
            else:
                gender = "male" if self.chance(0.8) else "female"
            # Some victims suffer more than one abusive partner.
            if self.victims and self.chance(0.03):
                candidate = rng.choice(self.victims)
                if candidate is not perpetrator and candidate.gender == gender:
                    return candidate
            age = perpetrator.age + round(rng.gauss(-2, 6))
            victim = self.new_person(gender, max(age, 18), self.near(perpetrator.district))
        elif relationship == "family":
            gender = rng.choices(["female", "male"], weights=[65, 35])[0]
            if perpetrator.age < 30 or self.chance(0.5):
                age = perpetrator.age + rng.randint(18, 32)  # a parent
            else:
                age = perpetrator.age + rng.randint(-8, 8)  # a sibling
            surname = perpetrator.surname if self.chance(0.8) else None
            victim = self.new_person(gender, age, self.near(perpetrator.district), surname)
        else:
            gender = rng.choices(["female", "male", "unknown"], weights=[70, 28, 2])[0]
            victim = self.new_person(gender, rng.randint(18, 70), self.near(perpetrator.district))
        self.victims.append(victim)
        return victim

    def near(self, district: str) -> str:
        return district if self.chance(0.85) else self.rng.choice(DISTRICTS)

    def event_days(self, tier: str, n: int, escalating: bool) -> list[date]:
        """Dates (oldest first) of a perpetrator's events, none in the future."""
        rng = self.rng
        if tier == "once":
            offset = rng.randint(0, WINDOW_DAYS) if self.chance(0.93) else rng.randint(WINDOW_DAYS, OLDEST_DAYS)
            return [self.ago(offset)]
        if escalating:
            latest = rng.randint(0, 45)
            span = rng.randint(200, 700)
        else:
            active = self.chance(0.9 if tier == "power" else 0.65)
            latest = min(int(rng.expovariate(1 / 90)), 600) if active else rng.randint(90, WINDOW_DAYS - 30)
            span = rng.randint(500, 1300) if tier == "power" else rng.randint(30, 1100)
        earliest = min(latest + span, OLDEST_DAYS)
        # Escalation: events bunch towards the most recent end of the span.
        power = 2.2 if escalating else 1.0
        offsets = [latest] + [latest + int((earliest - latest) * rng.random() ** power) for _ in range(n - 1)]
        return [self.ago(o) for o in sorted(offsets, reverse=True)]

    def add_event(self, perpetrator: DemoPerpetrator, victim: DemoPerson, day: date, offence: str, relationship: str):
        event = DemoEvent(
            day=day,
            offence=offence,
            suspect=perpetrator.person,
            victim=victim,
            relationship=relationship,
            dash_risk=self.dash_risk(offence),
            district=self.event_district(perpetrator.person, victim),
            outcome=self.outcome(offence, day),
        )
        perpetrator.events.append(event)
        self.events.append(event)
        return event

    def event_district(self, suspect: DemoPerson, victim: DemoPerson) -> str:
        roll = self.rng.random()
        return "" if roll < 0.03 else suspect.district if roll < 0.85 else victim.district

    def dash_risk(self, offence: str) -> str:
        if offence in SERIOUS:
            weights = [10, 15, 40, 35]
        elif offence == "non_crime_incident":
            weights = [30, 50, 17, 3]
        else:
            weights = [15, 52, 27, 6]
        return self.rng.choices(["", "standard", "medium", "high"], weights=weights)[0]

    def outcome(self, offence: str, day: date) -> str:
        age = self.age_in_days(day)
        choices = ["", "arrest", "charge", "caution", "nfa", "ongoing"]
        if offence == "non_crime_incident":
            weights = [70, 0, 0, 0, 10, 20] if age <= 30 else [60, 0, 0, 0, 40, 0]
        elif age <= 30:
            weights = [25, 20, 5, 0, 5, 45]
        elif age <= 180:
            weights = [15, 20, 15, 5, 25, 20]
        else:
            weights = [18, 10, 22, 8, 40, 2]
        return self.rng.choices(choices, weights=weights)[0]

    def add_counter_allegations(self) -> None:
        """Rarely, a victim is also recorded as the suspect of an incident on the same day."""
        for perpetrator in list(self.perpetrators):
            p = 0.005 if perpetrator.tier == "once" else 0.04
            partner_events = [e for e in perpetrator.events if e.relationship in ("partner", "ex_partner")]
            if not partner_events or not self.chance(p):
                continue
            original = self.rng.choice(partner_events)
            counter = DemoPerpetrator(original.victim, "once")
            self.perpetrators.append(counter)
            offences = ["common_assault", "non_crime_incident", "criminal_damage"]
            offence = self.rng.choices(offences, weights=[5, 3, 2])[0]
            event = self.add_event(counter, perpetrator.person, original.day, offence, original.relationship)
            event.dash_risk = self.rng.choice(["", "standard"])
            if self.age_in_days(original.day) > 30:
                event.outcome = self.rng.choices(["nfa", "", "caution"], weights=[6, 3, 1])[0]

    # ---- orders and breaches ------------------------------------------------------------------

    def add_orders(self) -> None:
        rng = self.rng
        for perpetrator in list(self.perpetrators):
            p = {"once": 0.05, "repeat": 0.22, "power": 0.65}[perpetrator.tier]
            own = [e for e in perpetrator.events if e.suspect is perpetrator.person]
            if not own or not self.chance(p):
                continue
            n_orders = 1 + (perpetrator.tier == "power") * (self.chance(0.5) + self.chance(0.25))
            for _ in range(n_orders):
                anchor = rng.choice(own)
                order_type = self.pick(self.order_types)
                follows = {"dvpo": "dvpn", "dapo": "dapn"}.get(order_type)
                if follows and (order_type == "dvpo" or self.chance(0.4)):
                    # A DVPO always, and a DAPO often, follows the notice the police served. No
                    # hearing has happened yet for a notice still running, so it has no order yet.
                    notice = self.make_order(follows, perpetrator.person, anchor)
                    if notice.ends_on <= self.today:
                        self.make_order(order_type, perpetrator.person, anchor, starts_on=notice.ends_on)
                else:
                    self.make_order(order_type, perpetrator.person, anchor)
        self.open_protection_gaps()
        by_subject = {p.person: p for p in self.perpetrators}
        for order in self.orders:
            self.add_breaches(by_subject[order.subject], order)
        self.add_recent_breaches(by_subject)

    def make_order(
        self, order_type: str, subject: DemoPerson, anchor: DemoEvent, starts_on: date | None = None
    ) -> DemoOrder:
        rng = self.rng
        if starts_on is None:
            low, high = ORDER_DELAY[order_type]
            starts_on = min(anchor.day + timedelta(days=rng.randint(low, high)), self.today)
        order = DemoOrder(
            order_type=order_type,
            subject=subject,
            protected=anchor.victim,
            relationship=anchor.relationship,
            starts_on=starts_on,
            ends_on=self.order_end(order_type, starts_on),
            conditions=self.conditions(order_type, subject),
        )
        self.orders.append(order)
        return order

    def order_end(self, order_type: str, starts_on: date) -> date | None:
        """A realistic end date by order type (reference/domain.md §3); None is until further order."""
        rng = self.rng
        if order_type in ("dvpn", "dapn"):  # up to 48 hours, until the hearing
            days = rng.randint(0, 2)
        elif order_type == "dvpo":
            days = rng.randint(14, 28)
        elif order_type == "non_molestation":
            if self.chance(0.1):
                return None
            days = rng.randint(182, 365)
        elif order_type == "occupation":
            days = rng.choice([182, 365])
        elif order_type in ("restraining_conviction", "restraining_acquittal"):
            if self.chance(0.5 if order_type == "restraining_conviction" else 0.4):
                return None
            days = rng.randint(365, 5 * 365)
        elif order_type == "stalking_protection":
            if self.chance(0.2):
                return None
            days = rng.randint(2 * 365, 5 * 365)
        elif order_type == "dapo":
            if self.chance(0.3):
                return None
            days = rng.randint(182, 2 * 365)
        elif order_type == "bail_conditions":
            days = rng.randint(28, 91)
        elif order_type == "licence_conditions":
            days = rng.randint(182, 3 * 365)
        else:  # criminal_behaviour: at least 2 years for an adult
            if self.chance(0.3):
                return None
            days = rng.randint(2 * 365, 3 * 365)
        return starts_on + timedelta(days=days)

    def conditions(self, order_type: str, subject: DemoPerson) -> list[str]:
        rng = self.rng
        own = list(CONDITIONS.get(CONDITION_GROUP.get(order_type, order_type), ()))
        common = list(CONDITIONS["common"])
        wanted = rng.randint(1, 4)
        chosen = [common.pop(0)] if order_type not in ("occupation", "criminal_behaviour") else []
        chosen += rng.sample(own, min(len(own), rng.randint(0, wanted)))
        while len(chosen) < wanted:
            chosen.append(common.pop(rng.randrange(len(common))))
        district = subject.district
        return [c.format(street=rng.choice(STREETS), district=district) for c in chosen[:4]]

    def open_protection_gaps(self) -> None:
        """Make sure some orders in force today end within the next week (the protection gap)."""
        wanted = max(1, round(5 * self.scale))
        soon = [o for o in self.orders if o.ends_on and 0 < (o.ends_on - self.today).days <= 7]
        # Orders in force for a month or more that would otherwise run on past next week.
        candidates = [
            o
            for o in self.orders
            if o.order_type not in ("dvpn", "dapn", "dvpo")
            and o.starts_on <= self.today - timedelta(days=28)
            and (o.ends_on is None or o.ends_on > self.today + timedelta(days=7))
        ]
        self.rng.shuffle(candidates)
        # Short-lived orders are the ones that usually lapse; court orders for years rarely do.
        candidates.sort(key=lambda o: o.order_type not in ("bail_conditions", "non_molestation", "occupation"))
        for order in candidates[: max(0, wanted - len(soon))]:
            order.ends_on = self.today + timedelta(days=self.rng.randint(1, 7))

    def add_breaches(self, perpetrator: DemoPerpetrator, order: DemoOrder) -> None:
        rng = self.rng
        last = min(order.ends_on or self.today, self.today)
        if last < order.starts_on:
            return
        p = {"once": 0.25, "repeat": 0.4, "power": 0.7}[perpetrator.tier]
        if not self.chance(p):
            return
        span = (last - order.starts_on).days
        for _ in range(rng.choices([1, 2, 3, 4], weights=[55, 25, 12, 8])[0]):
            self.add_breach(perpetrator, order, order.starts_on + timedelta(days=rng.randint(0, span)))

    def add_breach(
        self, perpetrator: DemoPerpetrator, order: DemoOrder, day: date, outcome: str | None = None
    ) -> DemoEvent:
        offence = BREACH_OFFENCE_CRIMINAL if order.order_type in CRIMINAL_BREACH_ORDER_TYPES else BREACH_OFFENCE_CIVIL
        relationship = "ex_partner" if order.relationship == "partner" and self.chance(0.6) else order.relationship
        event = self.add_event(perpetrator, order.protected, day, offence, relationship)
        event.dash_risk = self.rng.choices(["", "standard", "medium", "high"], weights=[50, 30, 15, 5])[0]
        if outcome is not None:
            event.outcome = outcome
        elif self.age_in_days(day) <= 90:
            choices = ["arrest", "charge", "ongoing", "nfa", ""]
            event.outcome = self.rng.choices(choices, weights=[35, 10, 25, 10, 20])[0]
        else:
            choices = ["arrest", "charge", "nfa", "caution", ""]
            event.outcome = self.rng.choices(choices, weights=[30, 25, 25, 5, 15])[0]
        return event

    def add_recent_breaches(self, by_subject: dict) -> None:
        """Make sure some orders in force have a breach in the last 90 days, actioned or not."""
        wanted = max(2, round(6 * self.scale))
        in_force = [
            o for o in self.orders if o.starts_on <= self.today and (o.ends_on is None or o.ends_on >= self.today)
        ]
        recent = {
            (e.suspect, e.victim)
            for e in self.events
            if e.offence in (BREACH_OFFENCE_CIVIL, BREACH_OFFENCE_CRIMINAL) and self.age_in_days(e.day) <= 90
        }
        missing = [o for o in in_force if (o.subject, o.protected) not in recent]
        # Alternate: an unactioned breach (no arrest or charge yet), then an actioned one.
        outcomes = itertools.cycle(["ongoing", "arrest", "", "charge", "nfa", "arrest"])
        for order in missing[: max(0, wanted - (len(in_force) - len(missing)))]:
            earliest = max(0, min(89, (self.today - order.starts_on).days))
            day = self.ago(self.rng.randint(0, earliest))
            self.add_breach(by_subject[order.subject], order, day, next(outcomes))

    # ---- levers -------------------------------------------------------------------------------

    def add_levers(self) -> None:
        rng = self.rng
        licensed = {o.subject for o in self.orders if o.order_type == "licence_conditions"}
        bailed = {o.subject for o in self.orders if o.order_type == "bail_conditions"}
        for perpetrator in self.perpetrators:
            p = {"once": 0.0, "repeat": 0.1, "power": 0.5}[perpetrator.tier]
            if not self.chance(p):
                continue
            person = perpetrator.person
            first = min(e.day for e in perpetrator.events)
            codes = {self.pick(self.lever_types) for _ in range(rng.choices([1, 2, 3], weights=[60, 30, 10])[0])}
            if person in licensed and self.chance(0.6):
                codes.add("licence_recall_possible")
            if person in bailed and self.chance(0.5):
                codes.add("bail_conditions")
            for code in sorted(codes):
                span = max(0, min((self.today - first).days, WINDOW_DAYS))
                noted = self.ago(rng.randint(0, span))
                detail = rng.choice(LEVER_DETAILS[code]).format(district=person.district)
                if noted < self.today and self.chance(0.15):  # recorded, then no longer applies
                    closed = noted + timedelta(days=rng.randint(1, max(1, (self.today - noted).days)))
                    self.levers.append((person, code, True, noted, detail))
                    self.levers.append((person, code, False, closed, LEVER_CLOSED[code]))
                else:
                    self.levers.append((person, code, True, noted, detail))

    # ---- dates of birth, PNC IDs and references -----------------------------------------------

    def settle_persons(self) -> None:
        rng = self.rng
        for event in self.events:
            for person in (event.suspect, event.victim):
                if person.first_seen is None or event.day < person.first_seen:
                    person.first_seen = event.day
        suspects = {e.suspect for e in self.events}
        tiers = {p.person: p.tier for p in self.perpetrators}
        used_pnc: set[str] = set()
        for person in self.persons:
            is_suspect = person in suspects
            if is_suspect or self.chance(0.97):
                born = _years_before(self.today, person.age) - timedelta(days=rng.randint(0, 364))
                # Nobody in a DA event is under 16 on its date.
                limit = _years_before(person.first_seen, 16) if person.first_seen else born
                person.date_of_birth = min(born, limit - timedelta(days=rng.randint(0, 300)))
            p_pnc = {"power": 1.0, "repeat": 0.92, "once": 0.75}.get(tiers.get(person), 0.04) if is_suspect else 0.04
            if self.chance(p_pnc):
                person.pnc_id = self.pnc_id(person, used_pnc)
        # References do not reveal who is who: persons are numbered in a shuffled order.
        order = list(self.persons)
        rng.shuffle(order)
        for number, person in enumerate(order, 1):
            person.ref = f"P{number:07d}"
        for number, event in enumerate(sorted(self.events, key=lambda e: e.day), 1):
            event.ref = f"E{number:07d}"
        for number, order_ in enumerate(sorted(self.orders, key=lambda o: o.starts_on), 1):
            order_.ref = f"O{number:06d}"

    def pnc_id(self, person: DemoPerson, used: set[str]) -> str:
        born = person.date_of_birth.year if person.date_of_birth else self.today.year - person.age
        first_year = max(1995, min(born + 14, self.today.year))
        while True:
            year = self.rng.randint(first_year, self.today.year)
            pnc = f"{year}/{self.rng.randint(0, 9_999_999):07d}{self.rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}"
            if pnc not in used:
                used.add(pnc)
                return pnc

    # ---- output -------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)
