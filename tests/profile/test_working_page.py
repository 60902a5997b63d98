"""The profile as the working page: actions for what an officer does next, panels for what is live
(orders in force with conditions and end dates, open tasks, open referrals, the cohort), and the
timeline filtered by kind."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.base import local_today, utcnow
from app.extensions import db
from app.tasking.models import CohortMember
from tests.factories import (
    make_event,
    make_forum_referral,
    make_lever,
    make_order,
    make_person,
    make_referral,
    make_task,
)

TODAY = local_today()


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    analyst = make_user("an.patel", "analyst")
    person = make_person("P100", surname="Ashworth", forenames="Dominic")
    victim = make_person("P200", surname="Bellamy", forenames="Freya")
    make_event(person, victim, TODAY - timedelta(days=20), "abh")
    make_lever(person, "firearms_certificate", TODAY - timedelta(days=30), detail="Shotgun certificate")
    dapo = make_order(
        person,
        victim,
        "dapo",
        ref="DAPO/7",
        starts_on=TODAY - timedelta(days=10),
        ends_on=TODAY + timedelta(days=5),
        conditions=("Not to contact Freya Bellamy", "Not to enter Larch Close"),
    )
    make_order(
        person, victim, "dvpn", ref="DVPN/1", starts_on=TODAY - timedelta(days=200), ends_on=TODAY - timedelta(days=198)
    )
    task = make_task(person, owner=pc, title="Arrest for the ABH", due_at=utcnow() - timedelta(hours=2))
    make_task(
        person, owner=pc, title="Old visit", task_type="hidden_harm_visit", status="done", outcome="visit_completed"
    )
    return SimpleNamespace(sup=sup, pc=pc, analyst=analyst, person=person, victim=victim, dapo=dapo, task=task)


def section(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</section>", start)]


def test_the_profile_carries_the_actions_of_the_role(client, login, world):
    login(world.sup)
    actions = section(
        client.get("/persons/P100").get_data(as_text=True).replace("<nav", "<section").replace("</nav>", "</section>"),
        "profile-actions",
    )
    for label, href in [
        ("Raise a task", "/tasks/new?person=P100"),
        ("Log a breach", "/orders/log-breach?q=P100"),
        ("Refer to a programme", "/referrals/persons/P100/identify"),
        ("Refer to a forum", "/referrals/forums/new?forum=matac&amp;perpetrator=P100"),
        ("Clare&#39;s Law case", "/referrals/clares-law/new?route=know&amp;subject=P100"),
    ]:
        assert href in actions and label.replace("&#39;", "'") in actions.replace("&#39;", "'"), label
    # The register records custody periods (issue #11): the action leads to its form.
    assert "Record custody" in actions and "/persons/P100/custody/new" in actions


def test_an_officer_sees_no_clares_law_action_and_an_analyst_no_actions(client, login, world, app):
    login(world.pc)
    page = client.get("/persons/P100").get_data(as_text=True)
    assert "Raise a task" in page and "Clare's Law case" not in page
    analyst = login(world.analyst, app.test_client())
    page = analyst.get("/persons/P100").get_data(as_text=True)
    assert "Raise a task" not in page and "Log a breach" not in page


def test_orders_in_force_show_their_conditions_and_end_dates(client, login, world):
    login(world.pc)
    panel = section(client.get("/persons/P100").get_data(as_text=True), "orders-in-force")
    assert "DAPO/7" in panel and "DVPN/1" not in panel  # only orders in force
    assert "Not to contact Freya Bellamy" in panel and "Not to enter Larch Close" in panel
    assert (TODAY + timedelta(days=5)).strftime("%d %b %Y") in panel and "ends within 7 days" in panel
    assert "/orders/DAPO/7/breaches/new" in panel


def test_open_tasks_and_referrals_are_listed_above_the_timeline(client, login, world):
    make_referral(world.person, "referred")
    make_forum_referral("matac", perpetrator=world.person)
    login(world.sup)
    page = client.get("/persons/P100").get_data(as_text=True)
    tasks_panel = section(page, "open-tasks")
    assert "Arrest for the ABH" in tasks_panel and "Overdue" in tasks_panel and "Old visit" not in tasks_panel
    assert f'href="/tasks/{world.task.id}"' in tasks_panel
    assert "Programme referral" in tasks_panel and "MATAC referral" in tasks_panel
    assert page.index('id="open-tasks"') < page.index('id="timeline"')


def test_a_supervisor_adopts_into_the_cohort_from_the_profile(client, login, world):
    login(world.sup)
    page = client.get("/persons/P100").get_data(as_text=True)
    assert "Adopt into the managed cohort" in page
    response = client.post(
        "/cohort/adopt", data={"person_ref": "P100", "reason": "Serial: three victims.", "next": "/persons/P100"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/persons/P100"
    assert db.session.scalars(sa.select(CohortMember)).one().reason == "Serial: three victims."
    page = client.get("/persons/P100").get_data(as_text=True)
    assert "In the managed cohort since" in page and "Serial: three victims." in page
    # A second adoption from the profile is refused and says why, back on the profile.
    response = client.post("/cohort/adopt", data={"person_ref": "P100", "reason": "x", "next": "/persons/P100"})
    assert response.status_code == 302
    assert "already in the managed cohort" in client.get("/persons/P100").get_data(as_text=True)


def test_the_timeline_filters_by_kind(client, login, world):
    login(world.pc)
    page = client.get("/persons/P100?kind=order").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') :]
    assert "DAPO/7" in timeline and "DVPN/1" in timeline
    assert "timeline-item--task" not in timeline and "timeline-item--event" not in timeline
    assert re.search(r'id="timeline-shown">Showing 2 of \d+ entries: orders\.', page)
    assert 'value="order" id="kind-order" checked' in page
    both = client.get("/persons/P100?kind=order&kind=task").get_data(as_text=True)
    assert "timeline-item--task" in both and "timeline-item--event" not in both
    # An unknown kind is ignored: everything shows.
    everything = client.get("/persons/P100?kind=nonsense").get_data(as_text=True)
    assert "timeline-item--event" in everything and "timeline-item--task" in everything


def test_the_levers_table_keeps_its_action_on_a_phone(client, login, world):
    login(world.pc)
    page = client.get("/persons/P100").get_data(as_text=True)
    levers = section(page, "levers")
    assert 'class="lever-action' in levers and "Mark as ended" in levers
    assert "table-responsive" not in levers  # no sideways scroll that hides the action
