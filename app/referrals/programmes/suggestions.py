"""Persons the ranking suggests for a perpetrator programme, and identifying them in one click."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed
from app.extensions import db
from app.offenders.models import Person
from app.ranking import services as ranking
from app.referrals.programmes.models import (
    ProgrammeReferral,
)
from app.referrals.programmes.services import identify, referrals_of

# Who may do what with programme referrals (the routes use these; so do the templates, via can()).


SUGGESTION_FLAGS = ("serial", "escalating")


@dataclass(frozen=True)
class Suggestion:
    person: Person
    position: int | None
    flags: tuple[str, ...]
    events_in_window: int
    latest_event_on: date


@dataclass
class Suggestions:
    as_of: date | None
    total: int
    rows: list[Suggestion]


def suggested_candidates(*, page: int = 1, per_page: int = 25, actor: Actor) -> Suggestions:
    """Ranked persons (latest full ranking run) flagged serial or escalating who have never been
    referred to a programme, highest ranked first. A person with any programme referral, open or
    closed, is not suggested again; they can still be identified from their page."""
    run = ranking.list_run()
    if run is None:
        return Suggestions(None, 0, [])
    referred = sa.select(ProgrammeReferral.person_id)
    now = ranking.current_rows(with_position=True)
    rows = db.session.execute(
        sa.select(now.c.person_id, now.c.position, now.c.flags, now.c.events_in_window, now.c.latest_event_on)
        .where(now.c.person_id.not_in(referred))
        .order_by(now.c.position, now.c.person_id)
    ).all()
    matching = [r for r in rows if any(f in SUGGESTION_FLAGS for f in (r.flags or ()))]
    chosen = matching[(page - 1) * per_page : page * per_page]
    persons = {
        p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_([r.person_id for r in chosen])))
    }
    result = [
        Suggestion(
            person=persons[r.person_id],
            position=r.position,
            flags=tuple(f for f in r.flags if f in SUGGESTION_FLAGS),
            events_in_window=r.events_in_window,
            latest_event_on=r.latest_event_on,
        )
        for r in chosen
        if r.person_id in persons
    ]
    audit.record(
        "view",
        f"viewed suggested programme candidates ({len(matching)})",
        object_type="programme_candidates",
        data={"as_of": run.as_of, "page": page, "found": len(matching)},
        actor=actor,
    )
    db.session.commit()
    return Suggestions(run.as_of, len(matching), result)


def is_suggested(person: Person) -> bool:
    """Whether the person is a suggested candidate now (the one-click identify checks this)."""
    now = ranking.current_score(person)
    flags = now[0].flags if now else None
    return bool(flags) and any(f in SUGGESTION_FLAGS for f in flags)


def identify_suggested(person: Person, *, actor: Actor) -> ProgrammeReferral:
    """The one-click identify from the suggested candidates."""
    if not is_suggested(person):
        raise ValidationFailed({"person": f"{person.ref} is not a suggested candidate in the latest ranking."})
    if referrals_of(person):
        raise ValidationFailed({"person": f"{person.ref} has already been referred; see their referrals."})
    return identify(person, actor=actor, source="suggested")
