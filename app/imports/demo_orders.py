"""The demo dataset's orders (with realistic durations and the protection gap), their breaches,
and the levers noted against repeat perpetrators: the part of the generator after the events."""

import itertools
from datetime import date, timedelta

from app.catalogue import BREACH_OFFENCE_CIVIL, BREACH_OFFENCE_CRIMINAL
from app.imports.demo_records import DemoEvent, DemoOrder, DemoPerpetrator, DemoPerson
from app.imports.demo_vocabulary import (
    CONDITION_GROUP,
    CONDITIONS,
    CRIMINAL_BREACH_ORDER_TYPES,
    LEVER_CLOSED,
    LEVER_DETAILS,
    ORDER_DELAY,
    STREETS,
)

WINDOW_DAYS = 1096  # 36 months: the scoring window


class OrdersAndLevers:
    """Mixed into the generator (app.imports.demo), whose rng, records and helpers it uses."""

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
            day = order.starts_on + timedelta(days=rng.randint(0, span))
            if not self.in_custody(perpetrator.person, day):
                self.add_breach(perpetrator, order, day)

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
            if not self.in_custody(order.subject, day):
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
