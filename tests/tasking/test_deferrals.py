"""Deferrals under control: enforcement work is put aside only with a reason; past the limit for its
type and priority (72 hours for a high-priority arrest or criminal breach) it needs a supervisor's
approval, and until then it stays in the lists; the board shows what is put aside and who approved."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.base import local_today, utcnow
from app.extensions import db
from app.tasking.board import services as lists
from app.tasking.models import Task
from app.tasking.tasks import deferrals, rules
from tests.factories import make_person, make_task

TODAY = local_today()


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    person = make_person("P100", surname="Ashworth", forenames="Dominic")
    return SimpleNamespace(sup=sup, pc=pc, person=person)


def defer(client, task, **fields):
    data = {f"t{task.id}-version_id": str(task.version_id)}
    data.update({f"t{task.id}-{k}": v for k, v in fields.items()})
    return client.post(f"/tasks/{task.id}/defer", data=data)


def fresh(task_id) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task_id)


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


@pytest.mark.parametrize("task_type", ["arrest", "warrant", "breach_enforcement"])
def test_enforcement_work_is_never_put_aside_without_a_reason(client, login, world, task_type):
    task = make_task(world.person, owner=world.pc, task_type=task_type, priority="high")
    login(world.pc)
    response = defer(client, task, kind="snooze", until=days(2), reason="")
    assert response.status_code == 400
    assert "enforcement work is put aside only with a reason" in response.get_data(as_text=True)
    assert fresh(task.id).deferred_until is None


def test_within_the_limit_an_officer_puts_enforcement_aside_with_a_reason(client, login, world):
    task = make_task(world.person, owner=world.pc, task_type="breach_enforcement", priority="high")
    login(world.pc)
    # Back at 00:00 in three days' time: less than 72 hours from now.
    assert (
        defer(client, task, kind="snooze", until=days(3), reason="Victim in hospital until Thursday.").status_code
        == 302
    )
    held = fresh(task.id)
    assert rules.is_deferred(held) and not held.deferral_pending
    assert (held.deferred_by_id, held.deferral_approved_by_id) == (world.pc.id, None)


def test_past_the_limit_an_officers_request_waits_for_a_supervisor_and_the_task_stays_listed(client, login, world, app):
    # The case from the field: a high-priority arrest for a criminal breach put aside for 88 days.
    task = make_task(
        world.person, owner=world.pc, task_type="arrest", priority="high", due_at=utcnow() - timedelta(hours=1)
    )
    login(world.pc)
    response = defer(client, task, kind="snooze", until=days(88), reason="Suspect abroad.")
    assert response.status_code == 302
    held = fresh(task.id)
    assert held.deferral_pending and held.deferred_until == TODAY + timedelta(days=88)
    # Not in effect: still overdue, still on My tasks, not "put aside".
    assert not rules.is_deferred(held) and rules.is_overdue(held)
    mine = lists.my_tasks(world.pc)
    assert [t.id for t in mine.overdue] == [task.id] and mine.put_aside == []
    # The supervisors are asked.
    alert = db.session.scalars(sa.select(Alert).where(Alert.kind == "deferral_approval")).one()
    assert alert.role == "supervisor" and "72-hour limit" in alert.message and "Suspect abroad." in alert.message
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "awaiting a supervisor's approval (past the 72-hour limit)" in page

    # A supervisor approves: it takes effect, and who approved is recorded and shown.
    supervisor = login(world.sup, app.test_client())
    response = supervisor.post(
        f"/tasks/{task.id}/deferral/approve", data={f"t{task.id}-version_id": str(fresh(task.id).version_id)}
    )
    assert response.status_code == 302
    held = fresh(task.id)
    assert rules.is_deferred(held) and not rules.is_overdue(held)
    assert held.deferral_approved_by_id == world.sup.id
    board = supervisor.get("/tasks/board?status=put_aside").get_data(as_text=True)
    assert "approved by" in board and world.sup.display_name in board
    entry = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "task", AuditEntry.action == "update")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.data["changes"]["deferral_approved_by"] == {"before": None, "after": "sgt.reyes"}


def test_a_supervisor_refuses_with_a_reason_and_the_task_stays(client, login, world, app):
    task = make_task(world.person, owner=world.pc, task_type="warrant", priority="high")
    login(world.pc)
    defer(client, task, kind="snooze", until=days(30), reason="Wait for intelligence.")
    supervisor = login(world.sup, app.test_client())
    version = str(fresh(task.id).version_id)
    response = supervisor.post(f"/tasks/{task.id}/deferral/refuse", data={f"t{task.id}-version_id": version})
    assert response.status_code == 400 and "Say why the task cannot wait." in response.get_data(as_text=True)
    response = supervisor.post(
        f"/tasks/{task.id}/deferral/refuse",
        data={f"t{task.id}-version_id": version, f"t{task.id}-reason": "The warrant is live: execute it this week."},
    )
    assert response.status_code == 302
    held = fresh(task.id)
    assert held.deferred_until is None and not held.deferral_pending


def test_an_officer_cannot_approve(client, login, world):
    task = make_task(world.person, owner=world.pc, task_type="arrest", priority="high")
    login(world.pc)
    defer(client, task, kind="snooze", until=days(20), reason="Abroad.")
    response = client.post(
        f"/tasks/{task.id}/deferral/approve", data={f"t{task.id}-version_id": str(fresh(task.id).version_id)}
    )
    assert response.status_code == 403
    assert fresh(task.id).deferral_pending


def test_a_supervisor_putting_aside_past_the_limit_approves_it_themselves(client, login, world):
    task = make_task(world.person, owner=world.pc, task_type="breach_enforcement", priority="high")
    login(world.sup)
    assert defer(client, task, kind="snooze", until=days(10), reason="Court date set for the 12th.").status_code == 302
    held = fresh(task.id)
    assert rules.is_deferred(held) and held.deferral_approved_by_id == world.sup.id


@pytest.mark.parametrize(
    ("task_type", "priority", "hours"),
    [
        ("arrest", "high", 72),
        ("breach_enforcement", "high", 72),
        ("breach_enforcement", "normal", 168),
        ("warrant", "low", 336),
        ("intelligence_development", "high", None),
    ],
)
def test_the_limit_is_set_per_type_and_priority(app, world, task_type, priority, hours):
    task = make_task(world.person, owner=world.pc, task_type=task_type, priority=priority)
    assert deferrals.limit_hours(task) == hours
    if hours:
        # Back at midnight on the day `hours` away is always within the limit (it is less than
        # `hours` from now); the day after is past it.
        assert not deferrals.needs_approval(task, TODAY + timedelta(days=hours // 24))
        assert deferrals.needs_approval(task, TODAY + timedelta(days=hours // 24 + 2))


def test_a_normal_task_needs_no_approval_however_long(client, login, world):
    task = make_task(world.person, owner=world.pc, task_type="intelligence_development")
    login(world.pc)
    assert defer(client, task, kind="snooze", until=days(80), reason="").status_code == 302
    assert rules.is_deferred(fresh(task.id))


def test_the_board_lists_requests_awaiting_approval(client, login, world, app):
    task = make_task(world.person, owner=world.pc, task_type="arrest", priority="high")
    login(world.pc)
    defer(client, task, kind="snooze", until=days(20), reason="Abroad.")
    supervisor = login(world.sup, app.test_client())
    page = supervisor.get("/tasks/board?status=awaiting_approval").get_data(as_text=True)
    assert f'href="/tasks/{task.id}"' in page and "Awaiting approval" in page
