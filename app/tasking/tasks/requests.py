"""Tasks the other parts ask for (app.signals) or read: a breach's enforcement task, an order's
application task, tasks about records and persons, and overdue-task alerts."""

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app import signals
from app.alerts.services import raise_alert
from app.audit import services as audit
from app.audit.services import Actor
from app.auth.models import User
from app.base import (
    id_list,
    local_date,
    local_time,
    utcnow,
)
from app.catalogue import TASK_OUTCOMES
from app.extensions import db
from app.offenders.models import Person
from app.orders.models import Breach, Order
from app.tasking.models import Task
from app.tasking.tasks import effects
from app.tasking.tasks.rules import OPEN_STATUSES, overdue_clause
from app.tasking.tasks.services import clear_deferral, snapshot


def open_tasks_of(person_ids: list[int]) -> dict[int, list[Task]]:
    """{person_id: their open tasks, soonest due first}."""
    out: dict[int, list[Task]] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        for task in db.session.scalars(
            sa.select(Task)
            .where(Task.person_id.in_(chunk), Task.status.in_(OPEN_STATUSES))
            .options(joinedload(Task.owner), joinedload(Task.team))
            .order_by(Task.due_at, Task.id)
        ):
            out.setdefault(task.person_id, []).append(task)
    return out


def tasks_of(person: Person) -> list[Task]:
    return list(
        db.session.scalars(
            sa.select(Task)
            .where(Task.person_id == person.id)
            .options(joinedload(Task.owner), joinedload(Task.team))
            .order_by(Task.created_at.desc(), Task.id.desc())
        ).unique()
    )


def raise_overdue_task_alerts(as_of: datetime, *, actor: Actor) -> int:
    """One alert to the owner (or the team's supervisors) for each open task past its due time."""
    tasks = db.session.scalars(sa.select(Task).where(overdue_clause(as_of))).all()
    raised = 0
    for task in tasks:
        raised += (
            raise_alert(
                kind="task_overdue",
                object_type="task",
                object_ref=str(task.id),
                due_on=task.due_at.date(),
                message=f"Task overdue since {task.due_at:%d %b %Y %H:%M}: {task.title}",
                user_id=task.owner_id,
                team_id=task.team_id,
                role=None if task.owner_id else "supervisor",
            )
            is not None
        )
    audit.record("create", f"{raised} overdue-task alert(s) raised", object_type="alert", actor=actor)
    db.session.commit()
    return raised


ENFORCEMENT_HOURS_CRIMINAL = 24


ENFORCEMENT_HOURS_CIVIL = 72


def raise_breach_task(breach: Breach, *, user: User) -> Task:
    """The enforcement task of a breach just logged (decisions.md #18): the logging officer's
    team's, unallocated, due in 24 hours for a criminal breach and 72 hours otherwise."""
    order = breach.order
    subject = order.subject
    criminal = order.type.breach_is_criminal
    hours = ENFORCEMENT_HOURS_CRIMINAL if criminal else ENFORCEMENT_HOURS_CIVIL
    numbers = ", ".join(str(c.number) for c in breach.conditions)
    task = Task(
        task_type="breach_enforcement",
        title=f"Enforce breach {breach.ref} of {order.type.label} {order.ref} by {subject.full_name}",
        detail=(
            f"{'Criminal' if criminal else 'Civil'} breach of condition{'s' if len(breach.conditions) > 1 else ''} "
            f"{numbers} at {breach.occurred_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC. "
            f"Arrested at the time: {'yes' if breach.arrested else 'no'}. {breach.narrative}"
        ),
        person_id=subject.id,
        breach_id=breach.id,
        order_id=order.id,
        # The team's task, not the logging officer's: the supervisor allocates work, and the
        # deadline must not depend on one officer's shift. Without a team, the officer holds it
        # so that the task is never nobody's.
        team_id=user.team_id,
        owner_id=None if user.team_id else user.id,
        due_at=breach.logged_at + timedelta(hours=hours),
        priority="high" if criminal else "normal",
        status="open",
        created_by_id=user.id,
        version_id=1,
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        "create",
        f"raised breach-enforcement task {task.id} for breach {breach.ref}, due {task.due_at:%Y-%m-%d %H:%M} UTC",
        object_type="task",
        object_ref=str(task.id),
        data={"breach_ref": breach.ref, "team_id": task.team_id, "owner_id": task.owner_id, "due_at": task.due_at},
        actor=Actor.of(user),
    )
    return task


def tasks_about(kind: str, ids: list[int], *, task_type: str | None = None, open_only: bool = False):
    """{breach or order id: [its tasks, oldest first]}, optionally of one type or open only."""
    column = {"breach": Task.breach_id, "order": Task.order_id}[kind]
    if not ids:
        return {}
    query = sa.select(Task).where(column.in_(ids)).order_by(Task.id)
    if task_type is not None:
        query = query.where(Task.task_type == task_type)
    if open_only:
        query = query.where(Task.status.in_(OPEN_STATUSES))
    found: dict[int, list[Task]] = {}
    for task in db.session.scalars(query):
        found.setdefault(task.breach_id if kind == "breach" else task.order_id, []).append(task)
    return found


def open_application_tasks(order_ids: list[int]) -> dict[int, Task]:
    """The open order-application task of each order, if one has been raised."""
    if not order_ids:
        return {}
    tasks = db.session.scalars(
        sa.select(Task)
        .where(
            Task.order_id.in_(order_ids),
            Task.task_type == "order_application",
            Task.status.in_(("open", "in_progress")),
        )
        .order_by(Task.id)
    )
    return {task.order_id: task for task in tasks}


def application_due_at(order: Order, now: datetime | None = None) -> datetime:
    """By 17:00 UK time the day before the order ends, so a new order can be in place in time."""
    now = now or utcnow()
    due = local_time(order.ends_on - timedelta(days=1), time(17, 0)).astimezone(now.tzinfo)
    return max(due, now + timedelta(hours=4))


def raise_application_task(order: Order, *, user: User) -> tuple[Task, bool]:
    """Raise an "apply for a new order" task for an order about to end; one open task per order."""
    held = open_application_tasks([order.id]).get(order.id)
    if held is not None:
        return held, False
    task = Task(
        task_type="order_application",
        title=f"Apply for a new order: {order.type.label} {order.ref} ends {order.ends_on:%d %b %Y}",
        detail=(
            f"The {order.type.label} protecting "
            + ", ".join(p.full_name for p in order.protected_persons)
            + f" from {order.subject.full_name} ends on {order.ends_on:%d %b %Y}. Consider applying for a new"
            " order (for example a DAPO) so that protection does not lapse."
        ),
        person_id=order.subject_id,
        order_id=order.id,
        team_id=user.team_id,
        # With no team, the supervisor who raised it holds it, so it is never nobody's task.
        owner_id=None if user.team_id else user.id,
        due_at=application_due_at(order),
        priority="high",
        status="open",
        created_by_id=user.id,
        version_id=1,
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        "create",
        f"raised order-application task {task.id} for order {order.ref} (ends {order.ends_on.isoformat()})",
        object_type="task",
        object_ref=str(task.id),
        data={"order_ref": order.ref, "due_at": task.due_at, "team_id": task.team_id, "owner_id": task.owner_id},
        actor=Actor.of(user),
    )
    db.session.commit()
    return task, True


def victim_contact_tasks(order_ids: list[int]) -> dict[tuple[int, int], Task]:
    """{(order id, protected person id): the victim-contact task raised for that order's end}."""
    found: dict[tuple[int, int], Task] = {}
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start : start + 500]
        for task in db.session.scalars(
            sa.select(Task)
            .where(Task.order_id.in_(chunk), Task.task_type == "victim_safeguarding")
            .options(joinedload(Task.owner), joinedload(Task.team))
            .order_by(Task.id)
        ):
            found.setdefault((task.order_id, task.person_id), task)
    return found


def raise_victim_contact_task(
    order: Order, victim: Person, *, due_at: datetime, owner: User | None, actor: Actor
) -> tuple[Task, bool]:
    """A "contact the victim before their order ends" task (asked by the victims part's daily job):
    held by `owner` (the officer who last contacted the victim) or, without one, on the board for a
    supervisor to allocate. One per order and protected person, ever: (task, raised now)."""
    held = victim_contact_tasks([order.id]).get((order.id, victim.id))
    if held is not None:
        return held, False
    task = Task(
        task_type="victim_safeguarding",
        title=f"Contact {victim.full_name} before {order.type.label} {order.ref} ends on {order.ends_on:%d %b %Y}",
        detail=(
            f"The {order.type.label} protecting {victim.full_name} ({victim.ref}) ends on {order.ends_on:%d %b %Y}. "
            "Contact them the way their victim page says is safe: check how they are, whether they want a new "
            "order, and their safety plan. Log the contact on their victim page."
        ),
        person_id=victim.id,
        order_id=order.id,
        owner_id=owner.id if owner else None,
        team_id=owner.team_id if owner else None,
        due_at=due_at,
        priority="high",
        status="open",
        version_id=1,
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        "create",
        f"raised victim-contact task {task.id}: {order.ref} protecting {victim.ref} ends {order.ends_on:%Y-%m-%d}",
        object_type="task",
        object_ref=str(task.id),
        data={"order_ref": order.ref, "person": victim.ref, "due_at": task.due_at, "owner_id": task.owner_id},
        actor=actor,
    )
    return task, True


def open_task_counts(person_ids: list[int]) -> dict[int, int]:
    """{person id: number of open tasks about them}, in chunks (a full target list is thousands)."""
    counts: dict[int, int] = {}
    for start in range(0, len(person_ids), 5000):
        chunk = person_ids[start : start + 5000]
        counts.update(
            db.session.execute(
                sa.select(Task.person_id, sa.func.count())
                .where(Task.person_id.in_(id_list("people", chunk)), Task.status.in_(OPEN_STATUSES))
                .group_by(Task.person_id)
            ).all()
        )
    return counts


PRE_RELEASE_HOUR = time(17, 0)


def raise_pre_release_task(period, *, person: Person, reasons: list[str], actor: Actor) -> Task:
    """A pre-release planning task for the supervisors (nobody holds it until allocated), due by
    17:00 UK time the day before the expected release: plan safeguarding, a licence or order check,
    a visit to the victim, a Right-to-Know disclosure to a new partner. It is the team's of the
    person's officer (who holds or last held a task about them), so it counts on that team's board;
    with no such officer, no team's, for any supervisor to allocate."""
    release = period.expected_release_on
    officer = officer_of(person.id)
    due = local_time(release - timedelta(days=1), PRE_RELEASE_HOUR).astimezone(UTC)
    task = Task(
        task_type="pre_release",
        title=f"Plan for the release of {person.full_name} from custody on {release:%d %b %Y}",
        detail="Expected out of custody ("
        + period.kind
        + f" since {period.custody_from:%d %b %Y}). Why: "
        + "; ".join(reasons)
        + ". Consider safeguarding and contact with the victims, licence conditions and any order in force, and a "
        "Right-to-Know disclosure if there is a new partner.",
        person_id=person.id,
        team_id=officer.team_id if officer else None,
        owner_id=None,
        due_at=max(due, utcnow() + timedelta(hours=4)),
        priority="high",
        status="open",
        version_id=1,
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        "create",
        f"raised pre-release task {task.id} for {person.ref}, expected out of custody {release.isoformat()}",
        object_type="task",
        object_ref=str(task.id),
        data={
            "person_ref": person.ref,
            "expected_release_on": release,
            "reasons": reasons,
            "due_at": task.due_at,
            "team_id": task.team_id,
        },
        actor=actor,
    )
    return task


def _on_pre_release_task_wanted(period, *, person: Person, reasons: list[str], actor: Actor, **_) -> Task:
    return raise_pre_release_task(period, person=person, reasons=reasons, actor=actor)


def close_breach_tasks(breach: Breach, *, outcome: str, user: User) -> list[Task]:
    """The breach's outcome was recorded on the breach: its open enforcement tasks are done, with
    the matching outcome, each audited (the breach's own service re-scores the person)."""
    task_outcome = effects.TASK_OUTCOME_FOR_BREACH.get(outcome)
    if task_outcome is None:
        return []
    closed = []
    for task in db.session.scalars(
        sa.select(Task)
        .where(Task.breach_id == breach.id, Task.task_type == "breach_enforcement", Task.status.in_(OPEN_STATUSES))
        .order_by(Task.id)
    ):
        before = snapshot(task)
        label = TASK_OUTCOMES[task_outcome]
        task.status, task.outcome, task.completed_at = "done", task_outcome, utcnow()
        task.outcome_note = (
            f"Closed when the outcome of breach {breach.ref} was recorded on the breach by {user.display_name}."
        )
        task.outcome_effects = [f"Breach {breach.ref} outcome recorded as {label.lower()} on the breach"]
        clear_deferral(task)
        db.session.flush()
        audit.record(
            "update",
            f"task {task.id}: closed as {label.lower()} from breach {breach.ref}'s outcome",
            object_type="task",
            object_ref=str(task.id),
            data={"changes": audit.changes(before, snapshot(task)), "breach_ref": breach.ref},
            actor=Actor.of(user),
        )
        closed.append(task)
    return closed


def officer_of(person_id: int) -> User | None:
    """The person's officer: whoever holds (or last held) a task about them, an active officer."""
    from app.auth.models import user_roles

    officers = sa.select(user_roles.c.user_id).where(user_roles.c.role == "officer")
    return db.session.scalar(
        sa.select(User)
        .join(Task, Task.owner_id == User.id)
        .where(Task.person_id == person_id, User.active.is_(True), User.id.in_(officers))
        .order_by(Task.status.in_(OPEN_STATUSES).desc(), Task.created_at.desc(), Task.id.desc())
        .limit(1)
    )


def raise_system_task(
    person: Person,
    *,
    task_type: str,
    title: str,
    detail: str,
    due_at: datetime,
    actor: Actor,
    priority: str = "high",
    raised_from: str | None = None,
) -> Task:
    """A task another part raises on its own (a programme drop-out): for the person's officer, or
    their team's supervisors when nobody holds the person (an alert tells them either way)."""
    officer = officer_of(person.id)
    task = Task(
        task_type=task_type,
        title=title,
        detail=detail,
        person_id=person.id,
        owner_id=officer.id if officer else None,
        team_id=officer.team_id if officer else None,
        due_at=due_at,
        priority=priority,
        status="open",
        created_by_id=actor.user_id,
        raised_from=raised_from,
        version_id=1,
    )
    db.session.add(task)
    db.session.flush()
    holder = officer.display_name if officer else "the supervisors to allocate"
    audit.record(
        "create",
        f"raised task {task.id} ({title}) for {person.ref}, for {holder}",
        object_type="task",
        object_ref=str(task.id),
        data={"after": snapshot(task), "raised_from": raised_from},
        actor=actor,
    )
    raise_alert(
        kind="task_raised",
        object_type="task",
        object_ref=str(task.id),
        due_on=local_date(due_at),
        message=f"{title} ({person.full_name}, {person.ref}), for {holder}",
        user_id=officer.id if officer else None,
        role=None if officer else "supervisor",
    )
    return task


def tasks_raised_from(refs: list[str]) -> dict[str, list[Task]]:
    """{record reference: the tasks it raised, oldest first}."""
    if not refs:
        return {}
    found: dict[str, list[Task]] = {}
    for task in db.session.scalars(
        sa.select(Task)
        .where(Task.raised_from.in_(refs))
        .options(joinedload(Task.owner), joinedload(Task.team))
        .order_by(Task.id)
    ):
        found.setdefault(task.raised_from, []).append(task)
    return found


def _on_breach_outcome_recorded(breach: Breach, *, outcome: str, user: User, **_) -> list[Task]:
    return close_breach_tasks(breach, outcome=outcome, user=user)


def _on_breach_logged(breach: Breach, *, user: User, **_) -> Task:
    return raise_breach_task(breach, user=user)


def _on_order_application_wanted(order: Order, *, user: User, **_) -> tuple[Task, bool]:
    return raise_application_task(order, user=user)


def _on_tasks_wanted(kind: str, *, ids: list[int], task_type: str | None = None, open_only: bool = False, **_):
    return tasks_about(kind, ids, task_type=task_type, open_only=open_only)


def _on_open_tasks_counted(person_ids: list[int], **_) -> dict[int, int]:
    return open_task_counts(person_ids)


def _on_consultation_exempt(object_type: str, *, object_ref: str, user, **_) -> str | None:
    """A person in one of the user's own open tasks may be opened without a stated reason."""
    if object_type != "person" or not getattr(user, "id", None):
        return None
    held = db.session.scalar(
        sa.select(Task.id)
        .join(Person, Person.id == Task.person_id)
        .where(Person.ref == object_ref, Task.owner_id == user.id, Task.status.in_(OPEN_STATUSES))
        .limit(1)
    )
    return f"in the user's open task {held}" if held else None


def connect_signals() -> None:
    """Answer the other parts' requests for tasks (app.signals); called when the app is built.
    Connecting the same function again changes nothing, so building several apps is safe."""
    signals.breach_logged.connect(_on_breach_logged)
    signals.order_application_wanted.connect(_on_order_application_wanted)
    signals.tasks_wanted.connect(_on_tasks_wanted)
    signals.open_tasks_counted.connect(_on_open_tasks_counted)
    signals.consultation_exempt.connect(_on_consultation_exempt)
    signals.pre_release_task_wanted.connect(_on_pre_release_task_wanted)
    signals.breach_outcome_recorded.connect(_on_breach_outcome_recorded)
