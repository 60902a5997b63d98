"""Demo records of the victims part, seeded through its services after the import: DASH histories
linked to events, contact preferences and logs, IDVA referrals, DALO visits, DA Hub responses over
12 weeks, victim feedback over four quarters, new partners recorded from intelligence, and the
contact tasks for orders about to end. Invented people only; the same seed gives the same records.
"""

import random
from datetime import date, time, timedelta

import sqlalchemy as sa

from app.audit.services import Actor
from app.base import local_time
from app.extensions import db
from app.network import graph as network
from app.network import services as network_services
from app.offenders.models import DAEvent, Person
from app.offenders.relationships import services as relationships
from app.victims import protection
from app.victims.contacts import services as contacts
from app.victims.dash import services as dash
from app.victims.dash.models import DashAssessment
from app.victims.dash.questions import DASH_QUESTIONS
from app.victims.feedback import services as feedback
from app.victims.hub import services as hub
from app.victims.idva import services as idva
from app.victims.visits import services as visits

VICTIMS = 24  # repeat victims given a full history
HUB_RESPONSES = 70
FEEDBACK = 80
NEW_PARTNERS = 6
DALO = "PC Demo DALO"  # the officer named on demo records (no user exists when the demo loads)


def _answers(rng: random.Random, yes: int) -> dict[int, str]:
    numbers = list(DASH_QUESTIONS)
    chosen = set(rng.sample(numbers, yes))
    return {n: "yes" if n in chosen else rng.choice(("no", "no", "no", "not_known")) for n in numbers}


def _history(rng: random.Random, victim: Person, events: list[DAEvent], actor: Actor) -> list[DashAssessment]:
    """A DASH for each of the victim's latest three events, the risk rising over time."""
    made = []
    base = rng.randint(4, 9)
    for n, event in enumerate(events[-3:]):
        yes = min(27, base + n * rng.randint(2, 5))
        judgement = yes < 14 and n == 2 and rng.random() < 0.4
        values = dash.DashInput(
            assessed_on=event.occurred_on,
            answers=_answers(rng, yes),
            grade="high" if judgement else None,
            judgement_reason="Recent non-fatal strangulation and separation: risk judged high." if judgement else None,
            event_ref=event.ref,
        )
        made.append(dash.record_assessment(victim, values, actor=actor, assessor=DALO))
    return made


def _contact_side(rng: random.Random, victim: Person, today: date, actor: Actor) -> None:
    channels = rng.choice((["phone", "text"], ["text"], ["in_person", "via_idva"], ["phone", "email"]))
    contacts.save_preferences(
        victim,
        contacts.PreferencesInput(
            channels=channels,
            safe_phone=f"07700 900{rng.randint(100, 999)}" if {"phone", "text"} & set(channels) else None,
            safe_email=f"safe.{victim.ref.lower().replace('/', '')}@example.org" if "email" in channels else None,
            safe_times=rng.choice(("Weekdays 10:00 to 14:00", "Mornings only", "Any time after 18:00")),
            no_messages=rng.random() < 0.6,
            safe_word=rng.choice((None, "If she says 'wrong number', end the call.", "Ask for 'Sam' first.")),
            safety_plan_ref=f"SP-{rng.randint(10000, 99999)}",
        ),
        expected_version=0,
        actor=actor,
    )
    for days in sorted(rng.sample(range(3, 80), rng.randint(1, 4)), reverse=True):
        contacts.log_contact(
            victim,
            contacts.ContactInput(
                contacted_at=local_time(today - timedelta(days=days), time(rng.randint(9, 19), rng.choice((0, 30)))),
                channel=channels[0],
                outcome=rng.choice(("spoken_to", "spoken_to", "not_reached", "declined")),
            ),
            actor=actor,
            made_by=DALO,
        )


def _support(rng: random.Random, victim: Person, latest: DashAssessment, today: date, actor: Actor) -> None:
    if latest.grade != "standard":
        referred = min(latest.assessed_on + timedelta(days=1), today)
        referral = idva.refer(
            victim,
            idva.ReferralInput(
                referred_on=referred,
                service="County IDVA Service",
                risk_level=latest.grade,
                consent=(consent := rng.random() < 0.85),
                consent_note=None if consent else "High risk: referred under the MARAC information-sharing protocol.",
                dash_ref=latest.ref,
            ),
            actor=actor,
            referred_by=DALO,
        )
        contacted = referred + timedelta(days=rng.randint(0, 2))
        if contacted <= today and rng.random() < 0.8:
            engaged = rng.random() < 0.6
            idva.record_progress(
                referral,
                first_contact_on=contacted,
                outcome="engaged" if engaged else None,
                outcome_on=contacted if engaged else None,
                expected_version=referral.version_id,
                actor=actor,
            )
    if rng.random() < 0.7:
        alone = rng.random() < 0.8
        visited = latest.assessed_on + timedelta(days=rng.randint(1, 5))
        dash_done = visited < today
        visited = visited if dash_done else today - timedelta(days=rng.randint(91, 200))
        visits.record_visit(
            victim,
            visits.VisitInput(
                kind=rng.choice(("needs_assessment", "hidden_harm")),
                visited_at=local_time(visited, time(11, 0)),
                seen_alone=alone,
                children_present=rng.random() < 0.4,
                perpetrator_present=not alone and rng.random() < 0.5,
                injuries_seen=False,
                dash_done=dash_done,
                dash_ref=latest.ref if dash_done else None,
                idva_offered=True,
                idva_accepted=rng.random() < 0.7,
                safety_advice_given=True,
                safeguarding_referrals=rng.sample(["childrens_social_care", "housing", "marac"], rng.randint(0, 2)),
                evidence_secured=[],
                arrest_made=False,
                needs=rng.sample(["safety", "housing", "children", "money", "emotional"], 2),
            ),
            actor=actor,
            officer=DALO,
        )


def _feedback_answers(rng: random.Random) -> dict:
    return {
        "listened": rng.choices(("yes", "partly", "no"), (7, 2, 1))[0],
        "safer": rng.choices(("yes", "partly", "no"), (5, 3, 2))[0],
        "report_again": rng.choices(("yes", "not_sure", "no"), (7, 2, 1))[0],
    }


COMMENTS = (
    "The officer rang when she said she would.",
    "I did not know what was happening with the case for weeks.",
    "Being able to talk by video meant I did not have to wait in.",
    "The IDVA was the first person who really listened.",
)


def _hub_and_feedback(rng: random.Random, pool: list[Person], today: date, actor: Actor) -> tuple[int, int]:
    responses = 0
    for _ in range(HUB_RESPONSES):
        victim = rng.choice(pool)
        day = today - timedelta(days=rng.randint(1, 83))
        received = local_time(day, time(rng.randint(8, 21), rng.choice((0, 15, 30, 45))))
        consent = rng.random() < 0.9
        evidence = rng.sample(["statement", "scene_video", "injury_images"], rng.randint(0, 2))
        hub.record_response(
            hub.HubInput(
                person_ref=victim.ref,
                call_received_at=received,
                contact_made_at=received + timedelta(minutes=rng.randint(4, 95)),
                channel=("video" if rng.random() < 0.6 else "phone") if consent else "phone",
                consent=consent,
                evidence=evidence if consent else [],
                crime_recorded=False,
                safeguarding_done=True,
                signposting_done=rng.random() < 0.7,
                signposted_to="County IDVA Service; local refuge helpline",
                outcome=("resolved" if rng.random() < 0.65 else "attendance") if consent else "attendance",
            ),
            actor=actor,
            handled_by="DA Hub (demo)",
        )
        responses += 1
    answered = 0
    for n in range(FEEDBACK):
        victim = pool[n % len(pool)]
        closed = today - timedelta(days=20 + (n * 4) % 300)  # each victim's cases on different days
        recorded = min(today, closed + timedelta(days=rng.randint(3, 20)))
        feedback.record_feedback(
            victim,
            feedback.FeedbackInput(
                consent=True,
                case_closed_on=closed,
                recorded_on=recorded,
                comment=rng.choice((None, None, *COMMENTS)),
                **_feedback_answers(rng),
            ),
            actor=actor,
        )
        answered += 1
    return responses, answered


def _new_partners(rng: random.Random, events, today: date, actor: Actor) -> int:
    """A new partner recorded from intelligence for a few serial perpetrators: Right-to-Know
    candidates before any event between them. The new partner is a woman already on the register
    as someone else's victim (victims of domestic abuse are often harmed by more than one partner)."""
    serial = network.serial_perpetrators(events, today)
    chosen = sorted(serial, key=lambda s: (-len(serial[s]), s))[:NEW_PARTNERS]
    harmed_by: dict[int, set[int]] = {}
    for e in events:
        harmed_by.setdefault(e.victim_id, set()).add(e.suspect_id)
    women = sorted(
        db.session.scalars(sa.select(Person.id).where(Person.gender == "female", Person.id.in_(list(harmed_by))))
    )
    taken: set[int] = set()
    made = 0
    for suspect_id in chosen:
        free = [w for w in women if w not in taken and suspect_id not in harmed_by[w] and w not in serial]
        if not free:
            break
        partner = db.session.get(Person, rng.choice(free))
        taken.add(partner.id)
        relationships.record_relationship(
            db.session.get(Person, suspect_id),
            relationships.RelationshipInput(
                other_ref=partner.ref,
                relationship_type="partner",
                since=today - timedelta(days=rng.randint(14, 120)),
                source="intelligence_report",
                source_grade="2",
                intelligence_grade="B",
                handling_code="P",
                note="Seen together and staying at her address most nights (neighbour's report).",
            ),
            actor=actor,
        )
        made += 1
    return made


def seed(*, today: date, seed: int, actor: Actor) -> str:
    """Seed the victims' demo records (nothing if any DASH assessment is already held)."""
    if db.session.scalar(sa.select(DashAssessment.id).limit(1)) is not None:
        return "Victims' records: already held, none added."
    rng = random.Random(seed * 31 + 13)
    events = network_services.load_events(db.session, as_of=today)
    found = network.repeat_victims(events, today)
    ranked = sorted(found.values(), key=lambda f: (-f.recent_events, -len(f.suspects), f.victim_id))
    chosen = [db.session.get(Person, f.victim_id) for f in ranked[:VICTIMS]]
    for victim in chosen:
        own = list(
            db.session.scalars(
                sa.select(DAEvent)
                .where(DAEvent.victim_id == victim.id, DAEvent.occurred_on <= today)
                .order_by(DAEvent.occurred_on, DAEvent.id)
            )
        )
        history = _history(rng, victim, own, actor)
        _contact_side(rng, victim, today, actor)
        if history:
            _support(rng, victim, history[-1], today, actor)
    responses, answered = _hub_and_feedback(rng, chosen or [], today, actor) if chosen else (0, 0)
    partners = _new_partners(rng, events, today, actor)
    tasks = protection.raise_contact_tasks(today, actor=actor)
    first = chosen[0].ref if chosen else "none"
    return (
        f"Victims: {len(chosen)} victim histories (see /victims/{first}), {responses} DA Hub responses, "
        f"{answered} feedback answers, {partners} new partners from intelligence, {tasks} contact tasks."
    )
