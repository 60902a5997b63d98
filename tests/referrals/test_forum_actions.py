"""Forum actions become tasks: each action a MARAC, MATAC or MASIP meeting agrees can be raised as a
task from the referral, and the referral lists the tasks it raised, with their progress."""

from datetime import timedelta

import sqlalchemy as sa

from app.audit.services import Actor
from app.base import today
from app.extensions import db
from app.referrals.forums import services as forums
from app.tasking.models import Task
from tests.factories import make_event, make_forum_referral, make_person


def test_an_action_is_raised_as_a_task_and_listed_on_the_referral(client, login, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    officer = make_user("pc.okafor", "officer", team="North PDA")
    perpetrator = make_person("P1", forenames="Gideon", surname="Crowther")
    make_event(perpetrator, make_person("V1"), today() - timedelta(days=20))
    referral = make_forum_referral("matac", perpetrator=perpetrator, referred_on=today() - timedelta(days=10))
    forums.record_outcome(
        referral,
        meeting_on=today() - timedelta(days=3),
        outcome="Heard.",
        actions="Police: arrest on the next breach\nHousing: review the tenancy",
        expected_version=referral.version_id,
        actor=Actor.of(sup),
    )
    login(sup)
    page = client.get(f"/referrals/forums/{referral.ref}").get_data(as_text=True)
    assert "Actions recorded without a task" in page
    link = f"/tasks/new?person=P1&amp;referral={referral.ref}&amp;title=Police:+arrest+on+the+next+breach"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="Police: arrest on the next breach"' in form and f"Raised from referral {referral.ref}." in form
    response = client.post(
        "/tasks/new",
        data={
            "task_type": "arrest",
            "person_ref": "P1",
            "title": "Police: arrest on the next breach",
            "owner": str(officer.id),
            "team": "",
            "due_on": (today() + timedelta(days=7)).isoformat(),
            "priority": "high",
            "referral_ref": referral.ref,
        },
    )
    assert response.status_code == 302
    task = db.session.scalars(sa.select(Task)).one()
    assert task.raised_from == referral.ref
    page = client.get(f"/referrals/forums/{referral.ref}").get_data(as_text=True)
    assert f'href="/tasks/{task.id}"' in page and "pc.okafor" in page
    # Only the action still without a task is offered.
    assert "title=Police:+arrest" not in page and "title=Housing:+review+the+tenancy" in page
