"""Demo seeder: referrals and Clare's Law, through the referrals' own services. Programme referrals
in every state (identified to completed, dropped out and withdrawn, with screening and attendance,
spread over the last year), MARAC, MATAC and MASIP referrals (some heard, with their actions raised
as tasks), and Clare's Law cases (disclosed, not disclosed, withdrawn, one open within 28 days and
one overdue). Deterministic for a seed; adds nothing if referrals or cases are held."""

from datetime import date, timedelta

import sqlalchemy as sa

from app.audit.services import Actor
from app.auth.models import User, user_roles
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.ranking import services as ranking
from app.ranking.models import ScoreRow
from app.referrals.clares_law import services as clare
from app.referrals.clares_law.models import ClareCase
from app.referrals.forums import services as forums
from app.referrals.forums.models import ForumReferral
from app.referrals.programmes import services as programmes
from app.referrals.programmes.models import SCREENING_ITEMS, ProgrammeReferral
from app.tasking.tasks import services as tasks
from app.tasking.tasks.checks import TaskInput

# (final state, days ago identified, programme): every state, completions spread over the year.
PROGRAMME_PLAN = (
    ("identified", 6, None),
    ("identified", 12, "drive"),
    ("referred", 15, "drive"),
    ("referred", 25, "respect_dvpp"),
    ("screened", 30, "respect_dvpp"),
    ("screened_not_eligible", 33, "bbr"),
    ("accepted", 40, "drive"),
    ("accepted_override", 45, "local"),
    ("declined", 60, "bbr"),
    ("started", 75, "drive"),
    ("started", 95, "respect_dvpp"),
    ("started", 110, "local"),
    ("completed", 160, "drive"),
    ("completed", 200, "respect_dvpp"),
    ("completed", 240, "drive"),
    ("completed", 280, "local"),
    ("completed", 320, "respect_dvpp"),
    ("dropped_out", 130, "drive"),
    ("dropped_out", 190, "bbr"),
    ("withdrawn", 50, "drive"),
    ("withdrawn", 20, None),
)
# Days after identification of each step.
REFERRED, SCREENED, ACCEPTED, STARTED = 5, 12, 18, 25
COMPLETED_AFTER = 120


def _user(role: str, preferred: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.username == preferred))
    if user is not None:
        return user
    holders = sa.select(user_roles.c.user_id).where(user_roles.c.role == role)
    return db.session.scalar(sa.select(User).where(User.id.in_(holders)).order_by(User.id).limit(1))


def _perpetrators(limit: int, skip: int = 0) -> list[Person]:
    run = ranking.latest_full_run()
    if run is None:
        return []
    ids = list(
        db.session.scalars(
            sa.select(ScoreRow.person_id)
            .where(ScoreRow.run_id == run.id)
            .order_by(ScoreRow.position)
            .offset(skip)
            .limit(limit)
        )
    )
    found = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _latest_victim(person: Person) -> Person | None:
    return db.session.scalar(
        sa.select(Person)
        .join(DAEvent, DAEvent.victim_id == Person.id)
        .where(DAEvent.suspect_id == person.id)
        .order_by(DAEvent.occurred_on.desc(), DAEvent.id.desc())
        .limit(1)
    )


def _move(referral, to_state, on, actor, **values):
    programmes.move(referral, to_state, moved_on=on, expected_version=referral.version_id, actor=actor, **values)


def _programme_referral(person: Person, plan: tuple, today: date, actor: Actor) -> None:
    final, days, code = plan
    start = today - timedelta(days=days)
    referral = programmes.identify(
        person, actor=actor, programme_code=None, note="Identified at the tasking meeting.", identified_on=start
    )
    if final == "identified":
        return
    if final == "withdrawn":
        _move(referral, "withdrawn", start + timedelta(days=3), actor, reason="Moved out of the area.")
        return
    _move(referral, "referred", start + timedelta(days=REFERRED), actor, programme_code=code)
    if final == "referred":
        return
    eligible = "no" if final in ("screened_not_eligible", "accepted_override", "declined") else "yes"
    answers = {c: "yes" for c in SCREENING_ITEMS} | {"meets_eligibility": eligible}
    _move(referral, "screened", start + timedelta(days=SCREENED), actor, screening=answers, screening_notes="Seen.")
    if final in ("screened", "screened_not_eligible"):
        return
    if final == "declined":
        _move(referral, "declined", start + timedelta(days=ACCEPTED), actor, reason="Does not meet eligibility.")
        return
    override = "Case conference agreed a place despite the screening." if final == "accepted_override" else None
    _move(referral, "accepted", start + timedelta(days=ACCEPTED), actor, override=override)
    if final in ("accepted", "accepted_override"):
        return
    _move(referral, "started", start + timedelta(days=STARTED), actor)
    dropped_on = start + timedelta(days=STARTED + 35)
    last = min(today, dropped_on if final == "dropped_out" else start + timedelta(days=COMPLETED_AFTER))
    session, n = start + timedelta(days=STARTED), 0
    while session <= last:
        attended = "missed" if (final == "dropped_out" and n >= 3) else "attended"
        programmes.add_attendance(referral, session_on=session, attendance=attended, note=None, actor=actor)
        session, n = session + timedelta(days=7), n + 1
    if final == "completed":
        _move(referral, "completed", last, actor)
    elif final == "dropped_out":
        _move(referral, "dropped_out", dropped_on, actor, reason="Stopped attending after week three.")


def _forum_referrals(people: list[Person], today: date, actor: Actor, supervisor: User | None) -> int:
    made = 0
    for n, person in enumerate(people):
        victim = _latest_victim(person)
        forum = ("marac", "matac", "masip", "marac", "matac", "marac")[n % 6]
        referred_on = today - timedelta(days=5 + 9 * n)
        values = forums.ForumInput(
            forum=forum,
            person_at_risk_ref=victim.ref if forum == "marac" and victim else None,
            perpetrator_ref=person.ref if forum != "marac" else None,
            criterion=("professional_judgement", "visible_high_risk", "repeat")[n % 3] if forum == "marac" else None,
            reason="Referred after the latest incident; partner agencies share concern.",
            referred_on=referred_on,
        )
        if forum == "marac" and victim is None:
            continue
        referral = forums.create_forum_referral(values, actor=actor)
        made += 1
        if n % 2 == 0 and referred_on + timedelta(days=7) <= today:
            meeting_on = referred_on + timedelta(days=7)
            actions = "Police: arrest on any further breach\nHousing: target-harden the partner's address"
            forums.record_outcome(
                referral,
                meeting_on=meeting_on,
                outcome="Heard; actions agreed.",
                actions=actions,
                expected_version=referral.version_id,
                actor=actor,
            )
            if supervisor is not None:
                subject = referral.perpetrator or referral.person_at_risk
                tasks.create_task(
                    TaskInput(
                        task_type="arrest" if referral.perpetrator else "victim_safeguarding",
                        title="Police: arrest on any further breach",
                        person_ref=subject.ref,
                        due_on=today + timedelta(days=14),
                        referral_ref=referral.ref,
                        team_id=supervisor.team_id,
                        owner_id=None if supervisor.team_id else supervisor.id,
                    ),
                    user=supervisor,
                )
    return made


# (route, days ago applied, how it ends): disclosures spread over the year, one overdue.
CLARE_PLAN = (
    ("know", 300, "disclosed"),
    ("ask", 240, "disclosed"),
    ("know", 180, "disclosed"),
    ("ask", 130, "not_disclosed"),
    ("know", 90, "disclosed"),
    ("ask", 60, "withdrawn"),
    ("know", 45, "disclosed"),
    ("ask", 35, "open"),  # past its 28 days
    ("know", 10, "open"),
)


def _clare_cases(people: list[Person], today: date, supervisor: User) -> int:
    actor = Actor.of(supervisor)
    made = 0
    for person, (route, days, end) in zip(people, CLARE_PLAN, strict=False):
        victim = _latest_victim(person)
        if victim is None:
            continue
        applied = today - timedelta(days=days)
        case = clare.create_case(
            clare.CaseInput(
                route=route,
                subject_ref=person.ref,
                person_at_risk_ref=victim.ref,
                applicant_name="Sam Wrenfield" if route == "ask" else None,
                applicant_relationship="parent" if route == "ask" else None,
                application_on=applied,
            ),
            actor=actor,
        )
        made += 1
        if end == "open":
            continue
        if end == "withdrawn":
            clare.close_case(
                case,
                closed_on=applied + timedelta(days=9),
                reason="The applicant withdrew.",
                expected_version=case.version_id,
                actor=actor,
            )
            continue
        decision = "disclose" if end == "disclosed" else "not_disclose"
        clare.record_decision(
            case,
            decision=decision,
            rationale="Local decision-making forum: pressing need to disclose the previous DA history."
            if decision == "disclose"
            else "No relevant history to disclose.",
            decided_on=applied + timedelta(days=14),
            expected_version=case.version_id,
            actor=actor,
        )
        if decision == "disclose":
            clare.record_disclosure(
                case,
                disclosure_on=applied + timedelta(days=20),
                disclosed_to=victim.full_name,
                disclosed_what="Previous convictions for violence against partners.",
                disclosed_how="In person, with an IDVA present",
                expected_version=case.version_id,
                actor=actor,
            )
    return made


def seed(*, today: date, seed: int, actor: Actor) -> str:
    held = any(
        db.session.scalar(sa.select(model.id).limit(1)) is not None
        for model in (ProgrammeReferral, ForumReferral, ClareCase)
    )
    if held:
        return "Referrals: referrals or Clare's Law cases already held; nothing added."
    worker = _user("referral", "referral")
    supervisor = _user("supervisor", "supervisor")
    referral_actor = Actor.of(worker) if worker else actor
    people = _perpetrators(len(PROGRAMME_PLAN), skip=60)
    for person, plan in zip(people, PROGRAMME_PLAN, strict=False):
        _programme_referral(person, plan, today, referral_actor)
    forum_people = _perpetrators(12, skip=100)
    forum_made = _forum_referrals(forum_people, today, Actor.of(supervisor) if supervisor else actor, supervisor)
    cases = _clare_cases(_perpetrators(len(CLARE_PLAN), skip=120), today, supervisor) if supervisor else 0
    overdue = clare.raise_clare_overdue_alerts(today, actor=actor)
    return (
        f"Referrals: {min(len(people), len(PROGRAMME_PLAN))} programme referrals, {forum_made} forum referrals, "
        f"{cases} Clare's Law cases ({overdue} overdue alert)."
    )
