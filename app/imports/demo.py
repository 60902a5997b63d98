"""The synthetic demo dataset: an invented force's DA records, written as the import CSVs.

Nothing here touches the database. `write_csvs` writes persons.csv, events.csv, orders.csv,
levers.csv and custody.csv to the import contract of DESIGN.md, and `flask demo-data` loads them
through the real import path. Every person is invented: surnames are built from syllables so that
no real family name appears. The shape is calibrated to the research (reference/domain.md §1.4 and
§8; the measured figures are app.imports.demo_figures and docs/benchmarks.md): about three
perpetrators in four are reported once in two years; a "power few" (3%) cause about 80% of the
harm days, in short bursts, so that over half of a year's highest-harm perpetrators had no earlier
report; a tail of repeat victims; some move from victim to victim (new partners), some escalate, a
few persons are both victim and suspect; about one perpetrator in twenty has been in custody
(app.imports.demo_custody), and events go on up to today.

The output depends only on (seed, scale, today): one `random.Random(seed)` drives every choice,
so the same arguments give byte-identical files.
"""

import itertools
import random
from datetime import date, timedelta
from pathlib import Path

from app.base import today as utc_today
from app.imports import demo_custody, demo_families
from app.imports.demo_orders import OrdersAndLevers
from app.imports.demo_records import DemoCustody, DemoEvent, DemoOrder, DemoPerpetrator, DemoPerson, write_records
from app.imports.demo_vocabulary import (  # noqa: F401  (CRIMINAL_BREACH_ORDER_TYPES: read by the tests)
    CRIMINAL_BREACH_ORDER_TYPES,
    DISTRICTS,
    FORENAMES,
    LEVER_MIX,
    OFFENCE_MIX,
    ORDER_TYPE_MIX,
    SAME_DAY_EXTRAS,
    SERIOUS,
    SEVERITY,
    SURNAMES,
)

# `flask demo-data --force-scale`: about 115,000 persons and 110,000 events, a Kent-sized force.
FORCE_SCALE = 22.5
# Perpetrators at scale 1; with their victims this gives about 5,000 persons and 5,000 events.
PERPETRATORS_PER_SCALE = 2500
POWER_FEW_SHARE = 0.03  # serious offending in bursts: the "power few" of the research
REPEAT_SHARE = 0.23  # 2-14 events each; the rest (about three in four) are reported once
OLDEST_DAYS = 1460  # four years of events: three for the window and one before it for backtests


# Add-ons that contribute records to the dataset, called in this order after the generator's own
# records and before dates of birth, PNC IDs and references are settled: each is
# `contribute(generator)`, deterministic for the generator's `rng`, and may add persons
# (`new_person`, `victim_for`), events (`add_event`), orders (`make_order`), levers (append to
# `levers`) and custody periods (append DemoCustody to `custody`). A module of the imports part
# adds its function here (e.g. the family networks of issue 14).
CONTRIBUTORS: tuple = ()


def write_csvs(
    directory, *, scale: float = 1.0, seed: int = 2022, today: date | None = None, contributors=None
) -> dict[str, int]:
    """Write the five import CSVs into `directory` (created if need be); return the row counts."""
    generator = _Generator(random.Random(seed), scale, today or utc_today())
    generator.generate(CONTRIBUTORS if contributors is None else contributors)
    # Linked families of 20-60 persons around serial perpetrators (issue 14), numbered apart.
    taken = {p.pnc_id for p in generator.persons if p.pnc_id}
    families = demo_families.generate(seed, scale, generator.today, taken_pnc_ids=taken)
    return write_records(
        Path(directory),
        generator.persons + families.persons,
        generator.events + families.events,
        generator.orders,
        generator.levers,
        generator.custody,
    )


def _weighted(pairs, column: int = 1):
    codes = [p[0] for p in pairs]
    return codes, list(itertools.accumulate(p[column] for p in pairs))


class _Generator(OrdersAndLevers):
    """Builds the whole dataset in memory, then writes it; every choice comes from `rng`."""

    def __init__(self, rng: random.Random, scale: float, today: date):
        self.rng, self.scale, self.today = rng, scale, today
        self.persons: list[DemoPerson] = []
        self.perpetrators: list[DemoPerpetrator] = []
        self.victims: list[DemoPerson] = []  # pool for the occasional victim of more than one perpetrator
        self.events: list[DemoEvent] = []
        self.orders: list[DemoOrder] = []
        self.levers: list[tuple[DemoPerson, str, bool, date, str]] = []
        self.custody: list[DemoCustody] = []
        self._custody_of: dict = {}
        self._custody_indexed = -1
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

    def generate(self, contributors=()) -> None:
        count = max(1, round(PERPETRATORS_PER_SCALE * self.scale))
        # Fixed shares, in a shuffled order, keep the totals steady from seed to seed.
        power = round(count * POWER_FEW_SHARE)
        repeat = round(count * REPEAT_SHARE)
        tiers = ["power"] * power + ["repeat"] * repeat + ["once"] * (count - power - repeat)
        self.rng.shuffle(tiers)
        for tier in tiers:
            self.add_perpetrator(tier)
        self.add_counter_allegations()
        demo_custody.add_custody(self)
        demo_custody.add_due_releases(self)
        self.add_orders()
        self.add_levers()
        demo_custody.add_worked_examples(self)
        for contribute in contributors:
            contribute(self)
        self.settle_persons()

    def in_custody(self, person: DemoPerson, day: date) -> bool:
        if self._custody_indexed != len(self.custody):  # indexed again when periods were added
            self._custody_of = {}
            for period in self.custody:
                self._custody_of.setdefault(period.person, []).append(period)
            self._custody_indexed = len(self.custody)
        return any(
            c.custody_from <= day and (c.custody_to is None or day < c.custody_to)
            for c in self._custody_of.get(person, ())
        )

    def add_perpetrator(self, tier: str) -> None:
        rng = self.rng
        if tier == "once":
            n_events, n_victims = 1, 1
        elif tier == "repeat":
            n_events = rng.choices(
                [2, rng.randint(3, 4), rng.randint(5, 8), rng.randint(9, 14)], weights=[42, 32, 20, 6]
            )[0]
            n_victims = min(n_events, rng.choices([1, 2, 3], weights=[72, 22, 6])[0])
        else:
            n_events = rng.randint(5, 13)
            n_victims = rng.choices([1, 2, 3], weights=[30, 42, 28])[0]

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
        cuts = sorted(rng.sample(range(1, len(days)), n_victims - 1)) if 1 < n_victims <= len(days) - 1 else []
        segments = list(zip([0, *cuts], [*cuts, len(days)], strict=True))
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
                self.add_incident(perpetrator, target, days[i], offences[i], rel)

    def add_incident(self, perpetrator, victim, day: date, offence: str, relationship: str) -> None:
        """One incident: usually one crime, but a serious one is often recorded as several crimes
        against the same victim on the same day (scoring model v2 counts them as one incident)."""
        self.add_event(perpetrator, victim, day, offence, relationship)
        if offence in SERIOUS and self.chance(0.25):
            for extra in self.rng.sample(SAME_DAY_EXTRAS, self.rng.randint(1, 2)):
                self.add_event(perpetrator, victim, day, extra, relationship)

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
            if perpetrator.age >= 32 and self.chance(0.05):  # a child of the household
                victim = self.new_person(gender, 15, self.near(perpetrator.district), surname)
                victim.minor = True
                self.victims.append(victim)
                return victim
            victim = self.new_person(gender, age, self.near(perpetrator.district), surname)
        else:
            gender = rng.choices(["female", "male", "unknown"], weights=[70, 28, 2])[0]
            victim = self.new_person(gender, rng.randint(18, 70), self.near(perpetrator.district))
        self.victims.append(victim)
        return victim

    def near(self, district: str) -> str:
        return district if self.chance(0.85) else self.rng.choice(DISTRICTS)

    def event_days(self, tier: str, n: int, escalating: bool) -> list[date]:
        """Dates (oldest first) of a perpetrator's events, none in the future. Careers begin evenly
        over the four years and run on past today for some (their later events have not happened
        yet), so events go on up to today and each year brings new perpetrators."""
        rng = self.rng
        start = rng.randint(0, OLDEST_DAYS)  # days ago the first reported event happened
        if tier == "once":
            return [self.ago(start)]
        span = rng.randint(30, 365) if tier == "power" else int(rng.triangular(20, 900, 120))
        end = start - span  # the last event, in days ago: below 0 is after today
        # Escalation: events bunch towards the most recent end of the career.
        power = 2.2 if escalating else 1.0
        offsets = [start] + [end + int((start - end) * rng.random() ** power) for _ in range(n - 2)] + [end]
        return [self.ago(o) for o in sorted(offsets[:n], reverse=True) if o >= 0]

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

    # ---- dates of birth, PNC IDs and references -----------------------------------------------

    def settle_persons(self) -> None:
        rng = self.rng
        # Persons left with no event (their only one fell in the offender's time inside) go.
        named = {e.suspect for e in self.events} | {e.victim for e in self.events}
        self.persons = [p for p in self.persons if p in named]
        for event in self.events:
            for person in (event.suspect, event.victim):
                if person.first_seen is None or event.day < person.first_seen:
                    person.first_seen = event.day
        suspects = {e.suspect for e in self.events}
        tiers = {p.person: p.tier for p in self.perpetrators}
        used_pnc: set[str] = set()
        for person in self.persons:
            is_suspect = person in suspects
            if person.minor:  # a child victim: 14 on the day of the first event against them
                person.date_of_birth = _years_before(person.first_seen, 15) + timedelta(days=rng.randint(1, 300))
            elif is_suspect or self.chance(0.97):
                born = _years_before(self.today, person.age) - timedelta(days=rng.randint(0, 364))
                # Nobody else in a DA event is under 16 on its date.
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
