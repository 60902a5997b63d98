"""Outcomes close the loop: a task's outcome ends the lever it was about, sets its breach's outcome,
re-scores the person at once, is audited and is shown to the officer; a breach outcome recorded on
the breach closes its enforcement task. Expected scores are worked out from DESIGN.md's model v1."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.offenders.levers import services as levers
from app.orders.breaches import services as breaches
from app.orders.models import Breach
from app.ranking import services as ranking
from app.ranking.models import ScoreRun
from app.tasking.models import Task
from tests.factories import count, make_event, make_lever, make_order, make_person, make_task

TODAY = local_today()


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    person = make_person("P100", surname="Ashworth", forenames="Dominic")
    victim = make_person("P200", surname="Bellamy", forenames="Freya")
    # One common assault 10 days ago: R 30 (≤3 months) + F 5 (1 event) + G 5 (10 harm days: <30) + V 0 = 40.
    make_event(person, victim, TODAY - timedelta(days=10), "common_assault")
    ranking.run_ranking(TODAY, "manual", actor=Actor("test"))
    return SimpleNamespace(sup=sup, pc=pc, person=person, victim=victim)


def complete(client, task, outcome, note=""):
    return client.post(
        f"/tasks/{task.id}/complete",
        data={f"t{task.id}-version_id": str(task.version_id), f"t{task.id}-outcome": outcome, f"t{task.id}-note": note},
    )


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def lever_active(person, code) -> bool:
    record = levers.latest_lever_record(person, code)
    return bool(record and record.active)


def test_an_arrest_on_a_warrant_task_ends_the_warrant_lever_and_re_scores_at_once(client, login, world):
    make_lever(world.person, "outstanding_warrant", TODAY - timedelta(days=5))
    ranking.run_ranking(TODAY, "manual", actor=Actor("test"))
    assert ranking.current_score(world.person)[0].priority == 40 + 25
    task = make_task(world.person, owner=world.pc, task_type="warrant", title="Execute the warrant")
    runs = count(ScoreRun)
    login(world.pc)
    response = complete(client, task, "arrested")
    assert response.status_code == 302
    assert not lever_active(world.person, "outstanding_warrant")
    # Re-scored at once, as a stored (partial) run: the 25 points of the warrant are gone.
    assert count(ScoreRun) == runs + 1
    assert ranking.current_score(world.person)[0].priority == 40
    done = fresh(Task, task.id)
    assert done.status == "done" and done.outcome_effects == ["Outstanding warrant: lever ended", "priority 65 → 40"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Outstanding warrant: lever ended; priority 65 → 40." in page  # the flash the officer sees
    # Each effect is audited: the lever by its owner, the task with the effects it had.
    lever_entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "lever", AuditEntry.action == "update")
    ).one()
    assert lever_entry.data["active"] == {"before": True, "after": False}
    task_entry = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "task", AuditEntry.action == "update")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert task_entry.data["effects"] == ["Outstanding warrant: lever ended", "priority 65 → 40"]
    assert (task_entry.data["priority_before"], task_entry.data["priority_after"]) == (65, 40)


def test_an_arrest_task_marked_arrested_ends_wanted_and_warrant_levers(client, login, world):
    make_lever(world.person, "outstanding_warrant", TODAY - timedelta(days=5))
    make_lever(world.person, "wanted_circulated", TODAY - timedelta(days=5))
    task = make_task(world.person, owner=world.pc, task_type="arrest")
    login(world.pc)
    assert complete(client, task, "arrested").status_code == 302
    assert not lever_active(world.person, "outstanding_warrant")
    assert not lever_active(world.person, "wanted_circulated")
    # 40 harm + 0 levers (the two levers were 50 together, the cap).
    assert ranking.current_score(world.person)[0].priority == 40


def test_a_firearms_review_with_certificate_revoked_ends_the_firearms_lever(client, login, world):
    make_lever(world.person, "firearms_certificate", TODAY - timedelta(days=20))
    task = make_task(world.person, owner=world.pc, task_type="lever_action", lever="firearms_certificate")
    login(world.pc)
    page = client.get(f"/tasks/{task.id}/complete").get_data(as_text=True)
    assert "This ends Holds a firearms or shotgun certificate if active." in page  # the officer is told before choosing
    assert complete(client, task, "certificate_revoked").status_code == 302
    assert not lever_active(world.person, "firearms_certificate")
    assert ranking.current_score(world.person)[0].priority == 40


def test_a_lever_outcome_that_changes_nothing_needs_a_reason(client, login, world):
    make_lever(world.person, "firearms_certificate", TODAY - timedelta(days=20))
    task = make_task(world.person, owner=world.pc, task_type="lever_action", lever="firearms_certificate")
    login(world.pc)
    response = complete(client, task, "no_further_action")
    assert response.status_code == 400
    assert (
        "This outcome changes nothing on the record (Holds a firearms or shotgun certificate stays as it is)"
        in response.get_data(as_text=True)
    )
    assert fresh(Task, task.id).status == "open"
    response = complete(client, task, "no_further_action", note="Certificate kept: the holder has moved abroad.")
    assert response.status_code == 302
    assert lever_active(world.person, "firearms_certificate")
    assert fresh(Task, task.id).outcome_effects is None


def test_a_task_with_no_lever_needs_no_reason_for_an_outcome_that_changes_nothing(client, login, world):
    task = make_task(world.person, owner=world.pc, task_type="intelligence_development")
    login(world.pc)
    assert complete(client, task, "no_further_action").status_code == 302


@pytest.fixture
def breach(world):
    order = make_order(world.person, world.victim, "non_molestation", ref="NMO/1", starts_on=TODAY - timedelta(days=60))
    report = breaches.BreachReport(
        occurred_at=datetime.now(UTC) - timedelta(hours=3),
        conditions=[1],
        narrative="Came to the door.",
        arrested=False,
    )
    return breaches.log_breach(order, report, user=world.pc).breach


def enforcement_task(breach_):
    return db.session.scalars(sa.select(Task).where(Task.breach_id == breach_.id)).one()


def test_breach_enforcement_arrested_sets_the_breach_outcome_and_clears_breach_unactioned(client, login, world, breach):
    # A criminal breach (30 harm days) joins the assault (10): R 30 + F 10 (2 events) + G 10 (40 harm
    # days: <180) + V 0 = harm 50; breach_unactioned 20: priority 70.
    assert ranking.current_score(world.person)[0].priority == 70
    task = enforcement_task(breach)
    task.owner_id = world.pc.id
    db.session.commit()
    login(world.pc)
    response = complete(client, fresh(Task, task.id), "arrested")
    assert response.status_code == 302
    held = fresh(Breach, breach.id)
    assert held.outcome == "arrest" and held.event.outcome == "arrest"
    assert ranking.current_score(world.person)[0].priority == 50
    assert fresh(Task, task.id).outcome_effects == [
        f"Breach {breach.ref} outcome recorded as arrest; the breach is no longer unactioned",
        "priority 70 → 50",
    ]
    # The breach's own audit entry records the change, by the officer.
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "breach", AuditEntry.action == "update")
    ).one()
    assert entry.username == "pc.okafor" and entry.data["changes"]["outcome"]["after"] == "arrest"


def test_a_breach_outcome_recorded_on_the_breach_closes_its_enforcement_task(client, login, world, breach):
    task = enforcement_task(breach)
    login(world.sup)
    response = client.post(f"/orders/breaches/{breach.ref}/outcome", data={"outcome": "charge", "version_id": "1"})
    assert response.status_code == 302
    closed = fresh(Task, task.id)
    assert (closed.status, closed.outcome) == ("done", "charged")
    assert "recorded on the breach by" in closed.outcome_note
    # The breach page links to the task it raised, which now says done.
    page = client.get(f"/orders/breaches/{breach.ref}").get_data(as_text=True)
    assert f'href="/tasks/{task.id}"' in page
    assert 'id="task-status">Done' in page
    entry = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "task", AuditEntry.object_ref == str(task.id), AuditEntry.action == "update")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.data["changes"]["status"] == {"before": "open", "after": "done"}


def test_a_lever_noted_today_is_not_ended_and_the_officer_is_told(client, login, world):
    make_lever(world.person, "outstanding_warrant", TODAY)
    task = make_task(world.person, owner=world.pc, task_type="warrant")
    login(world.pc)
    assert complete(client, task, "arrested").status_code == 302
    assert lever_active(world.person, "outstanding_warrant")
    assert "noted only today" in fresh(Task, task.id).outcome_effects[0]


def test_completing_stays_atomic_when_the_lever_changes_under_us(app, world, monkeypatch):
    from app.base import EditConflict
    from app.tasking.tasks import services as ts

    make_lever(world.person, "outstanding_warrant", TODAY - timedelta(days=3))
    task = make_task(world.person, owner=world.pc, task_type="warrant")

    def clash(*args, **kwargs):
        raise EditConflict()

    monkeypatch.setattr(levers, "end_lever", clash)
    with pytest.raises(ts.TaskRefused):
        ts.change_status(task, "done", outcome="arrested", expected_version=1, user=world.pc)
    assert fresh(Task, task.id).status == "open"
    assert lever_active(world.person, "outstanding_warrant")


# Each breach outcome as the task records it, the breach's outcome it becomes, and whether the
# breach is then acted on (an arrest or a charge clears breach_unactioned: DESIGN.md), so the
# priority falls from 70 to 50 (the lever's 20 points) or stays.
@pytest.mark.parametrize(
    ("task_outcome", "breach_outcome", "acted_on"),
    [
        ("arrested", "arrest", True),
        ("charged", "charge", True),
        ("recalled", "recall", True),  # a recall is an arrest and return to custody
        ("returned_to_court", "returned_to_court", True),  # a civil breach put before the court
        ("cautioned", "caution", False),
        ("no_further_action", "nfa", False),
    ],
)
def test_every_breach_enforcement_outcome_sets_the_breach(
    client, login, world, breach, task_outcome, breach_outcome, acted_on
):
    task = enforcement_task(breach)
    login(world.sup)
    assert complete(client, task, task_outcome).status_code == 302
    held = fresh(Breach, breach.id)
    assert held.outcome == breach_outcome
    assert ranking.current_score(world.person)[0].priority == (50 if acted_on else 70)


@pytest.mark.parametrize(
    ("task_type", "lever", "outcome", "ended"),
    [
        ("lever_action", "housing_tenancy", "lever_ended", {"housing_tenancy"}),
        ("lever_action", "licence_recall_possible", "recalled", {"licence_recall_possible"}),
        ("lever_action", "drugs_intelligence", "arrested", {"drugs_intelligence"}),
        ("warrant", None, "charged", {"outstanding_warrant", "wanted_circulated"}),
        ("arrest", None, "charged", {"outstanding_warrant", "wanted_circulated"}),
        ("lever_action", "housing_tenancy", "visit_completed", set()),
    ],
)
def test_lever_outcomes_end_the_levers_they_name(client, login, world, task_type, lever, outcome, ended):
    held = {
        "housing_tenancy",
        "licence_recall_possible",
        "drugs_intelligence",
        "outstanding_warrant",
        "wanted_circulated",
    }
    for code in sorted(held):
        make_lever(world.person, code, TODAY - timedelta(days=8))
    task = make_task(world.person, owner=world.pc, task_type=task_type, lever=lever)
    login(world.pc)
    response = complete(client, task, outcome, note="" if ended else "Tenancy review still pending with housing.")
    assert response.status_code == 302
    assert {code for code in held if not lever_active(world.person, code)} == ended


def test_a_lever_ended_under_the_cap_says_the_priority_is_unchanged(client, login, world):
    # Warrant 25 + wanted 25 + firearms 15 = 65, capped at 50: without firearms still 50.
    for code in ("outstanding_warrant", "wanted_circulated", "firearms_certificate"):
        make_lever(world.person, code, TODAY - timedelta(days=8))
    ranking.rescore_person(world.person.id, actor=Actor("test"))
    task = make_task(world.person, owner=world.pc, task_type="lever_action", lever="firearms_certificate")
    login(world.pc)
    assert complete(client, task, "certificate_revoked").status_code == 302
    assert fresh(Task, task.id).outcome_effects == [
        "Holds a firearms or shotgun certificate: lever ended",
        "priority unchanged at 90 (its other levers still reach the cap)",
    ]
