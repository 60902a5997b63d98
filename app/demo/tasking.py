"""Demo seeder: the team's daily loop, through tasking's and orders' own services. Rankings over the
last weeks (so the dashboard shows who moved); staff; tasks in every state for the demo officer and
the team (overdue, due today, in progress, put aside with approval, awaiting approval, done with
outcomes that ended levers, cancelled, unallocated); breaches logged (one actioned, one not, one
closed from the breach); a managed cohort; two past tasking meetings with plans and one upcoming;
and the alerts now due. Deterministic for a seed; adds nothing if tasks or meetings are held."""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.audit.services import Actor
from app.auth import services as auth
from app.auth.models import User
from app.auth.passwords import random_password
from app.base import local_time, utcnow
from app.extensions import db
from app.offenders.levers import services as levers
from app.offenders.models import Lever, Person
from app.orders import expiry
from app.orders.breaches import services as breaches
from app.orders.models import Order
from app.ranking import services as ranking
from app.ranking.models import ScoreRow
from app.tasking.cohort import services as cohort
from app.tasking.meetings import services as meetings
from app.tasking.models import Task, TaskingMeeting
from app.tasking.tasks import deferrals
from app.tasking.tasks import services as tasks
from app.tasking.tasks.checks import TaskInput
from app.tasking.tasks.requests import raise_overdue_task_alerts

TEAM = "Proactive Team North"
# Invented colleagues of the demo users, so the board shows a team (they cannot sign in: their
# passwords are random and never shown).
STAFF = (
    ("sgt.vellacott", "Sgt Rhian Vellacott", "supervisor", TEAM),
    ("pc.orrin", "PC Dev Orrin", "officer", TEAM),
    ("pc.tamsett", "PC Lina Tamsett", "officer", TEAM),
    ("pc.quarrie", "PC Sol Quarrie", "officer", "Proactive Team South"),
)
RANKED_DAYS_AGO = (44, 16, 7)  # full rankings before the quick start's own nightly run
TACTICS = ("enforcement", "disruption", "diversion", "prevention", "support")


@dataclass
class Team:
    supervisor: User
    officer: User  # the demo officer when there is one: their My tasks tells the story
    others: list[User]


def _user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _team(actor: Actor) -> Team:
    for username, name, role, team in STAFF:
        if _user(username) is None:
            password = random_password(username=username, display_name=name)
            auth.create_user(username, [role], password, actor=actor, display_name=name, team=team)
    supervisor = _user("supervisor") or _user("sgt.vellacott")
    officer = _user("officer") or _user("pc.orrin")
    others = [u for u in (_user("pc.orrin"), _user("pc.tamsett"), _user("pc.quarrie")) if u and u.id != officer.id]
    return Team(supervisor, officer, others)


def _top(limit: int) -> list[Person]:
    run = ranking.latest_full_run()
    if run is None:
        return []
    ids = list(
        db.session.scalars(
            sa.select(ScoreRow.person_id).where(ScoreRow.run_id == run.id).order_by(ScoreRow.position).limit(limit)
        )
    )
    found = {p.id: p for p in db.session.scalars(sa.select(Person).where(Person.id.in_(ids)))}
    return [found[i] for i in ids]


def _at(day: date, hour: int = 9) -> datetime:
    return local_time(day, time(hour, 0)).astimezone(UTC)


def _task(user: User, person: Person, task_type: str, title: str, due_on: date, *, raised: datetime, **values) -> Task:
    return tasks.create_task(
        TaskInput(task_type=task_type, title=title, person_ref=person.ref, due_on=due_on, **values),
        user=user,
        now=raised,
    )


def _lever(person: Person, code: str, noted_on: date, detail: str, actor: Actor) -> None:
    held = levers.latest_lever_record(person, code)
    if held is None or not held.active:
        levers.add_lever(person, code, noted_on, detail, actor=actor)


def _officer_tasks(team: Team, people: list[Person], today: date, actor: Actor) -> int:
    """The demo officer's My tasks: something in every state, and levers waiting on outcomes."""
    sup, pc = team.supervisor, team.officer
    a, b, c, d, e, f, g = people[:7]
    _lever(a, "outstanding_warrant", today - timedelta(days=12), "Failed to appear; warrant issued", actor)
    _task(
        sup,
        a,
        "warrant",
        f"Execute the warrant for {a.full_name}",
        today + timedelta(days=1),
        raised=_at(today - timedelta(days=3)),
        owner_id=pc.id,
        priority="high",
        detail="Failed to appear at the magistrates' court; warrant not backed for bail.",
    )
    firearms = (
        db.session.scalar(
            sa.select(Person)
            .join(Lever, Lever.person_id == Person.id)
            .where(Lever.lever == "firearms_certificate", Lever.active.is_(True))
            .order_by(Person.ref)
            .limit(1)
        )
        or b
    )
    _lever(firearms, "firearms_certificate", today - timedelta(days=40), "Holds a shotgun certificate", actor)
    _task(
        sup,
        firearms,
        "lever_action",
        f"Firearms licensing review: {firearms.full_name}",
        today + timedelta(days=3),
        raised=_at(today - timedelta(days=2)),
        owner_id=pc.id,
        lever="firearms_certificate",
        detail="Ask Firearms Licensing to review the certificate in the light of the DA history.",
    )
    overdue = _task(
        sup,
        b,
        "arrest",
        f"Arrest {b.full_name} for the assault on his ex-partner",
        today - timedelta(days=2),
        raised=_at(today - timedelta(days=9)),
        owner_id=pc.id,
        priority="high",
    )
    tasks.change_status(overdue, "in_progress", expected_version=overdue.version_id, user=pc)
    _task(
        sup,
        c,
        "intelligence_development",
        f"Update the intelligence picture on {c.full_name}",
        today,
        raised=_at(today - timedelta(days=5)),
        owner_id=pc.id,
    )
    _put_aside(team, [d, e, f], today)
    _done_arrest(team, g, today, actor)
    return 9


def _done_arrest(team: Team, g: Person, today: date, actor: Actor) -> None:
    """An arrest of someone wanted: done, and the outcome ends the "wanted" lever."""
    sup, pc = team.supervisor, team.officer
    _lever(g, "wanted_circulated", today - timedelta(days=6), "Circulated as wanted on PNC", actor)
    done = _task(
        sup,
        g,
        "arrest",
        f"Arrest {g.full_name} (wanted)",
        today,
        raised=_at(today - timedelta(days=6)),
        owner_id=pc.id,
        priority="high",
    )
    tasks.change_status(
        done,
        "done",
        outcome="arrested",
        note="Arrested at his mother's address; charged with ABH.",
        expected_version=done.version_id,
        user=pc,
    )


def _put_aside(team: Team, people: list[Person], today: date) -> None:
    """Put aside with a supervisor's approval, awaiting approval, and snoozed within the limit."""
    sup, pc = team.supervisor, team.officer
    d, e, f = people
    approved = _task(
        sup,
        d,
        "arrest",
        f"Arrest {d.full_name}: harassment of a new partner",
        today + timedelta(days=1),
        raised=_at(today - timedelta(days=4)),
        owner_id=pc.id,
        priority="high",
    )
    deferrals.defer(
        approved,
        "snooze",
        until=today + timedelta(days=12),
        reason="Working abroad until the 20th; port alert set.",
        expected_version=approved.version_id,
        user=pc,
    )
    deferrals.approve(approved, expected_version=approved.version_id, user=sup)
    waiting = _task(
        sup,
        e,
        "warrant",
        f"Execute the warrant for {e.full_name}",
        today + timedelta(days=2),
        raised=_at(today - timedelta(days=1)),
        owner_id=pc.id,
        priority="high",
    )
    deferrals.defer(
        waiting,
        "action_elsewhere",
        until=today + timedelta(days=21),
        reason="Neighbouring force arresting on their warrant first.",
        expected_version=waiting.version_id,
        user=pc,
    )
    snoozed = _task(
        pc,
        f,
        "intelligence_development",
        f"Check {f.full_name}'s new address",
        today + timedelta(days=1),
        raised=_at(today - timedelta(days=1)),
        owner_id=pc.id,
    )
    deferrals.defer(
        snoozed,
        "snooze",
        until=today + timedelta(days=4),
        reason="Housing reply due Friday.",
        expected_version=snoozed.version_id,
        user=pc,
    )


def _recall(team: Team, person: Person, today: date, actor: Actor) -> None:
    """A licence recall: the lever noted, the lever action done as "recalled", which ends it."""
    officer = team.others[0] if team.others else team.officer
    _lever(
        person, "licence_recall_possible", today - timedelta(days=20), "On licence; breach of licence conditions", actor
    )
    task = _task(
        team.supervisor,
        person,
        "lever_action",
        f"Ask probation to recall {person.full_name}",
        today,
        raised=_at(today - timedelta(days=5)),
        owner_id=officer.id,
        lever="licence_recall_possible",
        priority="high",
    )
    tasks.change_status(
        task,
        "done",
        outcome="recalled",
        note="Recalled by probation; arrested and returned to prison.",
        expected_version=task.version_id,
        user=officer,
    )


def _team_tasks(team: Team, people: list[Person], today: date, actor: Actor) -> int:
    sup = team.supervisor
    _recall(team, people[0], today, actor)
    count = 1
    for n, person in enumerate(people[1:]):
        owner = team.others[n % len(team.others)] if team.others else team.officer
        kind = ("intelligence_development", "victim_safeguarding", "hidden_harm_visit", "arrest")[n % 4]
        due = today + timedelta(days=(n % 5) - 2)
        raised = _at(today - timedelta(days=7))
        task = _task(
            sup,
            person,
            kind,
            f"{kind.replace('_', ' ').capitalize()}: {person.full_name}",
            due,
            raised=raised,
            owner_id=owner.id if n % 6 else None,
            team_id=owner.team_id if n % 6 == 0 else None,
        )
        count += 1
        if n % 7 == 3:
            tasks.change_status(
                task,
                "done",
                outcome="no_further_action",
                note="Nothing further found.",
                expected_version=task.version_id,
                user=sup,
            )
        elif n % 7 == 5:
            tasks.change_status(task, "cancelled", note="Raised twice.", expected_version=task.version_id, user=sup)
    return count


def _breaches(team: Team, people: list[Person], today: date) -> int:
    """Breaches of orders in force: one arrested at the time, one left unactioned, one charged later."""
    ids = [p.id for p in people]
    orders = list(
        db.session.scalars(
            sa.select(Order)
            .where(Order.subject_id.in_(ids), Order.starts_on <= today - timedelta(days=2))
            .where(sa.or_(Order.ends_on.is_(None), Order.ends_on >= today), Order.revoked_on.is_(None))
            .order_by(Order.ref)
            .limit(3)
        )
    )
    reports = (
        ("Came to her door at night and shouted through the letterbox.", True, None),
        ("Sent eleven messages in an hour despite the no-contact condition.", False, None),
        ("Seen in the exclusion zone by a patrol.", False, "charge"),
    )
    for order, (narrative, arrested, outcome) in zip(orders, reports, strict=False):
        report = breaches.BreachReport(
            occurred_at=utcnow() - timedelta(hours=20), conditions=[1], narrative=narrative, arrested=arrested
        )
        breach = breaches.log_breach(order, report, user=team.officer).breach
        if outcome:
            breaches.record_outcome(breach, outcome, expected_version=breach.version_id, user=team.supervisor)
    return len(orders)


def _cohort(team: Team, people: list[Person], today: date) -> int:
    reasons = (
        "Serial perpetrator: three partners harmed in two years.",
        "Escalating: strangulation after two common assaults.",
        "Repeated breaches of the non-molestation order.",
        "High-risk DASH with children in the household.",
        "New partner of a known perpetrator; previous victim at MARAC.",
        "Stalking an ex-partner across two districts.",
    )
    adopted = (220, 200, 120, 90, 60, 50)
    members = [
        cohort.adopt(p.ref, reason, user=team.supervisor, adopted_on=today - timedelta(days=days))
        for p, reason, days in zip(people, reasons, adopted, strict=False)
    ]
    if len(members) >= 2:
        first, left_on = members[0], today - timedelta(days=20)
        check = cohort.desistance_of([first], left_on)[first.id]
        reason, note = (
            ("desisted", None) if check.passes else ("moved_away", "Moved to another force area; intelligence shared.")
        )
        cohort.exit_member(
            first, reason, note, expected_version=first.version_id, user=team.supervisor, exited_on=left_on
        )
    return len(members)


def _meeting(team: Team, held_on: date, review_in: int, *, plans: bool, today: date) -> TaskingMeeting:
    meeting = meetings.create_meeting(
        meetings.MeetingInput(
            held_on=held_on,
            title="North PDA tasking (MATAC)",
            agenda_size=8,
            attendee_ids=[u.id for u in (team.supervisor, team.officer, *team.others[:2])],
            partners="Rowan Ashdown, Probation Service\nKit Farrow, IDVA service\nJo Pellow, Housing",
        ),
        user=team.supervisor,
    )
    if not plans:
        return meeting
    rng = random.Random(held_on.toordinal())
    for n, item in enumerate(sorted(meeting.items, key=lambda i: i.position)):
        tactic = TACTICS[n % len(TACTICS)]
        meetings.save_plan(
            item,
            tactic=tactic,
            rationale=f"{tactic.capitalize()}: "
            + rng.choice(
                (
                    "home visits and checks on the order weekly",
                    "refer to Drive; probation to lead",
                    "arrest on any breach; warrant checks daily",
                    "housing to review the tenancy",
                    "IDVA to safety-plan with the partner",
                )
            ),
            review_on=held_on + timedelta(days=review_in + (n % 3) * 14),
            expected_version=item.version_id,
            user=team.supervisor,
        )
        if n < 2:
            action = _task(
                team.supervisor,
                item.person,
                "intelligence_development",
                f"Meeting action: {tactic} plan for {item.person.full_name}",
                held_on + timedelta(days=7),
                raised=_at(held_on, 11),
                owner_id=team.officer.id,
                meeting_id=meeting.id,
            )
            if held_on + timedelta(days=30) < today:  # the earlier meeting's actions are done
                tasks.change_status(
                    action,
                    "done",
                    outcome="no_further_action",
                    note="Checked and fed back to the next meeting.",
                    expected_version=action.version_id,
                    user=team.officer,
                )
    meetings.update_minutes(
        meeting,
        "Attendance as recorded. Plans agreed for each person on the agenda; actions raised as tasks.",
        expected_version=meeting.version_id,
        user=team.supervisor,
    )
    return meeting


def seed(*, today: date, seed: int, actor: Actor) -> str:
    if db.session.scalar(sa.select(Task.id).limit(1)) or db.session.scalar(sa.select(TaskingMeeting.id).limit(1)):
        return "Tasking: tasks or meetings already held; nothing added."
    team = _team(actor)
    if ranking.latest_full_run() is None:
        for days in RANKED_DAYS_AGO:
            ranking.run_ranking(today - timedelta(days=days), "manual", actor=actor)
    people = _top(60)
    if len(people) < 30:
        return "Tasking: too few ranked persons for the demo's tasks; nothing added."
    members = _cohort(team, people[20:26], today)
    first = _meeting(team, today - timedelta(days=42), 28, plans=True, today=today)
    second = _meeting(team, today - timedelta(days=14), 19, plans=True, today=today)
    upcoming = _meeting(team, today + timedelta(days=7), 0, plans=False, today=today)
    mine = _officer_tasks(team, people[:7], today, actor)
    theirs = _team_tasks(team, people[7:20], today, actor)
    logged = _breaches(team, people[:40], today)
    now = utcnow()
    overdue = raise_overdue_task_alerts(now, actor=actor)
    expiring = len(expiry.raise_expiry_alerts(today, actor=actor))
    return (
        f"Tasking: {mine + theirs} tasks, {logged} breaches logged, {members} persons in the managed cohort, "
        f"meetings on {first.held_on:%d %b}, {second.held_on:%d %b} and {upcoming.held_on:%d %b} (upcoming); "
        f"{overdue} overdue-task and {expiring} order-expiry alerts."
    )
