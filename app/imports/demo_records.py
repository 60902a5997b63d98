"""The demo dataset's records (invented persons, events, orders, levers and custody periods) and the
import CSVs they are written as, to the contract of DESIGN.md."""

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app.imports.parsing import FILES


@dataclass(eq=False)
class DemoPerson:
    gender: str
    surname: str
    forenames: str
    district: str
    age: int  # intended age today; the date of birth is fixed once the events are known
    date_of_birth: date | None = None
    pnc_id: str | None = None
    ref: str = ""
    first_seen: date | None = None
    minor: bool = False  # a child victim: under 16 on the day of the first event against them


@dataclass(eq=False)
class DemoEvent:
    day: date
    offence: str
    suspect: DemoPerson
    victim: DemoPerson
    relationship: str
    dash_risk: str
    district: str
    outcome: str
    ref: str = ""


@dataclass(eq=False)
class DemoOrder:
    order_type: str
    subject: DemoPerson
    protected: DemoPerson
    relationship: str
    starts_on: date
    ends_on: date | None
    conditions: list[str]
    ref: str = ""


@dataclass(eq=False)
class DemoPerpetrator:
    person: DemoPerson
    tier: str  # "once", "repeat" or "power"
    events: list[DemoEvent] = field(default_factory=list)


@dataclass(eq=False)
class DemoCustody:
    person: DemoPerson
    kind: str  # remand, sentence or recall
    custody_from: date
    custody_to: date | None  # the day of release; None while still in custody
    expected_release_on: date | None


def write_records(directory: Path, persons, events, orders, levers, custody=()) -> dict[str, int]:
    """Write the five import CSVs, rows sorted by reference; return the row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    persons = sorted(persons, key=lambda p: p.ref)
    events = sorted(events, key=lambda e: e.ref)
    orders = sorted(orders, key=lambda o: o.ref)
    levers = sorted(levers, key=lambda lever: (lever[0].ref, lever[1], lever[3]))
    custody = sorted(custody, key=lambda c: (c.person.ref, c.custody_from))
    rows = {
        "persons.csv": (
            [p.ref, p.surname, p.forenames, _iso(p.date_of_birth), p.gender, p.pnc_id or "", p.district]
            for p in persons
        ),
        "events.csv": (
            [
                e.ref,
                e.day.isoformat(),
                e.offence,
                e.suspect.ref,
                e.victim.ref,
                e.relationship,
                e.dash_risk,
                e.district,
                e.outcome,
            ]
            for e in events
        ),
        "orders.csv": (
            [
                o.ref,
                o.order_type,
                o.subject.ref,
                o.protected.ref,
                o.starts_on.isoformat(),
                _iso(o.ends_on),
                ";".join(o.conditions),
            ]
            for o in orders
        ),
        "levers.csv": (
            [person.ref, code, "true" if active else "false", noted.isoformat(), detail]
            for person, code, active, noted, detail in levers
        ),
        "custody.csv": (
            [c.person.ref, c.custody_from.isoformat(), _iso(c.custody_to), c.kind, _iso(c.expected_release_on)]
            for c in custody
        ),
    }
    for name, body in rows.items():
        with open(directory / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(FILES[name])
            writer.writerows(body)
    return {
        "persons": len(persons),
        "events": len(events),
        "orders": len(orders),
        "levers": len(levers),
        "custody": len(custody),
    }


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""
