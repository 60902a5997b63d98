"""The demo dataset's custody periods and its worked examples, added to the generated records.

Custody: about one perpetrator in twenty, mostly after serious offending (remand, then a sentence;
some recalled to prison later). Nobody offends outside while inside, so a perpetrator's events that
would fall in a period are dropped. Some are inside today (a few due out within a month), some
were released in the last weeks, and some have offended again since.

The worked examples are the cases DESIGN.md's scoring model v2 was written for, so a demo user
can see them on the list: a man released last month after three years inside for GBH, rape and
strangulation (not ranked under v1, ranked under v2); one incident recorded as three crimes; a
perpetrator whose second victim was 14.
"""

from datetime import timedelta

from app.imports.demo_records import DemoCustody, DemoEvent, DemoPerpetrator, DemoPerson
from app.imports.demo_vocabulary import SERIOUS

CUSTODY_SHARE = {"power": 0.85, "repeat": 0.5, "once": 0.45}


def _sentence_days(gen, perpetrator: DemoPerpetrator) -> int:
    offences = {e.offence for e in perpetrator.events if e.suspect is perpetrator.person}
    long = bool(offences & {"rape", "gbh", "false_imprisonment"}) or perpetrator.tier == "power"
    return gen.rng.randint(365, 1600) if long else gen.rng.randint(90, 540)


def add_custody(gen) -> None:
    """Give about 5% of perpetrators custody periods after their most serious offence."""
    rng = gen.rng
    for perpetrator in list(gen.perpetrators):
        own = [e for e in perpetrator.events if e.suspect is perpetrator.person]
        serious = [e for e in own if e.offence in SERIOUS]
        if not serious or not gen.chance(CUSTODY_SHARE[perpetrator.tier]):
            continue
        anchor = max(serious, key=lambda e: (e.day, e.offence))
        start = anchor.day + timedelta(days=rng.randint(1, 60))
        if start > gen.today:
            continue
        periods = []
        if gen.chance(0.5):  # remanded until the trial, then sentenced
            remand_end = min(start + timedelta(days=rng.randint(30, 200)), gen.today + timedelta(days=400))
            periods.append(["remand", start, remand_end])
            start = remand_end
        periods.append(["sentence", start, start + timedelta(days=_sentence_days(gen, perpetrator))])
        released = periods[-1][2]
        if released <= gen.today and gen.chance(0.15):  # recalled on licence
            back = released + timedelta(days=rng.randint(20, 300))
            if back <= gen.today:
                periods.append(["recall", back, back + timedelta(days=rng.randint(28, 240))])
        _keep_periods(gen, perpetrator, periods)


def _keep_periods(gen, perpetrator: DemoPerpetrator, periods: list) -> None:
    person = perpetrator.person
    for kind, start, end in periods:
        if start > gen.today:
            break
        still_in = end > gen.today
        # The real release is often a few days off the expected one.
        gen.custody.append(
            DemoCustody(
                person=person,
                kind=kind,
                custody_from=start,
                custody_to=None if still_in else end,
                expected_release_on=end if still_in else (end if gen.chance(0.7) else None),
            )
        )
        inside = [e for e in perpetrator.events if e.suspect is person and start <= e.day < end]
        for event in inside:  # nobody offends outside while inside
            perpetrator.events.remove(event)
            gen.events.remove(event)


def add_due_releases(gen) -> None:
    """Make sure some persons in custody are due out soon: within 14 days (a pre-release task) and
    within 28 days (the release-due flag)."""
    open_periods = [c for c in gen.custody if c.custody_to is None]
    wanted = max(2, round(0.5 * gen.scale))
    for n, period in enumerate(open_periods[:wanted]):
        period.expected_release_on = gen.today + timedelta(days=(n * 5) % 27 + 1)


def add_worked_examples(gen) -> None:
    """Three persons who show what scoring model v2 changed (see the module's docstring)."""
    today = gen.today

    def perpetrator(surname: str, forenames: str, age: int) -> DemoPerpetrator:
        person = gen.new_person("male", age, "Harbour", surname=surname)
        person.forenames = forenames
        found = DemoPerpetrator(person, "power")
        gen.perpetrators.append(found)
        return found

    def event(who: DemoPerpetrator, victim: DemoPerson, days_ago: int, offence: str, relationship="partner"):
        e = DemoEvent(
            day=today - timedelta(days=days_ago),
            offence=offence,
            suspect=who.person,
            victim=victim,
            relationship=relationship,
            dash_risk="high" if offence in ("rape", "gbh", "strangulation") else "medium",
            district="Harbour",
            outcome="charge" if days_ago > 60 else "ongoing",
        )
        who.events.append(e)
        gen.events.append(e)

    # Released last month after three years inside for GBH, rape and strangulation.
    released = perpetrator("Draventhorpe", "Carl", 41)
    partner = gen.victim_for(released.person, "partner")
    for days_ago, offence in ((1190, "strangulation"), (1160, "rape"), (1145, "gbh")):
        event(released, partner, days_ago, offence)
    gen.custody.append(
        DemoCustody(released.person, "remand", today - timedelta(days=1140), today - timedelta(days=990), None)
    )
    gen.custody.append(
        DemoCustody(released.person, "sentence", today - timedelta(days=990), today - timedelta(days=26), None)
    )
    # One incident recorded as three crimes, against one victim on one day.
    counted = perpetrator("Kelmiston", "Reece", 29)
    victim = gen.victim_for(counted.person, "partner")
    for offence in ("abh", "criminal_damage", "threats_to_kill"):
        event(counted, victim, 20, offence)
    # A second victim who was 14: she is not counted for V or "serial" under v2 (she is under 16).
    young = perpetrator("Trebbock", "Wayne", 38)
    event(young, gen.victim_for(young.person, "partner"), 200, "common_assault")
    child = gen.new_person("female", 15, "Harbour", surname=young.person.surname)
    child.minor = True
    event(young, child, 60, "common_assault", relationship="family")
