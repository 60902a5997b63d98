"""The demo tells the story: after `flask demo-data`, every seeded kind of record exists through its
owner's services, a second run adds nothing, and no page of the quick start is empty."""

import re

import pytest
import sqlalchemy as sa

from app.alerts.models import Alert
from app.extensions import db
from app.offenders.models import Address, PersonAlias, WarningMarker
from app.orders.models import Breach
from app.referrals.clares_law.models import ClareCase
from app.referrals.forums.models import ForumReferral
from app.referrals.programmes.models import REFERRAL_STATES, ProgrammeReferral
from app.tasking.models import CohortMember, Task, TaskingMeeting
from tests.factories import make_user


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def demo(app, runner):
    for username, role in (("supervisor", "supervisor"), ("officer", "officer"), ("referral", "referral")):
        make_user(username, role, team="Proactive Team North" if role != "referral" else None)
    make_user("analyst", "analyst")
    result = runner.invoke(args=["demo-data", "--scale", "0.3"])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_seeded_kind_of_record_is_there(demo):
    assert "Register:" in demo and "Tasking:" in demo and "Referrals:" in demo
    assert count(WarningMarker) and count(PersonAlias) and count(Address)
    statuses = set(db.session.scalars(sa.select(Task.status).distinct()))
    assert statuses == {"open", "in_progress", "done", "cancelled"}
    assert count(Task, Task.deferral_pending.is_(True)) >= 1
    assert count(Task, Task.deferral_approved_by_id.is_not(None), Task.deferral_pending.is_(False)) >= 1
    assert count(Task, Task.outcome_effects.is_not(None)) >= 1  # an outcome that ended a lever
    assert count(TaskingMeeting) == 3 and count(CohortMember) >= 5
    assert count(CohortMember, CohortMember.exited_on.is_not(None)) == 1
    assert count(Breach) >= 1
    states = set(db.session.scalars(sa.select(ProgrammeReferral.state).distinct()))
    assert states == set(REFERRAL_STATES)
    assert {f for f in db.session.scalars(sa.select(ForumReferral.forum).distinct())} == {"marac", "matac", "masip"}
    assert count(ClareCase, ClareCase.disclosure_on.is_not(None)) >= 3
    kinds = set(db.session.scalars(sa.select(Alert.kind).distinct()))
    assert {"task_overdue", "clare_overdue", "record_review", "deferral_approval"} <= kinds


def test_a_second_run_adds_nothing(demo, runner):
    before = (count(Task), count(TaskingMeeting), count(ProgrammeReferral), count(ClareCase), count(WarningMarker))
    again = runner.invoke(args=["demo-data", "--scale", "0.3"])
    assert again.exit_code == 0, again.output
    assert "already held; nothing added" in again.output
    assert (
        count(Task),
        count(TaskingMeeting),
        count(ProgrammeReferral),
        count(ClareCase),
        count(WarningMarker),
    ) == before


EMPTY = re.compile(
    r"\b0 found\b|No task matches|Nothing in this period|Nobody is in the managed cohort|No alerts for you"
)


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        (
            "supervisor",
            [
                "/",
                "/tasks/board?team=",
                "/meetings",
                "/cohort",
                "/outcomes",
                "/alerts/",
                "/referrals/",
                "/referrals/forums/",
                "/referrals/clares-law/",
                "/hidden-harm",
                "/breaches",
            ],
        ),
        ("officer", ["/", "/tasks/mine", "/alerts/"]),
        ("referral", ["/", "/referrals/"]),
        ("analyst", ["/", "/outcomes", "/alerts/"]),
    ],
)
def test_no_page_of_the_quick_start_is_empty(demo, app, login, username, paths):
    from app.auth.models import User

    user = db.session.scalar(sa.select(User).where(User.username == username))
    client = login(user, app.test_client())
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert not EMPTY.search(page), (path, EMPTY.search(page).group(0))
        if path == "/outcomes":
            totals = [int(n) for n in re.findall(r"<figcaption[^>]*>[^<:]+: (\d+)</figcaption>", page)]
            assert len(totals) == 8 and sum(1 for n in totals if n) >= 6, totals
        if path == "/meetings":
            assert page.count('href="/meetings/') >= 3
