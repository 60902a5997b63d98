"""The referral-safe view of a person (need to know: identity, offence categories and dates, no
intelligence, no victim's name) and the search for perpetrators that referral staff use."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.audit.services import Actor
from app.base import local_today
from app.catalogue import DASH_RISKS, EVENT_OUTCOMES, OffenceCategory
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.ranking.models import ScoreRow
from app.referrals.programmes.models import (
    ProgrammeReferral,
)
from app.referrals.programmes.services import FULL_READERS, PROGRAMME_FLAGS, NotVisible, open_referral_of, referrals_of

# Who may do what with programme referrals (the routes use these; so do the templates, via can()).


VICTIM_WORDS = {
    "partner": "a partner",
    "ex_partner": "an ex-partner",
    "family": "a family member",
    "other": "another person",
}


@dataclass(frozen=True)
class SafeOffence:
    """One DA event of the person as suspect, as referral staff may see it."""

    occurred_on: date
    offence: str
    victim: str  # "Victim 1 (a partner)", or the victim's name for a full reader
    dash: str
    outcome: str


@dataclass
class PersonView:
    ref: str
    name: str
    date_of_birth: date | None
    age: int | None
    gender: str | None
    offences: list[SafeOffence]
    victims: int
    flags: list[str]
    referrals: list[ProgrammeReferral]
    masked: bool
    open_referral: ProgrammeReferral | None = None


def person_view(
    person: Person, viewer_roles, *, as_of: date | None = None, must_be_perpetrator: bool = True
) -> PersonView:
    """What the referral pages show of a person, for a viewer with these roles.

    Only the person's identity, their DA events as a suspect (offence, date, DASH grade, outcome;
    never the narrative), the programme-relevant flags of their latest ranking (serial, escalating,
    DASH high risk: never levers, orders or breaches) and their programme referrals. Victims are
    "Victim 1", "Victim 2"... numbered by first event, with the relationship, unless the viewer
    reads the full register. Raises NotVisible for a person who is not a perpetrator, unless
    `must_be_perpetrator` is false (a referral's own page always shows its person).
    """
    as_of = as_of or local_today()
    masked = not FULL_READERS.intersection(viewer_roles or ())
    offences = dict(db.session.execute(sa.select(OffenceCategory.code, OffenceCategory.label)).all())
    events = list(
        db.session.scalars(
            sa.select(DAEvent)
            .where(DAEvent.suspect_id == person.id, DAEvent.occurred_on <= as_of)
            .options(joinedload(DAEvent.victim))
            .order_by(DAEvent.occurred_on, DAEvent.id)
        )
    )
    if not events and must_be_perpetrator:
        raise NotVisible(person.ref)
    numbers: dict[int, int] = {}
    for e in events:
        numbers.setdefault(e.victim_id, len(numbers) + 1)
    shown = []
    for e in reversed(events):
        relationship = VICTIM_WORDS.get(e.relationship_type or "", "relationship not recorded")
        if masked:
            victim = f"Victim {numbers[e.victim_id]} ({relationship})"
        else:
            victim = f"{e.victim.full_name} ({e.victim.ref}; {relationship})"
        shown.append(
            SafeOffence(
                occurred_on=e.occurred_on,
                offence=offences.get(e.offence, e.offence),
                victim=victim,
                dash=DASH_RISKS.get(e.dash_risk or "", "Not assessed"),
                outcome=EVENT_OUTCOMES.get(e.outcome or "", "Not known"),
            )
        )
    flags = []
    row = _latest_row(person.id)
    if row is not None:
        flags = [PROGRAMME_FLAGS[f] for f in row.flags if f in PROGRAMME_FLAGS]
    return PersonView(
        ref=person.ref,
        name=person.full_name,
        date_of_birth=person.date_of_birth,
        age=person.age_on(as_of),
        gender=person.gender,
        offences=shown,
        victims=len(numbers),
        flags=flags,
        referrals=referrals_of(person),
        masked=masked,
        open_referral=open_referral_of(person),
    )


def _latest_row(person_id: int) -> ScoreRow | None:
    from app.ranking.models import ScoreRun

    return db.session.scalar(
        sa.select(ScoreRow)
        .join(ScoreRun, ScoreRun.id == ScoreRow.run_id)
        .where(ScoreRow.person_id == person_id)
        .order_by(ScoreRun.as_of.desc(), ScoreRun.id.desc())
        .limit(1)
    )


def view_person(person: Person, *, actor: Actor, reason: str | None = None) -> None:
    """Record the consultation (DPA 2018 s.62) of the referral view of a person."""
    audit.record(
        "view",
        f"viewed person {person.ref} (referral view)",
        object_type="person",
        object_ref=person.ref,
        reason=reason,
        actor=actor,
    )
    db.session.commit()


def search_perpetrators(text: str, *, limit: int = 50, actor: Actor) -> list[Person]:
    """Perpetrators (suspects of a DA event) whose reference or name matches every word of `text`."""
    words = [w.lower() for w in text.split()][:6]
    if not words:
        return []
    suspects = sa.select(DAEvent.suspect_id)
    query = sa.select(Person).where(Person.id.in_(suspects))
    for word in words:
        pattern = f"%{word}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Person.ref) == word,
                sa.func.lower(Person.surname).like(pattern),
                sa.func.lower(Person.forenames).like(pattern),
            )
        )
    found = list(db.session.scalars(query.order_by(Person.surname, Person.forenames, Person.ref).limit(limit)))
    audit.record(
        "search",
        f"searched perpetrators for a programme referral ({len(found)} found)",
        object_type="person",
        data={"text": text, "found": len(found)},
        actor=actor,
    )
    db.session.commit()
    return found
