"""Repeat victims due a hidden-harm visit, ordered by need rather than by number of suspects.

A repeat victim (app.network.graph.repeat_victims: two or more suspects in 36 months, or three or
more events in 12 months) is due a visit when none was completed in the last 90 days (a recorded
visit, or a hidden-harm visit task done; decisions.md #14). The list is ordered by need:

1. a high DASH grade first: the latest DASH assessment's grade, else the latest graded event's;
2. then those not spoken to for N days (N chosen on the page, 28 by default; never counts as long
   ago): a logged contact where they were spoken to, a visit or a DA Hub response;
3. then the most reports (DA events against them) in the last 12 months;
4. then the longest without contact, then by reference.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import local_date, local_time, local_today
from app.extensions import db
from app.network import graph as network
from app.network import services as network_services
from app.offenders.models import DAEvent, Person
from app.tasking.models import Task
from app.tasking.tasks.rules import OPEN_STATUSES
from app.victims.contacts.services import last_spoken_to
from app.victims.dash.services import latest_grades
from app.victims.hub.models import HubResponse
from app.victims.visits.models import VictimVisit

HIDDEN_HARM_VISIT_DAYS = 90
NO_CONTACT_DAYS = 28
NO_CONTACT_CHOICES = (7, 14, 28, 56, 90)
REPORT_WINDOW_MONTHS = 12


@dataclass
class NeedRow:
    person: Person
    finding: network.RepeatVictim
    reports_12m: int
    grade: str | None
    grade_source: str | None  # "assessment" or "event"
    last_contact: datetime | None
    days_without_contact: int | None  # None: never contacted
    last_visit: datetime | None  # the latest completed visit, older than the window
    open_visit: Task | None  # a visit already raised and not yet done
    no_contact_days: int

    @property
    def high(self) -> bool:
        return self.grade == "high"

    @property
    def not_contacted(self) -> bool:
        return self.days_without_contact is None or self.days_without_contact >= self.no_contact_days

    @property
    def sort_key(self):
        never = self.days_without_contact is None
        return (
            not self.high,
            not self.not_contacted,
            -self.reports_12m,
            not never,
            -(self.days_without_contact or 0),
            self.person.ref,
        )


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _visits(ids: list[int]) -> tuple[dict[int, list[Task]], dict[int, datetime]]:
    """Visit tasks of each victim, and each victim's latest recorded visit."""
    tasks: dict[int, list[Task]] = {}
    recorded: dict[int, datetime] = {}
    for chunk in _chunks(ids):
        for task in db.session.scalars(
            sa.select(Task)
            .where(Task.task_type == "hidden_harm_visit", Task.person_id.in_(chunk))
            .where(Task.status.in_((*OPEN_STATUSES, "done")))
            .order_by(Task.id)
        ):
            tasks.setdefault(task.person_id, []).append(task)
        recorded.update(
            db.session.execute(
                sa.select(VictimVisit.person_id, sa.func.max(VictimVisit.visited_at))
                .where(VictimVisit.person_id.in_(chunk))
                .group_by(VictimVisit.person_id)
            ).all()
        )
    return tasks, recorded


def _last_hub_contact(ids: list[int]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    for chunk in _chunks(ids):
        found.update(
            db.session.execute(
                sa.select(HubResponse.person_id, sa.func.max(HubResponse.contact_made_at))
                .where(HubResponse.person_id.in_(chunk))
                .group_by(HubResponse.person_id)
            ).all()
        )
    return found


def _reports(events, ids: set[int], as_of: date) -> dict[int, int]:
    """Reports (DA events against them) in the last 12 months, per victim."""
    reports: dict[int, int] = {}
    for e in events:
        if e.victim_id in ids and network.within(e.occurred_on, as_of, REPORT_WINDOW_MONTHS):
            reports[e.victim_id] = reports.get(e.victim_id, 0) + 1
    return reports


def _graded_events(ids: list[int], as_of: date) -> dict[int, str]:
    """The DASH grade of each victim's latest graded event."""
    found: dict[int, tuple[date, int, str]] = {}
    for chunk in _chunks(ids):
        for victim_id, day, event_id, grade in db.session.execute(
            sa.select(DAEvent.victim_id, DAEvent.occurred_on, DAEvent.id, DAEvent.dash_risk).where(
                DAEvent.victim_id.in_(chunk), DAEvent.dash_risk.is_not(None), DAEvent.occurred_on <= as_of
            )
        ):
            if victim_id not in found or (day, event_id) > found[victim_id][:2]:
                found[victim_id] = (day, event_id, grade)
    return {v: g for v, (_, _, g) in found.items()}


def hidden_harm_list(*, user: User, as_of: date | None = None, no_contact_days: int = NO_CONTACT_DAYS) -> list[NeedRow]:
    """Repeat victims with no visit completed in the last 90 days, ordered by need (module docstring).
    Naming victims, the consultation is audited."""
    as_of = as_of or local_today()
    events = network_services.load_events(db.session, as_of=as_of)
    found = network.repeat_victims(events, as_of)
    ids = sorted(found)
    rows: list[NeedRow] = []
    if ids:
        since = local_time(as_of - timedelta(days=HIDDEN_HARM_VISIT_DAYS), time(0, 0))
        tasks, recorded = _visits(ids)
        reports = _reports(events, set(ids), as_of)
        assessed = latest_grades(ids)
        event_grades = _graded_events(ids, as_of)
        spoken, hub = last_spoken_to(ids), _last_hub_contact(ids)
        people = {
            p.id: p for chunk in _chunks(ids) for p in db.session.scalars(sa.select(Person).where(Person.id.in_(chunk)))
        }
        for victim_id in ids:
            visit_tasks = tasks.get(victim_id, [])
            done = [t.completed_at for t in visit_tasks if t.status == "done" and t.completed_at is not None]
            visits = [*done, *([recorded[victim_id]] if victim_id in recorded else [])]
            if any(v >= since for v in visits):
                continue
            contacts = [c for c in (spoken.get(victim_id), hub.get(victim_id), recorded.get(victim_id)) if c]
            last_contact = max(contacts) if contacts else None
            assessment = assessed.get(victim_id)
            grade = assessment.grade if assessment else event_grades.get(victim_id)
            rows.append(
                NeedRow(
                    person=people[victim_id],
                    finding=found[victim_id],
                    reports_12m=reports.get(victim_id, 0),
                    grade=grade,
                    grade_source="assessment" if assessment else ("event" if grade else None),
                    last_contact=last_contact,
                    days_without_contact=(as_of - local_date(last_contact)).days if last_contact else None,
                    last_visit=max(visits) if visits else None,
                    open_visit=next((t for t in visit_tasks if t.status in OPEN_STATUSES), None),
                    no_contact_days=no_contact_days,
                )
            )
        rows.sort(key=lambda r: r.sort_key)
    audit.record(
        "view",
        f"viewed repeat victims due a hidden-harm visit, by need ({len(rows)})",
        object_type="hidden_harm",
        data={"as_of": as_of, "window_days": HIDDEN_HARM_VISIT_DAYS, "no_contact_days": no_contact_days},
        actor=Actor.of(user),
    )
    db.session.commit()
    return rows
