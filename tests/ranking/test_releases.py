"""Pre-release tasks: 14 days before an expected release from custody, supervisors get a task for
anyone ranked in the top 100 before custody or with an order protecting a victim; once per
expected release day, through the scheduled job."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.offenders.custody import services as custody
from app.ranking import services as ranking
from app.ranking.releases import raise_pre_release_tasks
from app.scheduler import services as scheduler
from app.scheduler.jobs import JOBS
from app.scheduler.models import JobRun
from app.tasking.models import Task
from tests.factories import make_event, make_order, make_person, make_task, make_user

TODAY = local_today()
ACTOR = Actor("test")


def ago(n: int):
    return TODAY - timedelta(days=n)


def tasks() -> list[tuple[str, str]]:
    return [
        (t.person.ref, t.title)
        for t in db.session.scalars(sa.select(Task).where(Task.task_type == "pre_release").order_by(Task.id))
    ]


def put_inside(person, *, from_ago: int, release_in: int):
    return custody.record_period(
        person,
        {"custody_from": ago(from_ago), "kind": "sentence", "expected_release_on": TODAY + timedelta(days=release_in)},
        actor=ACTOR,
    )


@pytest.fixture
def world(app):
    victim = make_person("V1")
    ranked = make_person("R1", surname="Rankedhigh", forenames="Ray")
    make_event(ranked, victim, ago(200), "gbh")
    ranking.run_ranking(ago(150), "nightly", actor=ACTOR)  # the list before custody: R1 is first
    protected = make_person("O1", surname="Orderheld", forenames="Oli")
    make_event(protected, victim, ago(2000), "common_assault")  # never ranked
    make_order(protected, victim, starts_on=ago(100))  # in force, until further order
    nobody = make_person("N1", surname="Nothingheld", forenames="Ned")
    make_event(nobody, victim, ago(2000), "common_assault")
    return {"ranked": ranked, "protected": protected, "nobody": nobody}


def test_a_task_for_the_top_100_before_custody_and_for_an_order_protecting_a_victim(world):
    put_inside(world["ranked"], from_ago=100, release_in=14)
    put_inside(world["protected"], from_ago=90, release_in=3)
    put_inside(world["nobody"], from_ago=90, release_in=5)
    assert raise_pre_release_tasks(TODAY, actor=ACTOR) == 2
    found = {ref: title for ref, title in tasks()}
    assert set(found) == {"R1", "O1"}
    release = TODAY + timedelta(days=14)
    assert found["R1"] == f"Plan for the release of Ray RANKEDHIGH from custody on {release:%d %b %Y}"
    task = db.session.scalars(sa.select(Task).where(Task.person_id == world["ranked"].id)).one()
    assert (task.owner_id, task.team_id, task.priority, task.status) == (None, None, "high", "open")
    assert "ranked 1 on the target list before custody" in task.detail
    other = db.session.scalars(sa.select(Task).where(Task.person_id == world["protected"].id)).one()
    assert "in force on release, protecting a victim" in other.detail


def test_the_task_is_the_team_of_the_officer_who_holds_the_person_and_nobody_holds_it(world):
    """Counted on that team's board (its "due today" and unallocated work), still for a supervisor to
    allocate; a person nobody has held stays with no team (test above)."""
    officer = make_user("pc.hallam", "officer", team="Proactive Team North")
    make_task(world["ranked"], owner=officer)  # an arrest task he holds, open while he is inside
    put_inside(world["ranked"], from_ago=100, release_in=10)
    assert raise_pre_release_tasks(TODAY, actor=ACTOR) == 1
    task = db.session.scalars(sa.select(Task).where(Task.task_type == "pre_release")).one()
    assert (task.owner_id, task.team.name) == (None, "Proactive Team North")


def test_14_days_ahead_but_not_15_and_once_per_expected_day(world):
    period = put_inside(world["ranked"], from_ago=100, release_in=15)
    assert raise_pre_release_tasks(TODAY, actor=ACTOR) == 0
    assert raise_pre_release_tasks(TODAY + timedelta(days=1), actor=ACTOR) == 1
    assert raise_pre_release_tasks(TODAY + timedelta(days=2), actor=ACTOR) == 0  # asked for once
    # A new expected day is a new release to plan for.
    values = {n: getattr(period, n) for n in custody.CUSTODY_EDITABLE} | {
        "expected_release_on": TODAY + timedelta(days=9)
    }
    custody.update_period(period, values, expected_version=period.version_id, actor=ACTOR)
    assert raise_pre_release_tasks(TODAY, actor=ACTOR) == 1
    assert len(tasks()) == 2


def test_no_task_once_released_or_without_an_expected_day(world):
    period = put_inside(world["ranked"], from_ago=100, release_in=5)
    values = {n: getattr(period, n) for n in custody.CUSTODY_EDITABLE} | {"custody_to": ago(1)}
    custody.update_period(period, values, expected_version=period.version_id, actor=ACTOR)
    custody.record_period(world["protected"], {"custody_from": ago(50), "kind": "remand"}, actor=ACTOR)
    assert raise_pre_release_tasks(TODAY, actor=ACTOR) == 0


def test_the_scheduled_job_raises_them_once_a_day(app, world):
    put_inside(world["protected"], from_ago=90, release_in=3)
    assert "pre_release_tasks" in JOBS
    assert scheduler.run_job(app, "pre_release_tasks") is True
    assert scheduler.run_job(app, "pre_release_tasks") is False  # once per day
    run = db.session.scalars(sa.select(JobRun).where(JobRun.job == "pre_release_tasks")).one()
    assert (run.status, run.detail) == ("done", "1 pre-release task(s)")
    assert [ref for ref, _ in tasks()] == ["O1"]
