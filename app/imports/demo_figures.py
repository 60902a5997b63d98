"""The figures the demo dataset is calibrated to (issue 11 and reference/domain.md §1.4), measured on
the generated records, so docs/benchmarks.md can state them and a test can hold them.

Definitions (as of the dataset's "today"):
- perpetrators: suspects with an event in the 730 days to today; "reported once": exactly one there;
- harm concentration: harm days of those perpetrators' events in the same 730 days (the default
  catalogue), the share held by the top 3% of perpetrators;
- new among the highest harm: the top 2% of the last 365 days' perpetrators by harm days, the share
  who had no event before those 365 days;
- repeat victims: victims of crimes (non-crime incidents left out) in the last 365 days, with 6-10
  and with more than 10 such reports, also given per 4,400 crimes as Thanet's figures are;
- custody: perpetrators (any time) with a custody period; in custody today; released in the last 90 days.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

HARM_DAYS = {
    "non_crime_incident": 0,
    "criminal_damage": 2,
    "malicious_communications": 5,
    "harassment": 10,
    "stalking": 10,
    "common_assault": 10,
    "breach_civil_order": 5,
    "breach_criminal_order": 30,
    "coercive_control": 120,
    "sexual_assault": 180,
    "arson": 185,
    "threats_to_kill": 365,
    "abh": 365,
    "strangulation": 365,
    "stalking_fear_of_violence": 365,
    "false_imprisonment": 730,
    "gbh": 730,
    "rape": 1825,
}
THANET_CRIMES = 4400


@dataclass(frozen=True)
class Figures:
    persons: int
    events: int
    perpetrators_2y: int
    once_2y: float
    top3_harm_share: float
    top2_new_share: float
    top2_count: int
    crimes_1y: int
    victims_6_to_10: int
    victims_over_10: int
    custody_perpetrators: float
    in_custody: int
    released_90d: int
    events_last_7d: int
    latest_event: date

    @property
    def per_4400(self) -> tuple[float, float]:
        factor = THANET_CRIMES / self.crimes_1y if self.crimes_1y else 0
        return self.victims_6_to_10 * factor, self.victims_over_10 * factor

    def lines(self) -> list[str]:
        six, over = self.per_4400
        return [
            f"{self.persons:,} persons, {self.events:,} events; latest event {self.latest_event.isoformat()}, "
            f"{self.events_last_7d:,} events in the last 7 days",
            f"perpetrators in the last two years: {self.perpetrators_2y:,}, reported once: {self.once_2y:.1%}",
            f"top 3% of them by harm days hold {self.top3_harm_share:.1%} of the harm days",
            f"of the last year's {self.top2_count:,} highest-harm perpetrators (top 2%), "
            f"{self.top2_new_share:.1%} had no earlier report",
            f"repeat victims in the last year ({self.crimes_1y:,} crimes): {self.victims_6_to_10:,} with 6-10 reports, "
            f"{self.victims_over_10:,} with more than 10; per 4,400 crimes {six:.0f} and {over:.0f}",
            f"custody: {self.custody_perpetrators:.1%} of perpetrators have a period; {self.in_custody:,} in custody "
            f"today, {self.released_90d:,} released in the last 90 days",
        ]


def measure(events, custody, persons: int, today: date) -> Figures:
    """`events`: (suspect, victim, day, offence); `custody`: (person, from, to or None)."""
    by_suspect_2y: dict = defaultdict(list)
    harm_1y: Counter = Counter()
    earlier = set()
    crimes_per_victim: Counter = Counter()
    crimes_1y = 0
    latest = date.min
    last_7 = 0
    for suspect, victim, day, offence in events:
        age = (today - day).days
        latest = max(latest, day)
        last_7 += 0 <= age <= 7
        if 0 <= age <= 730:
            by_suspect_2y[suspect].append(offence)
        if 0 <= age <= 365:
            harm_1y[suspect] += HARM_DAYS.get(offence, 0)
            if offence != "non_crime_incident":
                crimes_1y += 1
                crimes_per_victim[victim] += 1
        elif age > 365:
            earlier.add(suspect)
    harms = sorted((sum(HARM_DAYS.get(o, 0) for o in offences) for offences in by_suspect_2y.values()), reverse=True)
    top3 = harms[: max(1, round(0.03 * len(harms)))]
    year = sorted(harm_1y.items(), key=lambda item: -item[1])
    top2 = [suspect for suspect, _ in year[: max(1, round(0.02 * len(year)))]]
    perpetrators = {e[0] for e in events}
    with_custody = {c[0] for c in custody}
    return Figures(
        persons=persons,
        events=len(events),
        perpetrators_2y=len(by_suspect_2y),
        once_2y=sum(len(o) == 1 for o in by_suspect_2y.values()) / max(1, len(by_suspect_2y)),
        top3_harm_share=sum(top3) / max(1, sum(harms)),
        top2_new_share=sum(s not in earlier for s in top2) / len(top2) if top2 else 0,
        top2_count=len(top2),
        crimes_1y=crimes_1y,
        victims_6_to_10=sum(6 <= n <= 10 for n in crimes_per_victim.values()),
        victims_over_10=sum(n > 10 for n in crimes_per_victim.values()),
        custody_perpetrators=len(with_custody & perpetrators) / max(1, len(perpetrators)),
        in_custody=sum(start <= today and (end is None or today < end) for _, start, end in custody),
        released_90d=sum(end is not None and 0 <= (today - end).days <= 90 for _, _, end in custody),
        events_last_7d=last_7,
        latest_event=latest,
    )
