"""The home page's dashboards: each count against the records it claims to count, each linking to
the filtered list, read in a fixed number of queries whatever the number of records."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.alerts.services import raise_alert
from app.audit.services import Actor
from app.base import local_today, utcnow
from app.extensions import db
from app.main import dashboards
from app.orders.breaches.services import BreachReport, log_breach, record_outcome
from app.ranking import services as ranking
from app.tasking.models import Task
from tests.factories import make_event, make_order, make_person, make_referral, make_task

TODAY = local_today()


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    pc2 = make_user("pc.ambrose", "officer", team="North PDA")
    south = make_user("pc.lindqvist", "officer", team="South PDA")
    worker = make_user("rita", "referral")
    analyst = make_user("an.patel", "analyst")
    person = make_person("P100", surname="Ashworth", forenames="Dominic")
    victim = make_person("P200", surname="Bellamy", forenames="Freya")
    make_event(person, victim, TODAY - timedelta(days=15), "abh")
    return SimpleNamespace(
        sup=sup, pc=pc, pc2=pc2, south=south, worker=worker, analyst=analyst, person=person, victim=victim
    )


def number(page: str, element_id: str) -> int:
    match = re.search(
        rf'id="{element_id}"[^>]*>\s*<span class="card-body[^>]*>\s*<span class="dash-count d-block">(\d+)<', page
    )
    assert match, element_id
    return int(match.group(1))


def tasks(world):
    now = utcnow()
    p = world.person
    # pc: 2 overdue (one in progress), 1 due later today... unless "later today" has passed; 1 tomorrow.
    make_task(p, owner=world.pc, due_at=now - timedelta(hours=3))
    make_task(p, owner=world.pc, due_at=now - timedelta(days=2), status="in_progress")
    make_task(p, owner=world.pc, due_at=now + timedelta(days=1, hours=1))
    # pc2: 1 overdue but put aside (not counted), 1 overdue whose deferral awaits approval (counted).
    make_task(
        p,
        owner=world.pc2,
        due_at=now - timedelta(hours=5),
        deferred_until=TODAY + timedelta(days=2),
        deferral_kind="snooze",
        deferral_reason="Away",
    )
    make_task(
        p,
        owner=world.pc2,
        due_at=now - timedelta(hours=5),
        deferred_until=TODAY + timedelta(days=30),
        deferral_kind="snooze",
        deferral_reason="Away",
        deferral_pending=True,
    )
    # Done and cancelled tasks never count; a South team task is not the North supervisor's.
    make_task(p, owner=world.pc, due_at=now - timedelta(days=3), status="done", outcome="arrested")
    make_task(p, owner=world.pc, due_at=now - timedelta(days=3), status="cancelled", outcome_note="dup")
    make_task(p, owner=world.south, due_at=now - timedelta(days=3))


def test_the_supervisor_dashboard_counts_the_records(client, login, world):
    tasks(world)
    order = make_order(
        world.person, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=60), ends_on=TODAY + timedelta(days=5)
    )
    make_order(
        world.person,
        world.victim,
        ref="NMO/2",
        starts_on=TODAY - timedelta(days=60),
        ends_on=TODAY + timedelta(days=20),
    )  # not within 7 days
    make_order(
        world.person,
        world.victim,
        ref="NMO/3",
        starts_on=TODAY - timedelta(days=60),
        ends_on=TODAY + timedelta(days=3),
        revoked_on=TODAY - timedelta(days=1),
    )  # revoked
    report = BreachReport(
        occurred_at=datetime.now(UTC) - timedelta(hours=2), conditions=[1], narrative="x", arrested=False
    )
    log_breach(order, report, user=world.pc)  # not actioned
    charged = log_breach(order, report, user=world.pc).breach
    record_outcome(charged, "charge", expected_version=charged.version_id, user=world.sup)  # actioned
    log_breach(
        order, BreachReport(occurred_at=report.occurred_at, conditions=[1], narrative="y", arrested=True), user=world.pc
    )  # arrested at the time: actioned
    raise_alert(
        kind="order_expiring", object_type="order", object_ref="NMO/1", due_on=TODAY, message="m", role="supervisor"
    )
    raise_alert(kind="record_review", object_type="person", object_ref="P1", due_on=TODAY, message="m", role="analyst")

    board = dashboards.supervisor(world.sup, TODAY)
    by_name = {line.owner.username if line.owner else None: (line.overdue, line.due_today) for line in board.by_officer}
    # Breach enforcement tasks are the team's, unallocated (None); two of three breaches left them open.
    assert by_name["pc.okafor"][0] == 2 and by_name["pc.ambrose"] == (1, 0)
    assert "pc.lindqvist" not in by_name  # another team
    assert board.awaiting_approval == 1
    assert board.unactioned_breaches == 1
    assert board.orders_ending == 1
    assert board.alerts == 1

    login(world.sup)
    page = client.get("/").get_data(as_text=True)
    assert number(page, "dash-overdue") == board.overdue
    assert number(page, "dash-breaches") == 1 and number(page, "dash-orders") == 1
    assert f'href="/tasks/board?team={world.sup.team_id}&amp;owner={world.pc.id}&amp;overdue=y"' in page
    # The links lead to lists that show the same number.
    listed = client.get(f"/tasks/board?team={world.sup.team_id}&owner={world.pc.id}&overdue=y").get_data(as_text=True)
    assert re.search(r'id="tasks-heading">Tasks <span class="badge text-bg-secondary">2<', listed)
    assert 'id="breach-count">1 breach<' in client.get("/breaches").get_data(as_text=True)


def test_the_officer_dashboard_counts_my_work(client, login, world):
    tasks(world)
    order = make_order(world.person, world.victim, ref="NMO/1", starts_on=TODAY - timedelta(days=60))
    report = BreachReport(
        occurred_at=datetime.now(UTC) - timedelta(hours=2), conditions=[1], narrative="x", arrested=False
    )
    log_breach(order, report, user=world.pc)
    log_breach(order, report, user=world.pc2)  # someone else's
    mine = dashboards.officer(world.pc, TODAY)
    assert mine.overdue == 2 and mine.awaiting_outcome == 1
    assert mine.team_to_take == 2  # the two breach enforcement tasks, the North team's
    login(world.pc)
    page = client.get("/").get_data(as_text=True)
    assert number(page, "dash-my-overdue") == 2 and number(page, "dash-my-breaches") == 1
    assert 'id="dashboard-supervisor"' not in page
    listed = client.get("/breaches?mine=1").get_data(as_text=True)
    assert 'id="breach-count">1 breach<' in listed


def test_the_referral_dashboard_counts_each_step(client, login, world):
    for n, state in enumerate(["identified", "referred", "referred", "started", "completed"]):
        person = make_person(f"R{n}")
        make_event(person, make_person(f"RV{n}"), TODAY - timedelta(days=10))
        make_referral(person, state)
    assert dashboards.referral_steps() == {"identified": 1, "referred": 2, "screened": 0, "accepted": 0, "started": 1}
    login(world.worker)
    page = client.get("/").get_data(as_text=True)
    assert number(page, "dash-referral-referred") == 2
    assert 'href="/referrals/?state=referred"' in page
    assert 'id="dashboard-officer"' not in page and 'id="dashboard-supervisor"' not in page


def test_the_analyst_dashboard_shows_freshness(client, login, world):
    ranking.run_ranking(TODAY, "nightly", actor=Actor("test"))
    raise_alert(kind="record_review", object_type="person", object_ref="P1", due_on=TODAY, message="m", role="analyst")
    raise_alert(kind="record_review", object_type="person", object_ref="P2", due_on=TODAY, message="m", role="analyst")
    board = dashboards.analyst(world.analyst)
    assert board.latest_event_on == TODAY - timedelta(days=15)
    assert board.last_full_run.as_of == TODAY and board.records_due_review == 2
    login(world.analyst)
    page = client.get("/").get_data(as_text=True)
    assert number(page, "dash-review") == 2
    assert (TODAY - timedelta(days=15)).strftime("%d %b %Y") in page
    assert 'href="/alerts/?kind=record_review"' in page
    assert "2" in client.get("/alerts/?kind=record_review").get_data(as_text=True)
    assert client.get("/alerts/?kind=nonsense").status_code == 400


def test_movers_since_the_last_run(app, world):
    climber = make_person("P300", surname="Crowther", forenames="Gideon")
    make_event(climber, world.victim, TODAY - timedelta(days=300), "common_assault")
    ranking.run_ranking(TODAY - timedelta(days=7), "nightly", actor=Actor("test"))
    make_event(climber, world.victim, TODAY - timedelta(days=1), "gbh")  # jumps to the top
    ranking.run_ranking(TODAY, "nightly", actor=Actor("test"))
    found, as_of, before = dashboards.movers(TODAY)
    assert (as_of, before) == (TODAY, TODAY - timedelta(days=7))
    assert [(m.person.ref, m.position, m.before) for m in found] == [("P300", 1, 2)]


def test_the_dashboards_read_in_a_fixed_number_of_queries(client, login, world, count_queries):
    def grow(first: int, last: int):
        for n in range(first, last):
            person = make_person(f"Q{n}")
            make_event(person, make_person(f"QV{n}"), TODAY - timedelta(days=n + 1))
            make_task(person, owner=world.pc if n % 2 else world.pc2, due_at=utcnow() - timedelta(hours=n + 1))
        ranking.run_ranking(TODAY - timedelta(days=1), "nightly", actor=Actor("test"))
        ranking.run_ranking(TODAY, "nightly", actor=Actor("test"))

    def measure():
        login(world.sup)
        with count_queries() as seen:
            assert client.get("/").status_code == 200
        return seen

    grow(0, 2)
    few = measure()
    grow(2, 40)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 40
    many = measure()
    assert len(many) == len(few), [q for q in many if q not in few]
