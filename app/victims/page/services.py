"""The victim page: their perpetrators, DASH history, contact preferences and log (to the roles that
work with victims only), visits, IDVA referrals, Hub responses, orders protecting them, Clare's Law
cases and MARAC, gathered for one viewer; and finding a victim by name or reference.

Each view is audited, saying whether contact details were shown (DPA 2018 s.62 consultation).
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import local_today
from app.extensions import db
from app.network import graph as network
from app.offenders import search as person_search
from app.offenders.models import DAEvent, Person, PersonCategory, PersonLink
from app.referrals.clares_law.models import ClareCase
from app.referrals.forums import services as forums
from app.referrals.forums.models import ForumReferral
from app.tasking.models import Task
from app.victims import protection
from app.victims.common import sees_contact_details
from app.victims.contacts import services as contacts
from app.victims.contacts.models import ContactPreferences, VictimContact
from app.victims.dash import services as dash
from app.victims.dash.models import DashAssessment
from app.victims.feedback import services as feedback
from app.victims.hub import services as hub
from app.victims.hub.models import HubResponse
from app.victims.idva import services as idva
from app.victims.idva.models import IdvaReferral
from app.victims.visits import services as visits
from app.victims.visits.models import VictimVisit

CLARE_READERS = frozenset({"supervisor", "analyst"})


@dataclass
class PerpetratorRow:
    person: Person
    relationship: str | None
    events: int
    first_on: date
    last_on: date
    latest_grade: str | None


@dataclass
class VictimPage:
    person: Person
    perpetrators: list[PerpetratorRow]
    relationships: list[PersonLink]
    repeat: network.RepeatVictim | None
    assessments: list[DashAssessment]
    shows_contacts: bool
    preferences: ContactPreferences | None
    contacts: list[VictimContact]
    idva: list[IdvaReferral]
    visits: list[VictimVisit]
    open_tasks: list[Task]
    hub: list[HubResponse]
    orders: list[protection.ProtectingOrder]
    clare_cases: list[ClareCase] | None  # None: the viewer may not see Clare's Law cases
    marac: forums.MaracSuggestion
    forum_referrals: list[ForumReferral]
    feedback_dates: list[date] = field(default_factory=list)

    @property
    def latest(self) -> DashAssessment | None:
        return self.assessments[0] if self.assessments else None


def _perpetrators(events: list[DAEvent]) -> list[PerpetratorRow]:
    rows: dict[int, PerpetratorRow] = {}
    for e in sorted(events, key=lambda e: (e.occurred_on, e.id)):
        row = rows.get(e.suspect_id)
        if row is None:
            rows[e.suspect_id] = PerpetratorRow(
                e.suspect, e.relationship_type, 1, e.occurred_on, e.occurred_on, e.dash_risk
            )
            continue
        row.events += 1
        row.last_on = e.occurred_on
        row.relationship = e.relationship_type or row.relationship
        row.latest_grade = e.dash_risk or row.latest_grade
    return sorted(rows.values(), key=lambda r: (-r.last_on.toordinal(), r.person.ref))


def _relationships(person: Person) -> list[PersonLink]:
    return list(
        db.session.scalars(
            sa.select(PersonLink)
            .where(sa.or_(PersonLink.person_a_id == person.id, PersonLink.person_b_id == person.id))
            .options(joinedload(PersonLink.person_a), joinedload(PersonLink.person_b))
            .order_by(PersonLink.since.desc().nulls_last(), PersonLink.id)
        )
    )


def _clare_cases(person: Person) -> list[ClareCase]:
    return list(
        db.session.scalars(
            sa.select(ClareCase)
            .where(ClareCase.person_at_risk_id == person.id)
            .options(joinedload(ClareCase.subject))
            .order_by(ClareCase.application_on.desc(), ClareCase.id.desc())
        )
    )


def _forum_referrals(person: Person) -> list[ForumReferral]:
    return list(
        db.session.scalars(
            sa.select(ForumReferral)
            .where(ForumReferral.person_at_risk_id == person.id)
            .order_by(ForumReferral.referred_on.desc(), ForumReferral.id.desc())
        )
    )


def view_victim(person: Person, viewer: User, *, reason: str | None = None) -> None:
    """Audit the consultation of a victim's record (with whether contact details are shown)."""
    shown = sees_contact_details(viewer.role_names)
    audit.record(
        "view",
        f"viewed the victim record of {person.ref}" + (" with contact details" if shown else ""),
        object_type="victim",
        object_ref=person.ref,
        reason=reason,
        data={"contact_details": shown},
        actor=Actor.of(viewer),
    )
    db.session.commit()


def audit_contact_view(person: Person, summary: str, *, actor: Actor) -> None:
    """Audit a page that shows a victim's contact preferences (their forms)."""
    audit.record(
        "view",
        f"{summary} {person.ref}",
        object_type="victim_contact_preferences",
        object_ref=person.ref,
        actor=actor,
    )
    db.session.commit()


def victim_page(person: Person, viewer: User, as_of: date | None = None) -> VictimPage:
    """Everything about one victim for this viewer. The view is audited separately (view_victim)."""
    as_of = as_of or local_today()
    roles = set(viewer.role_names)
    shown = sees_contact_details(roles)
    events = list(
        db.session.scalars(
            sa.select(DAEvent).where(DAEvent.victim_id == person.id).options(joinedload(DAEvent.suspect))
        )
    )
    records = [network.EventRecord(e.id, e.suspect_id, e.victim_id, e.occurred_on) for e in events]
    return VictimPage(
        person=person,
        perpetrators=_perpetrators(events),
        relationships=_relationships(person),
        repeat=network.repeat_victims(records, as_of).get(person.id),
        assessments=dash.assessments_of(person),
        shows_contacts=shown,
        preferences=contacts.preferences_of(person) if shown else None,
        contacts=contacts.contacts_of(person, limit=50) if shown else [],
        idva=idva.referrals_of(person),
        visits=visits.visits_of(person),
        open_tasks=visits.open_visit_tasks(person),
        hub=hub.responses_of(person),
        orders=protection.orders_protecting(person, as_of),
        clare_cases=_clare_cases(person) if roles & CLARE_READERS else None,
        marac=forums.suggest_for(person, as_of),
        forum_referrals=_forum_referrals(person),
        feedback_dates=feedback.feedback_dates(person),
    )


# ---- finding a victim ---------------------------------------------------------------------------


def find_victims(text: str, *, page: int, per_page: int, actor: Actor):
    """Persons recorded as victims whose name, alias or reference matches every word of `text`, a
    page at a time, by name; the search is audited."""
    terms = text.split()[: person_search.MAX_SEARCH_TERMS]
    victims = sa.select(PersonCategory.person_id).where(PersonCategory.category == "victim")
    query = (
        sa.select(Person)
        .where(Person.id.in_(victims), *(person_search.term_matches(t) for t in terms))
        .order_by(Person.surname, Person.forenames, Person.ref)
    )
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    audit.record(
        "search",
        f"searched victims ({pagination.total} found)",
        object_type="victim",
        data={"text": text, "page": page, "found": pagination.total},
        actor=actor,
    )
    db.session.commit()
    return pagination
