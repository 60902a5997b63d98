"""Tasks: raising one, the status machine with outcomes, deferral, allocation, who sees what, the
conflict when two people save one task, and the audit of every change."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.audit.models import AuditEntry
from app.base import local_today, local_zone, utcnow
from app.extensions import db
from app.tasking.board import services as lists
from app.tasking.models import Task
from app.tasking.tasks import checks, rules
from app.tasking.tasks import services as ts
from tests.factories import count, make_order, make_person, make_task

TODAY = local_today()


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    pc2 = make_user("pc.ambrose", "officer", team="North PDA")
    south = make_user("pc.lindqvist", "officer", team="South PDA")
    analyst = make_user("an.patel", "analyst")
    person = make_person("P100", surname="Ashworth", forenames="Dominic")
    victim = make_person("P200", surname="Bellamy", forenames="Freya")
    return SimpleNamespace(sup=sup, pc=pc, pc2=pc2, south=south, analyst=analyst, person=person, victim=victim)


def task_entries(task_id) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.object_type == "task", AuditEntry.object_ref == str(task_id))
            .where(AuditEntry.action.in_(("create", "update")))
            .order_by(AuditEntry.id)
        )
    )


def new_task_form(**overrides):
    data = {
        "task_type": "arrest",
        "person_ref": "P100",
        "title": "Arrest for breach of the non-molestation order",
        "detail": "Last seen at 4 Larch Close.",
        "owner": "",
        "team": "",
        "due_on": (TODAY + timedelta(days=2)).isoformat(),
        "due_time": "",
        "priority": "high",
        "order_ref": "",
        "breach_ref": "",
        "meeting_id": "",
        "referral_ref": "",
    }
    data.update(overrides)
    return data


def fresh(task_id) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task_id)


# ---- raising a task -----------------------------------------------------------------------------


def test_a_supervisor_raises_a_task_for_an_officer_and_it_is_audited(client, login, world):
    login(world.sup)
    response = client.post("/tasks/new", data=new_task_form(owner=str(world.pc.id)))
    assert response.status_code == 302
    task = db.session.scalars(sa.select(Task)).one()
    assert (task.task_type, task.person_id, task.owner_id) == ("arrest", world.person.id, world.pc.id)
    assert task.team_id == world.pc.team_id  # the officer's team
    assert (task.status, task.priority, task.created_by_id, task.version_id) == ("open", "high", world.sup.id, 1)
    due = task.due_at.astimezone(local_zone())
    assert (due.date(), due.hour, due.minute) == (TODAY + timedelta(days=2), 17, 0)  # 17:00 UK time by default
    [entry] = task_entries(task.id)
    assert entry.action == "create" and entry.username == "sgt.reyes"
    assert entry.data["after"]["owner"] == "pc.okafor" and entry.data["after"]["person"] == "P100"


def test_the_form_is_prefilled_from_the_link_that_opened_it(client, login, world):
    subject = make_person("P300", surname="Crowther", forenames="Gideon")
    make_order(subject, world.victim, ref="NMO/9", starts_on=TODAY - timedelta(days=5))
    login(world.sup)
    page = client.get("/tasks/new?person=P300&type=warrant&order=NMO/9&referral=R-77").get_data(as_text=True)
    assert 'value="P300"' in page
    assert '<option selected value="warrant">' in page
    assert 'value="Warrant: Gideon CROWTHER"' in page
    assert 'value="NMO/9"' in page and "Raised from referral R-77." in page
    assert "For Gideon CROWTHER (P300)" in page


def test_a_task_can_be_linked_to_an_order_and_a_breach_of_the_same_person(client, login, world):
    order = make_order(world.person, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=30))
    login(world.sup)
    response = client.post("/tasks/new", data=new_task_form(owner=str(world.pc.id), order_ref="NMO/1"))
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Task)).one().order_id == order.id


def test_an_officer_raises_tasks_for_themselves_only(client, login, world):
    login(world.pc)
    page = client.get("/tasks/new?person=P100").get_data(as_text=True)
    assert "This task will be yours" in page and 'name="owner"' not in page
    assert client.post("/tasks/new", data=new_task_form()).status_code == 302
    task = db.session.scalars(sa.select(Task)).one()
    assert (task.owner_id, task.team_id, task.created_by_id) == (world.pc.id, world.pc.team_id, world.pc.id)
    # Naming someone else in a hand-made request is refused and said, not quietly changed.
    response = client.post("/tasks/new", data=new_task_form(owner=str(world.pc2.id), title="Second"))
    assert response.status_code == 400 and "only raise tasks for themselves" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Task.owner_id).where(Task.title == "Second")) is None


def test_a_supervisor_may_leave_a_task_to_a_team(client, login, world):
    login(world.sup)
    team_id = world.pc.team_id
    assert client.post("/tasks/new", data=new_task_form(team=str(team_id))).status_code == 302
    task = db.session.scalars(sa.select(Task)).one()
    assert task.owner_id is None and task.team_id == team_id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"task_type": ""}, "task_type", "Choose the type of task."),
        ({"task_type": "tea_making"}, "task_type", "Choose the type of task from the list."),
        ({"person_ref": ""}, "person_ref", "Enter the person reference."),
        ({"person_ref": "P999"}, "person_ref", "No person has the reference P999."),
        ({"title": "   "}, "title", "Say in a few words what is to be done."),
        ({"title": "x" * 201}, "title", "Field cannot be longer than 200 characters."),
        ({"detail": "x" * 5001}, "detail", "Field cannot be longer than 5000 characters."),
        ({"due_on": ""}, "due_on", "Enter the date the task is due."),
        ({"due_on": "31/12/2026"}, "due_on", "Enter a real date, for example 2026-11-28."),
        ({"due_on": "2026-02-30"}, "due_on", "Enter a real date, for example 2026-11-28."),
        ({"due_on": (TODAY - timedelta(days=1)).isoformat()}, "due_on", "The due date has passed"),
        ({"due_on": (TODAY + timedelta(days=400)).isoformat()}, "due_on", "Give a due date within 366 days."),
        ({"due_time": "25:00"}, "due_time", "Enter a time as hours and minutes"),
        ({"priority": "urgent"}, "priority", "Choose the priority."),
        ({"priority": ""}, "priority", "Choose the priority."),
        ({"owner": "999999"}, "owner", "Choose an officer from the list."),
        ({"owner": "abc"}, "owner", "Choose an officer from the list."),
        ({"team": "999999"}, "team", "Choose a team from the list."),
        ({"order_ref": "NOPE"}, "order_ref", "No order has the reference NOPE."),
        ({"breach_ref": "NOPE"}, "breach_ref", "No breach has the reference NOPE."),
        ({"meeting_id": "12"}, "person_ref", "That tasking meeting does not exist."),
        ({"meeting_id": "x"}, "person_ref", "That tasking meeting does not exist."),
        ({"referral_ref": "R" * 65}, "referral_ref", "too long"),
    ],
)
def test_a_bad_task_is_refused_with_a_clear_message_and_nothing_written(
    client, login, world, overrides, field, message
):
    login(world.sup)
    data = new_task_form(owner=str(world.pc.id))
    data.update(overrides)
    response = client.post("/tasks/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Task) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.object_type == "task")) == 0


def test_a_task_with_neither_officer_nor_team_is_refused(client, login, make_user, world):
    teamless = make_user("insp.kaur", "supervisor")
    login(teamless)
    response = client.post("/tasks/new", data=new_task_form())
    assert response.status_code == 400
    assert "Choose the officer who will do it, or a team" in response.get_data(as_text=True)
    assert count(Task) == 0


def test_an_order_of_someone_else_cannot_be_linked(client, login, world):
    other = make_person("P300")
    make_order(other, world.victim, ref="NMO/OTHER", starts_on=TODAY - timedelta(days=5))
    login(world.sup)
    response = client.post("/tasks/new", data=new_task_form(owner=str(world.pc.id), order_ref="NMO/OTHER"))
    assert response.status_code == 400
    assert "Order NMO/OTHER is not about Dominic ASHWORTH (P100)." in response.get_data(as_text=True)
    assert count(Task) == 0


def test_an_inactive_user_cannot_be_given_a_task(client, login, world):
    world.pc2.active = False
    db.session.commit()
    login(world.sup)
    response = client.post("/tasks/new", data=new_task_form(owner=str(world.pc2.id)))
    assert response.status_code == 400 and count(Task) == 0


def test_a_due_time_today_that_has_passed_is_refused_but_a_blank_time_means_end_of_day(app, world):
    now = utcnow()
    moment, error = checks.due_moment(TODAY, None, now=now)
    assert error is None and moment > now
    one_minute_ago = (now - timedelta(minutes=1)).astimezone(local_zone())
    if one_minute_ago.date() == TODAY:
        _, error = checks.due_moment(TODAY, one_minute_ago.time(), now=now)
        assert error == "That time today has passed: give a later time."


# ---- the status machine -------------------------------------------------------------------------


def post(client, task, action, **fields):
    data = {f"t{task.id}-{k}": v for k, v in fields.items()}
    data.setdefault(f"t{task.id}-version_id", str(fresh(task.id).version_id))
    return client.post(f"/tasks/{task.id}/{action}", data=data)


def test_open_to_in_progress_to_done_with_outcome_note_and_audit(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.pc)
    assert post(client, task, "start").status_code == 302
    assert fresh(task.id).status == "in_progress"
    response = post(client, task, "complete", outcome="arrested", note="Arrested at home, 06:10.")
    assert response.status_code == 302
    done = fresh(task.id)
    assert (done.status, done.outcome, done.outcome_note) == ("done", "arrested", "Arrested at home, 06:10.")
    assert done.completed_at is not None and abs((done.completed_at - utcnow()).total_seconds()) < 60
    assert done.version_id == 3
    start, finish = task_entries(task.id)
    assert start.data["changes"]["status"] == {"before": "open", "after": "in_progress"}
    assert finish.data["changes"]["status"] == {"before": "in_progress", "after": "done"}
    assert finish.data["changes"]["outcome"] == {"before": None, "after": "arrested"}
    assert finish.username == "pc.okafor"


def test_open_can_go_straight_to_done(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.pc)
    assert post(client, task, "complete", outcome="visit_completed").status_code == 302
    assert fresh(task.id).status == "done"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose the outcome."),
        ({"outcome": ""}, "Choose the outcome."),
        ({"outcome": "shrugged"}, "Choose the outcome."),
        ({"outcome": "charged", "note": "x" * 2001}, "Field cannot be longer than 2000 characters."),
    ],
)
def test_done_needs_an_outcome_from_the_list(client, login, world, fields, message):
    task = make_task(world.person, owner=world.pc)
    login(world.pc)
    response = post(client, task, "complete", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert fresh(task.id).status == "open" and task_entries(task.id) == []


def test_the_service_refuses_done_without_an_outcome(app, world):
    task = make_task(world.person, owner=world.pc)
    with pytest.raises(ts.ValidationFailed) as caught:
        ts.change_status(task, "done", expected_version=1, user=world.pc)
    assert caught.value.errors == {"outcome": "Choose the outcome."}


def test_a_cancellation_needs_a_reason_and_is_final(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    response = post(client, task, "cancel", note="")
    assert response.status_code == 400 and "Say why the task is cancelled." in response.get_data(as_text=True)
    assert post(client, task, "cancel", note="Raised twice.").status_code == 302
    cancelled = fresh(task.id)
    assert (cancelled.status, cancelled.outcome_note, cancelled.outcome) == ("cancelled", "Raised twice.", None)
    assert task_entries(task.id)[-1].data["changes"]["status"]["after"] == "cancelled"


@pytest.mark.parametrize("final", ["done", "cancelled"])
@pytest.mark.parametrize("action", ["start", "complete", "cancel", "defer"])
def test_done_and_cancelled_are_final(client, login, world, final, action):
    task = make_task(world.person, owner=world.pc, status=final, outcome="charged" if final == "done" else None)
    login(world.sup)
    response = post(client, task, action, outcome="arrested", note="again", kind="snooze")
    assert response.status_code == 409
    assert "cannot" in response.get_data(as_text=True) or "already" in response.get_data(as_text=True)
    assert fresh(task.id).status == final and fresh(task.id).version_id == 1
    assert task_entries(task.id) == []


def test_in_progress_cannot_be_started_again(client, login, world):
    task = make_task(world.person, owner=world.pc, status="in_progress")
    login(world.pc)
    response = post(client, task, "start")
    assert response.status_code == 409
    assert "A task that is in progress cannot be marked in progress." in response.get_data(as_text=True)


def test_the_service_refuses_moving_back_to_open(app, world):
    task = make_task(world.person, owner=world.pc, status="in_progress")
    with pytest.raises(ts.TaskRefused):
        ts.change_status(task, "open", expected_version=1, user=world.sup)


def test_the_database_refuses_done_without_an_outcome(app, world):
    task = make_task(world.person, owner=world.pc)
    task.status = "done"
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# ---- two people, one task -----------------------------------------------------------------------


def test_a_stale_save_gets_a_409_that_says_who_changed_what_and_keeps_the_input(client, login, world):
    task = make_task(world.person, owner=world.pc)
    # The supervisor reallocates the task while the officer has it open on their phone.
    ts.reassign(task, world.pc2.id, expected_version=1, user=world.sup)
    login(world.pc2)
    response = client.post(
        f"/tasks/{task.id}/complete",
        data={f"t{task.id}-version_id": "1", f"t{task.id}-outcome": "charged", f"t{task.id}-note": "Charged with ABH."},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this task while you were working on it" in page
    assert "sgt.reyes" in page and "pc.okafor" in page and "pc.ambrose" in page  # who, and what changed
    assert "Charged with ABH." in page  # the officer's note is kept
    assert re.search(r'<input[^>]*checked[^>]*value="charged"', page)  # the chosen outcome too
    assert f'name="t{task.id}-version_id" type="hidden" value="2"' in page  # saving again is possible
    assert fresh(task.id).status == "open"
    # Saving again with the version now shown works.
    response = client.post(
        f"/tasks/{task.id}/complete",
        data={f"t{task.id}-version_id": "2", f"t{task.id}-outcome": "charged", f"t{task.id}-note": "Charged with ABH."},
    )
    assert response.status_code == 302 and fresh(task.id).outcome == "charged"


def test_a_race_caught_by_the_database_is_a_conflict_too(app, world):
    task = make_task(world.person, owner=world.pc)
    # Another session commits a change after this one loaded the task.
    other = db.session.get(Task, task.id)
    db.session.execute(sa.update(Task).where(Task.id == task.id).values(version_id=2, title="Changed elsewhere"))
    db.session.commit()
    task = other
    sa.orm.attributes.set_committed_value(task, "version_id", 1)
    with pytest.raises(ts.TaskConflict):
        ts.change_status(task, "in_progress", expected_version=1, user=world.pc)
    assert fresh(task.id).status == "open"


def test_a_stale_edit_keeps_the_typed_title(client, login, world):
    task = make_task(world.person, owner=world.pc)
    ts.change_status(task, "in_progress", expected_version=1, user=world.pc)
    login(world.sup)
    due = (TODAY + timedelta(days=4)).isoformat()
    response = client.post(
        f"/tasks/{task.id}/edit",
        data={
            "title": "My new title",
            "detail": "",
            "due_on": due,
            "due_time": "",
            "priority": "low",
            "version_id": "1",
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "My new title" in page and "pc.okafor" in page and "In progress" in page
    assert fresh(task.id).title != "My new title"


# ---- editing and allocation ---------------------------------------------------------------------


def test_a_supervisor_edits_a_task_with_before_and_after_audited(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    due = (TODAY + timedelta(days=5)).isoformat()
    response = client.post(
        f"/tasks/{task.id}/edit",
        data={
            "title": "Arrest on sight",
            "detail": "",
            "due_on": due,
            "due_time": "09:30",
            "priority": "high",
            "version_id": "1",
        },
    )
    assert response.status_code == 302
    changed = fresh(task.id)
    assert (changed.title, changed.priority) == ("Arrest on sight", "high")
    assert changed.due_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M") == f"{due} 09:30"
    [entry] = task_entries(task.id)
    assert set(entry.data["changes"]) == {"title", "priority", "due_at"}


def edit_form(task, **overrides):
    local_due = task.due_at.astimezone(local_zone())
    data = {
        "title": task.title,
        "detail": task.detail or "",
        "due_on": local_due.date().isoformat(),
        "due_time": local_due.strftime("%H:%M"),
        "priority": task.priority,
        "version_id": str(task.version_id),
    }
    data.update(overrides)
    return data


def test_an_overdue_task_can_be_retitled_without_moving_its_due_time(client, login, world):
    task = make_task(world.person, owner=world.pc, due_at=utcnow() - timedelta(days=2, seconds=17))
    login(world.sup)
    page = client.get(f"/tasks/{task.id}/edit").get_data(as_text=True)
    assert f'value="{task.title}"' in page
    response = client.post(f"/tasks/{task.id}/edit", data=edit_form(task, title="Arrest: wanted on warrant"))
    assert response.status_code == 302
    changed = fresh(task.id)
    assert changed.title == "Arrest: wanted on warrant" and changed.due_at == task.due_at
    assert set(task_entries(task.id)[-1].data["changes"]) == {"title"}


def test_saving_an_unchanged_task_changes_nothing(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    response = client.post(f"/tasks/{task.id}/edit", data=edit_form(task))
    assert response.status_code == 302 and fresh(task.id).version_id == 1 and task_entries(task.id) == []


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"title": ""}, 400, "Say in a few words what is to be done."),
        ({"priority": "urgent"}, 400, "Choose the priority."),
        ({"due_on": (TODAY - timedelta(days=3)).isoformat()}, 400, "The due date has passed"),
        ({"due_on": "3rd of May"}, 400, "Enter a real date"),
        ({"due_time": "noon"}, 400, "Enter a time as hours and minutes"),
        ({"detail": "x" * 5001}, 400, "5000 characters"),
        ({"version_id": "abc"}, 409, "Someone else changed this task"),
        ({"version_id": ""}, 409, "Someone else changed this task"),
    ],
)
def test_a_bad_edit_is_refused_and_nothing_written(client, login, world, overrides, status, message):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    response = client.post(f"/tasks/{task.id}/edit", data=edit_form(task, **{"title": "New title", **overrides}))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert fresh(task.id).title == task.title and task_entries(task.id) == []


def test_a_finished_task_cannot_be_edited(client, login, world):
    task = make_task(world.person, owner=world.pc, status="done", outcome="charged", completed_at=utcnow())
    login(world.sup)
    response = client.post(f"/tasks/{task.id}/edit", data=edit_form(task, title="Rewritten"))
    assert response.status_code == 409
    assert "This task is done, so it cannot be changed" in response.get_data(as_text=True)
    assert client.get(f"/tasks/{task.id}/complete").status_code == 409


@pytest.mark.parametrize("action", ["complete", "cancel", "defer"])
def test_each_action_page_opens_with_the_tasks_version(client, login, world, action):
    task = make_task(world.person, owner=world.pc, created_by_id=world.pc.id)
    login(world.pc)
    response = client.get(f"/tasks/{task.id}/{action}?next=/tasks/mine")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'name="t{task.id}-version_id" type="hidden" value="1"' in page
    assert f'name="t{task.id}-next" type="hidden" value="/tasks/mine"' in page


def test_an_officer_cannot_edit_or_cancel_a_task_a_supervisor_set(client, login, world):
    task = make_task(world.person, owner=world.pc, created_by_id=world.sup.id)
    login(world.pc)
    assert client.get(f"/tasks/{task.id}/edit").status_code == 403
    assert post(client, task, "cancel", note="Not needed").status_code == 403
    assert fresh(task.id).status == "open"


def test_an_officer_may_cancel_a_task_they_set_themselves(client, login, world):
    task = make_task(world.person, owner=world.pc, created_by_id=world.pc.id)
    login(world.pc)
    assert post(client, task, "cancel", note="Done by the neighbourhood team").status_code == 302
    assert fresh(task.id).status == "cancelled"


def test_a_supervisor_reallocates_a_task_and_it_is_audited(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    response = client.post(
        f"/tasks/{task.id}/reassign", data={f"r{task.id}-owner": str(world.south.id), f"r{task.id}-version_id": "1"}
    )
    assert response.status_code == 302
    moved = fresh(task.id)
    assert moved.owner_id == world.south.id and moved.team_id == world.south.team_id
    [entry] = task_entries(task.id)
    assert entry.data["changes"]["owner"] == {"before": "pc.okafor", "after": "pc.lindqvist"}
    assert entry.data["changes"]["team"] == {"before": "North PDA", "after": "South PDA"}


def test_reallocating_to_nobody_gives_the_task_back_to_its_team(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    client.post(f"/tasks/{task.id}/reassign", data={f"r{task.id}-owner": "", f"r{task.id}-version_id": "1"})
    moved = fresh(task.id)
    assert moved.owner_id is None and moved.team_id == world.pc.team_id


@pytest.mark.parametrize("owner", ["424242", "not-a-number"])
def test_reallocating_to_an_unknown_user_is_refused(client, login, world, owner):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    response = client.post(
        f"/tasks/{task.id}/reassign", data={f"r{task.id}-owner": owner, f"r{task.id}-version_id": "1"}
    )
    assert response.status_code == 400
    assert "Choose an officer from the list." in response.get_data(as_text=True)
    assert fresh(task.id).owner_id == world.pc.id


def test_an_analyst_cannot_be_given_a_task(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    response = client.post(
        f"/tasks/{task.id}/reassign", data={f"r{task.id}-owner": str(world.analyst.id), f"r{task.id}-version_id": "1"}
    )
    assert response.status_code == 400 and fresh(task.id).owner_id == world.pc.id


def test_an_officer_takes_a_team_task_nobody_holds(app, client, login, world):
    task = make_task(world.person, team=world.pc.team)
    login(world.pc)
    assert post(client, task, "take").status_code == 302
    assert fresh(task.id).owner_id == world.pc.id
    assert task_entries(task.id)[-1].data["changes"]["owner"] == {"before": None, "after": "pc.okafor"}
    # Now it is held, nobody else can take it (nor see it: it is pc.okafor's).
    colleague = login(world.pc2, app.test_client())
    assert post(colleague, task, "take").status_code == 403


def test_an_officer_of_another_team_cannot_take_or_see_the_task(client, login, world):
    task = make_task(world.person, team=world.pc.team)
    login(world.south)
    assert client.get(f"/tasks/{task.id}").status_code == 403
    assert post(client, task, "take").status_code == 403
    assert fresh(task.id).owner_id is None


# ---- who sees and works what --------------------------------------------------------------------


def test_an_officer_sees_their_own_tasks_and_their_teams_unallocated_ones_only(client, login, world):
    own = make_task(world.person, owner=world.pc, title="Own task")
    pool = make_task(world.person, team=world.pc.team, title="Team pool task")
    others = make_task(world.person, owner=world.pc2, title="Colleague's task")
    south = make_task(world.person, team=world.south.team, title="South pool task")
    login(world.pc)
    assert client.get(f"/tasks/{own.id}").status_code == 200
    assert client.get(f"/tasks/{pool.id}").status_code == 200
    assert client.get(f"/tasks/{others.id}").status_code == 403
    assert client.get(f"/tasks/{south.id}").status_code == 403
    page = client.get("/tasks/mine").get_data(as_text=True)
    assert "Own task" in page and "Team pool task" in page
    assert "Colleague&#39;s task" not in page and "South pool task" not in page


def test_an_officer_cannot_work_a_colleagues_task(client, login, world):
    task = make_task(world.person, owner=world.pc2)
    login(world.pc)
    assert post(client, task, "start").status_code == 403
    assert post(client, task, "complete", outcome="arrested").status_code == 403
    assert post(client, task, "defer", kind="snooze", until=(TODAY + timedelta(days=3)).isoformat()).status_code == 403
    assert fresh(task.id).status == "open"


def test_an_analyst_reads_tasks_but_changes_nothing(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.analyst)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Mark as done" not in page and "Allocate" not in page
    for action in ("start", "complete", "cancel", "defer", "take", "resume", "reassign"):
        assert client.post(f"/tasks/{task.id}/{action}").status_code == 403
    assert client.get("/tasks/new").status_code == 403 and client.get("/tasks/mine").status_code == 403


@pytest.mark.parametrize("role", ["referral", "admin"])
def test_referral_staff_and_admins_have_no_tasking_access(client, login, make_user, world, role):
    task = make_task(world.person, owner=world.pc)
    login(make_user(f"only.{role}", role))
    for path in (
        f"/tasks/{task.id}",
        "/tasks/mine",
        "/tasks/board",
        "/tasks/new",
        "/hidden-harm",
        "/meetings",
        "/outcomes",
    ):
        assert client.get(path).status_code == 403, path


def test_viewing_a_task_is_audited_and_an_unknown_task_is_404(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    client.get(f"/tasks/{task.id}")
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.object_ref == str(task.id))
    )
    assert client.get("/tasks/99999").status_code == 404


# ---- putting a task aside -----------------------------------------------------------------------


def test_a_snooze_hides_the_task_until_its_date_and_it_is_not_overdue_meanwhile(client, login, world):
    # Not enforcement work, so no reason is needed (see test_deferrals for arrests and breaches).
    task = make_task(
        world.person, owner=world.pc, due_at=utcnow() - timedelta(hours=2), task_type="intelligence_development"
    )
    login(world.pc)
    assert "Overdue" in client.get("/tasks/mine").get_data(as_text=True)
    until = (TODAY + timedelta(days=3)).isoformat()
    assert post(client, task, "defer", kind="snooze", until=until, reason="").status_code == 302
    snoozed = fresh(task.id)
    assert (snoozed.deferral_kind, snoozed.deferred_until.isoformat()) == ("snooze", until)
    assert not rules.is_overdue(snoozed)
    mine = lists.my_tasks(world.pc)
    assert mine.overdue == [] and [t.id for t in mine.put_aside] == [task.id]
    assert task_entries(task.id)[-1].data["changes"]["deferral_kind"] == {"before": None, "after": "snooze"}
    # Brought back early by hand.
    assert post(client, task, "resume").status_code == 302
    assert fresh(task.id).deferred_until is None and rules.is_overdue(fresh(task.id))


def test_a_deferral_ends_by_itself_on_its_date(app, world):
    task = make_task(world.person, owner=world.pc, deferral_kind="snooze", deferred_until=TODAY)
    assert not rules.is_deferred(task)
    assert [t.id for t in lists.my_tasks(world.pc).upcoming] == [task.id]


def test_action_taken_elsewhere_needs_what_was_done_and_defaults_to_14_days(client, login, world):
    task = make_task(world.person, owner=world.pc, task_type="intelligence_development")
    login(world.pc)
    response = post(client, task, "defer", kind="action_elsewhere", until="", reason="")
    assert response.status_code == 400 and "Say what was done and by whom." in response.get_data(as_text=True)
    post(client, task, "defer", kind="action_elsewhere", until="", reason="Probation recalled him on 20 Nov.")
    deferred = fresh(task.id)
    assert deferred.deferred_until == TODAY + timedelta(days=14)
    assert deferred.deferral_reason == "Probation recalled him on 20 Nov."


def test_data_is_wrong_raises_a_data_quality_alert_for_analysts(app, client, login, world):
    task = make_task(world.person, owner=world.pc, title="Arrest for the assault on 3 Nov")
    login(world.pc)
    response = post(client, task, "defer", kind="data_wrong", until="", reason="He was in prison on that date.")
    assert response.status_code == 302
    alert = db.session.scalars(sa.select(Alert)).one()
    assert (alert.kind, alert.role, alert.object_type, alert.object_ref) == (
        "data_quality",
        "analyst",
        "task",
        str(task.id),
    )
    assert "Dominic ASHWORTH (P100)" in alert.message and "He was in prison on that date." in alert.message
    assert fresh(task.id).deferred_until == TODAY + timedelta(days=7)
    assert task_entries(task.id)[-1].data["data_quality_alert"] is True
    # The analysts see it in their alerts inbox; the officer does not.
    analyst = login(world.analyst, app.test_client())
    assert "He was in prison on that date." in analyst.get("/alerts/").get_data(as_text=True)
    assert "He was in prison on that date." not in client.get("/alerts/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": ""}, "Choose why you are putting the task aside."),
        ({"kind": "forget_it"}, "Choose why you are putting the task aside."),
        ({"kind": "snooze", "until": ""}, "Enter the date the task should come back."),
        ({"kind": "snooze", "until": TODAY.isoformat()}, "must be after today"),
        ({"kind": "snooze", "until": (TODAY + timedelta(days=91)).isoformat()}, "90 days at most"),
        ({"kind": "snooze", "until": "tomorrow"}, "Enter a real date"),
        ({"kind": "data_wrong", "reason": ""}, "Say what is wrong with the data."),
        ({"kind": "snooze", "until": (TODAY + timedelta(days=2)).isoformat(), "reason": "x" * 2001}, "2000 characters"),
    ],
)
def test_a_bad_deferral_is_refused_and_nothing_is_written(client, login, world, fields, message):
    task = make_task(world.person, owner=world.pc, task_type="intelligence_development")
    login(world.pc)
    response = post(client, task, "defer", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert fresh(task.id).deferral_kind is None and count(Alert) == 0 and task_entries(task.id) == []


# ---- My tasks -----------------------------------------------------------------------------------


def test_my_tasks_sorts_overdue_due_today_and_upcoming(client, login, world):
    now = utcnow()
    overdue = make_task(world.person, owner=world.pc, title="Late one", due_at=now - timedelta(days=1))
    later_today = now + timedelta(minutes=30)
    today_task = None
    if later_today.astimezone(local_zone()).date() == TODAY:
        today_task = make_task(world.person, owner=world.pc, title="Today one", due_at=later_today)
    upcoming = make_task(world.person, owner=world.pc, title="Next week", due_at=now + timedelta(days=7))
    make_task(world.person, owner=world.pc, title="Finished", status="done", outcome="charged", completed_at=now)
    login(world.pc)
    mine = lists.my_tasks(world.pc)
    assert [t.id for t in mine.overdue] == [overdue.id]
    assert [t.id for t in mine.upcoming] == [upcoming.id]
    if today_task:
        assert [t.id for t in mine.due_today] == [today_task.id]
    page = client.get("/tasks/mine").get_data(as_text=True)
    assert page.index("Late one") < page.index("Next week")
    assert "⚠" in page and ">Overdue</span>" in page  # said in words, not colour alone
    assert "Done in the last 7 days" in page and "Finished" in page


def test_completing_from_my_tasks_returns_to_my_tasks(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.pc)
    response = post(client, task, "complete", outcome="arrested", next="/tasks/mine")
    assert response.status_code == 302 and response.headers["Location"].endswith("/tasks/mine")
    # Another site is never a place to go back to.
    task2 = make_task(world.person, owner=world.pc)
    response = post(client, task2, "complete", outcome="arrested", next="//evil.example/x")
    assert response.headers["Location"].endswith(f"/tasks/{task2.id}")


# ---- the board ----------------------------------------------------------------------------------


def test_the_board_groups_tasks_by_officer_with_workload_and_overdue_marked(client, login, world):
    now = utcnow()
    make_task(world.person, owner=world.pc, title="Okafor late", due_at=now - timedelta(hours=3))
    make_task(world.person, owner=world.pc, title="Okafor fine", status="in_progress")
    make_task(world.person, owner=world.pc2, title="Ambrose done", status="done", outcome="charged", completed_at=now)
    make_task(world.person, team=world.pc.team, title="Pool task")
    login(world.sup)
    page = client.get("/tasks/board").get_data(as_text=True)
    assert "Okafor late" in page and "Okafor fine" in page and "Pool task" in page
    assert "Ambrose done" not in page  # open work only, by default
    result = lists.board(lists.BoardFilters(team_id=world.pc.team_id), user=world.sup)
    rows = {(w.owner.username if w.owner else "pool"): w for w in result.workload}
    assert (rows["pc.okafor"].open, rows["pc.okafor"].in_progress, rows["pc.okafor"].overdue) == (1, 1, 1)
    assert rows["pc.ambrose"].done_recently == 1 and rows["pool"].open == 1
    assert [g.owner.username if g.owner else None for g in result.groups] == ["pc.okafor", None]
    assert [t.title for t in result.groups[0].tasks] == ["Okafor late", "Okafor fine"]  # overdue first
    assert "board-row--overdue" in page and "⚠" in page


def test_the_board_filters_and_the_search_is_audited(client, login, world):
    now = utcnow()
    make_task(world.person, owner=world.pc, title="Late arrest", due_at=now - timedelta(hours=3))
    make_task(world.person, owner=world.pc, title="Visit", task_type="hidden_harm_visit")
    make_task(world.person, owner=world.south, title="South arrest")
    login(world.sup)
    page = client.get(f"/tasks/board?overdue=y&team={world.pc.team_id}&status=active").get_data(as_text=True)
    assert "Late arrest" in page and "Visit" not in page and "South arrest" not in page
    page = client.get("/tasks/board?task_type=hidden_harm_visit&team=").get_data(as_text=True)
    assert "Visit" in page and "Late arrest" not in page
    page = client.get(f"/tasks/board?owner={world.south.id}&team=").get_data(as_text=True)
    assert "South arrest" in page and "Late arrest" not in page
    page = client.get("/tasks/board?owner=none&team=").get_data(as_text=True)
    assert "No task matches." in page
    searches = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "search")).all()
    assert searches[0].data["filters"]["overdue"] is True


def test_a_supervisor_opens_the_board_on_their_own_team(client, login, world):
    make_task(world.person, owner=world.south, title="South arrest")
    make_task(world.person, owner=world.pc, title="North arrest")
    login(world.sup)
    page = client.get("/tasks/board").get_data(as_text=True)
    assert "North arrest" in page and "South arrest" not in page


@pytest.mark.parametrize(
    "query",
    ["status=lost", "team=99999", "owner=99999", "task_type=nonsense", "page=0", "page=abc", "team=x"],
)
def test_bad_board_filters_are_a_400_with_a_message(client, login, world, query):
    login(world.sup)
    response = client.get(f"/tasks/board?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "from the list" in page or "page number" in page


def test_an_analyst_reads_the_board_without_reallocation_controls(client, login, world):
    make_task(world.person, owner=world.pc, title="North arrest")
    login(world.analyst)
    page = client.get("/tasks/board?team=").get_data(as_text=True)
    assert "North arrest" in page and "Give to" not in page


def test_reallocating_from_the_board_goes_back_to_the_board(client, login, world):
    task = make_task(world.person, owner=world.pc)
    login(world.sup)
    response = client.post(
        f"/tasks/{task.id}/reassign",
        data={
            f"r{task.id}-owner": str(world.pc2.id),
            f"r{task.id}-version_id": "1",
            f"r{task.id}-next": "/tasks/board?",
        },
    )
    assert response.headers["Location"].endswith("/tasks/board")
    assert fresh(task.id).owner_id == world.pc2.id
