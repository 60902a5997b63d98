"""The task to contact a victim 7 days before an order protecting them ends, raised by the daily job
through tasking's service: once per order and person, to the victim's DALO or the board."""

from datetime import time, timedelta

import sqlalchemy as sa

from app.audit.services import Actor
from app.base import local_time, utcnow
from app.extensions import db
from app.orders.models import Order
from app.scheduler import jobs
from app.tasking.models import Task
from app.victims import protection
from app.victims.contacts import services as contacts
from tests.factories import count, make_order, make_person
from tests.victims.conftest import TODAY

JOB = Actor("scheduler")


def victim_tasks() -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.task_type == "victim_safeguarding").order_by(Task.id)))


def order_ref(task: Task) -> str:
    return db.session.get(Order, task.order_id).ref


def test_a_contact_task_is_raised_seven_days_before_the_order_ends_and_not_eight(world):
    seven = make_order(
        world.perp, world.victim, ref="NMO/7", starts_on=TODAY - timedelta(days=90), ends_on=TODAY + timedelta(days=7)
    )
    make_order(
        world.perp2, world.victim, ref="NMO/8", starts_on=TODAY - timedelta(days=90), ends_on=TODAY + timedelta(days=8)
    )
    make_order(world.perp, world.victim, ref="NMO/FURTHER", starts_on=TODAY - timedelta(days=90))
    assert protection.raise_contact_tasks(TODAY, actor=JOB) == 1
    [task] = victim_tasks()
    assert (task.person_id, task.order_id, task.status, task.priority) == (world.victim.id, seven.id, "open", "high")
    assert "Contact Freya BELLAMY before" in task.title and "NMO/7" in task.title
    # Due 17:00 two days on (well before the order ends).
    assert task.due_at == local_time(TODAY + timedelta(days=2), time(17, 0))
    # The next day the 8-day order is 7 days from its end: its task now; the first is not raised twice.
    assert protection.raise_contact_tasks(TODAY + timedelta(days=1), actor=JOB) == 1
    assert protection.raise_contact_tasks(TODAY + timedelta(days=2), actor=JOB) == 0
    assert [order_ref(t) for t in victim_tasks()] == ["NMO/7", "NMO/8"]


def test_a_task_done_or_cancelled_is_not_raised_again(world):
    make_order(
        world.perp, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=9), ends_on=TODAY + timedelta(days=3)
    )
    protection.raise_contact_tasks(TODAY, actor=JOB)
    db.session.execute(sa.update(Task).values(status="cancelled", outcome_note="Moved away"))
    db.session.commit()
    assert protection.raise_contact_tasks(TODAY + timedelta(days=1), actor=JOB) == 0
    assert count(Task) == 1


def test_orders_not_in_force_and_every_protected_person(world):
    other = make_person("V200", surname="Dunmore", forenames="Hazel")
    revoked = make_order(
        world.perp, world.victim, ref="NMO/R", starts_on=TODAY - timedelta(days=30), ends_on=TODAY + timedelta(days=5)
    )
    revoked.revoked_on = TODAY - timedelta(days=1)
    both = make_order(
        world.perp2, world.victim, ref="NMO/B", starts_on=TODAY - timedelta(days=30), ends_on=TODAY + timedelta(days=5)
    )
    both.protected_persons.append(other)
    make_order(
        world.perp2, other, ref="NMO/ENDED", starts_on=TODAY - timedelta(days=30), ends_on=TODAY - timedelta(days=1)
    )
    db.session.commit()
    assert protection.raise_contact_tasks(TODAY, actor=JOB) == 2
    assert sorted((order_ref(t), t.person.ref) for t in victim_tasks()) == [("NMO/B", "V100"), ("NMO/B", "V200")]


def test_the_task_goes_to_the_officer_who_last_contacted_the_victim(world):
    contacts.log_contact(
        world.victim,
        contacts.ContactInput(contacted_at=utcnow() - timedelta(days=3), channel="phone", outcome="spoken_to"),
        actor=Actor.of(world.pc2),
    )
    make_order(
        world.perp, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=9), ends_on=TODAY + timedelta(days=1)
    )
    protection.raise_contact_tasks(TODAY, actor=JOB)
    [task] = victim_tasks()
    assert (task.owner_id, task.team_id) == (world.pc2.id, world.pc2.team_id)
    # An order ending tomorrow: due the day before it ends, and never sooner than four hours from now.
    assert task.due_at >= utcnow() + timedelta(hours=3, minutes=59)
    assert task.due_at <= max(local_time(TODAY, time(17, 0)), utcnow() + timedelta(hours=4, minutes=1))


def test_without_a_dalo_the_task_waits_on_the_board(world):
    make_order(
        world.perp, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=9), ends_on=TODAY + timedelta(days=6)
    )
    protection.raise_contact_tasks(TODAY, actor=JOB)
    [task] = victim_tasks()
    assert task.owner_id is None and task.team_id is None


def test_the_victim_page_shows_the_order_and_its_contact_task_and_the_task_is_done_by_logging_contact(
    client, login, world
):
    make_order(
        world.perp, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=9), ends_on=TODAY + timedelta(days=6)
    )
    jobs.JOBS["victim_contact_before_order_ends"].func(utcnow())
    [task] = victim_tasks()
    task.owner_id = world.pc.id
    db.session.commit()
    login(world.pc)
    page = client.get(f"/victims/{world.victim.ref}").get_data(as_text=True)
    orders = page[page.index('id="orders"') :]
    assert "NMO/1" in orders and "in 6 days" in orders and "Contact task:" in orders
    assert f"/victims/{world.victim.ref}/contacts/new?task={task.id}" in page
    response = client.post(
        f"/victims/{world.victim.ref}/contacts/new",
        data={
            "contacted_at": f"{TODAY.isoformat()}T00:01",
            "channel": "phone",
            "outcome": "spoken_to",
            "task_id": str(task.id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(Task, task.id)
    assert (done.status, done.outcome) == ("done", "victim_contacted")


def test_a_contact_not_reached_leaves_the_task_open(client, login, world):
    make_order(
        world.perp, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=9), ends_on=TODAY + timedelta(days=6)
    )
    protection.raise_contact_tasks(TODAY, actor=JOB)
    [task] = victim_tasks()
    login(world.sup)
    client.post(
        f"/victims/{world.victim.ref}/contacts/new",
        data={
            "contacted_at": f"{TODAY.isoformat()}T00:01",
            "channel": "text",
            "outcome": "not_reached",
            "task_id": str(task.id),
        },
    )
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "open"


def test_another_officers_task_is_not_completed_and_nothing_is_written(client, login, world):
    from app.victims.contacts.models import VictimContact

    make_order(
        world.perp, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=9), ends_on=TODAY + timedelta(days=6)
    )
    protection.raise_contact_tasks(TODAY, actor=JOB)
    [task] = victim_tasks()
    task.owner_id = world.pc2.id
    db.session.commit()
    login(world.pc)
    response = client.post(
        f"/victims/{world.victim.ref}/contacts/new",
        data={
            "contacted_at": f"{TODAY.isoformat()}T00:01",
            "channel": "text",
            "outcome": "spoken_to",
            "task_id": str(task.id),
        },
    )
    assert response.status_code == 400 and "held by someone else" in response.get_data(as_text=True)
    assert count(VictimContact) == 0
