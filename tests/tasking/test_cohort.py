"""The MATAC cycle: a supervisor adopts persons into the managed cohort with a reason; each meeting's
agenda carries every member whose plan is due (and members without a plan), with the previous plan
and what happened since; a member leaves with a recorded reason, "desisted" checked on the records."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import ValidationFailed, local_today
from app.extensions import db
from app.orders.breaches.services import BreachReport, log_breach
from app.ranking import services as ranking
from app.tasking.cohort import services as cohort
from app.tasking.meetings import pack
from app.tasking.meetings import services as ms
from app.tasking.models import CohortMember, TaskingMeeting
from app.tasking.tasks import services as ts
from tests.factories import make_event, make_order, make_person, make_task

TODAY = local_today()
FIRST = TODAY - timedelta(days=28)


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    analyst = make_user("an.patel", "analyst")
    # P1 is top of the list; P9 ranks low (an old criminal damage), outside a top-1 agenda.
    p1 = make_person("P1", surname="Ashworth", forenames="Dominic")
    p9 = make_person("P9", surname="Elphick", forenames="Ivor")
    victim = make_person("V9", surname="Fairley", forenames="Jo")
    make_event(p1, make_person("V1"), TODAY - timedelta(days=40), "abh")
    make_event(p9, victim, TODAY - timedelta(days=200), "criminal_damage")
    order = make_order(p9, victim, ref="NMO/9", starts_on=TODAY - timedelta(days=300))
    ranking.run_ranking(FIRST, "manual", actor=Actor("test"))
    return SimpleNamespace(sup=sup, pc=pc, analyst=analyst, p1=p1, p9=p9, victim=victim, order=order)


def meeting(world, held_on) -> TaskingMeeting:
    return ms.create_meeting(ms.MeetingInput(held_on=held_on, title="MATAC", agenda_size=1), user=world.sup)


def agenda(m) -> dict[str, tuple[str, bool]]:
    db.session.expire_all()
    fresh = db.session.get(TaskingMeeting, m.id)
    return {i.person.ref: (i.reason, i.review_due) for i in fresh.items}


def test_the_cohort_cycle_across_two_meetings(client, login, world):
    login(world.sup)
    response = client.post("/cohort/adopt", data={"person_ref": "P9", "reason": "Two breaches of the NMO last year."})
    assert response.status_code == 302
    member = db.session.scalars(sa.select(CohortMember)).one()
    # The ranking as of FIRST: criminal damage 172 days before (2 harm days): R 20 + F 5 + G 2 + V 0 = 27.
    assert (member.adopted_priority, member.reason, member.adopted_by_id) == (
        27,
        "Two breaches of the NMO last year.",
        world.sup.id,
    )

    member.adopted_on = FIRST - timedelta(days=1)  # adopted before the first meeting
    db.session.commit()

    # Meeting 1: P1 for the ranking; P9, outside the top 1, for the cohort (no plan yet).
    first = meeting(world, FIRST)
    assert agenda(first) == {"P1": ("ranked", False), "P9": ("cohort", False)}
    item = next(i for i in first.items if i.person_id == world.p9.id)
    ms.save_plan(
        item,
        tactic="disruption",
        rationale="Home visits; check the NMO weekly.",
        review_on=TODAY - timedelta(days=1),
        expected_version=item.version_id,
        user=world.sup,
    )

    # Between the meetings: a breach, a task done, and a new ranking.
    logged = log_breach(
        world.order,
        BreachReport(
            occurred_at=datetime.now(UTC) - timedelta(hours=5), conditions=[1], narrative="At her door.", arrested=True
        ),
        user=world.pc,
    ).breach
    task = make_task(world.p9, owner=world.pc, task_type="intelligence_development", title="Check his address")
    ts.change_status(task, "done", outcome="no_further_action", expected_version=1, user=world.pc)
    ranking.run_ranking(TODAY, "manual", actor=Actor("test"))

    # Meeting 2: P9's plan is due for review (review date passed), so P9 comes back even without
    # being in the top 1, with the previous plan and what has happened since.
    second = meeting(world, TODAY)
    found = agenda(second)
    assert found["P9"] == ("breach", True)  # here for the breach, and marked: plan due for review
    entries = {e.person.ref: e for e in pack.pack_entries(db.session.get(TaskingMeeting, second.id))}
    review = entries["P9"].review
    assert review.plan.tactic == "disruption" and review.plan.meeting.held_on == FIRST
    assert review.since == FIRST
    assert [b.ref for b in review.breaches] == [logged.ref]
    assert [t.title for t in review.tasks_done] == ["Check his address"]
    # Today: the breach (a crime, 30 harm days, arrested) is the latest event: R 30 + F 10 + G 10 = 50.
    assert (review.score_then, review.score_now) == (27, 50)
    page = client.get(f"/meetings/{second.id}").get_data(as_text=True)
    assert "Previous plan" in page and "Home visits; check the NMO weekly." in page
    assert logged.ref in page and "Check his address: no further action" in page
    csv_text = client.get(f"/meetings/{second.id}/pack.csv").get_data(as_text=True)
    assert "Disruption (" in csv_text and "1 breach(es)" in csv_text

    # A plan set at meeting 2 with a later review date: not due at a third meeting before it.
    item2 = next(i for i in db.session.get(TaskingMeeting, second.id).items if i.person_id == world.p9.id)
    ms.save_plan(
        item2,
        tactic="enforcement",
        rationale="Arrest on the next breach.",
        review_on=TODAY + timedelta(days=28),
        expected_version=item2.version_id,
        user=world.sup,
    )
    # At a third meeting before that date the plan is not due (P9 is there for the breach only).
    third = meeting(world, TODAY + timedelta(days=7))
    assert agenda(third)["P9"] == ("breach", False)


def test_an_exited_member_no_longer_comes_back_for_review(app, world):
    member = cohort.adopt("P9", "Serial.", user=world.sup, adopted_on=FIRST - timedelta(days=100))
    first = meeting(world, FIRST)
    item = next(i for i in first.items if i.person_id == world.p9.id)
    ms.save_plan(
        item,
        tactic="support",
        rationale="Drive referral.",
        review_on=TODAY - timedelta(days=1),
        expected_version=item.version_id,
        user=world.sup,
    )
    cohort.exit_member(
        member, "moved_away", "Moved to another force area.", expected_version=member.version_id, user=world.sup
    )
    assert "P9" not in agenda(meeting(world, TODAY))


def test_adoption_needs_a_reason_and_a_person_once(app, world):
    with pytest.raises(ValidationFailed) as refused:
        cohort.adopt("P9", "", user=world.sup)
    assert "Say why" in refused.value.errors["reason"]
    cohort.adopt("P9", "Serial.", user=world.sup)
    with pytest.raises(ValidationFailed) as refused:
        cohort.adopt("P9", "Again.", user=world.sup)
    assert "already in the managed cohort" in refused.value.errors["person_ref"]
    with pytest.raises(ValidationFailed) as refused:
        cohort.adopt("NOPE", "Why", user=world.sup)
    assert "No person has the reference NOPE" in refused.value.errors["person_ref"]


def test_desisted_is_checked_against_the_records(app, world):
    # P1 adopted at priority 70 with an event 40 days ago: not 12 weeks quiet, not desisted.
    member = cohort.adopt("P1", "Strangulation.", user=world.sup, adopted_on=FIRST)
    with pytest.raises(ValidationFailed) as refused:
        cohort.exit_member(member, "desisted", "", expected_version=member.version_id, user=world.sup)
    assert "The records do not show desistance" in refused.value.errors["exit_reason"]
    db.session.rollback()
    assert db.session.get(CohortMember, member.id).exited_on is None
    # Another reason is recorded as given; "other" needs a note.
    with pytest.raises(ValidationFailed):
        cohort.exit_member(member, "other", "", expected_version=member.version_id, user=world.sup)
    db.session.rollback()
    cohort.exit_member(member, "custody", "Remanded for 6 months.", expected_version=member.version_id, user=world.sup)
    held = db.session.get(CohortMember, member.id)
    assert (held.exit_reason, held.exit_note, held.exited_on) == ("custody", "Remanded for 6 months.", TODAY)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "cohort_member").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.data["exit_reason"] == "custody" and entry.reason == "Remanded for 6 months."


def test_desistance_passes_after_twelve_quiet_weeks_and_a_fallen_score(app, world):
    # P9 adopted when ranked 40 (a fictional earlier score), last event 200 days ago, now 17.
    member = cohort.adopt("P9", "Serial.", user=world.sup, adopted_on=FIRST)
    member.adopted_priority = 40
    db.session.commit()
    check = cohort.desistance_of([member], TODAY)[member.id]
    assert check.quiet and check.fallen and check.passes
    cohort.exit_member(member, "desisted", "", expected_version=member.version_id, user=world.sup)
    assert db.session.get(CohortMember, member.id).exit_reason == "desisted"


def test_an_adopted_person_can_be_adopted_again_after_leaving(app, world):
    member = cohort.adopt("P9", "Serial.", user=world.sup, adopted_on=FIRST)
    cohort.exit_member(member, "moved_away", "", expected_version=member.version_id, user=world.sup)
    again = cohort.adopt("P9", "Back in the area.", user=world.sup)
    assert again.id != member.id and cohort.open_membership(world.p9.id).id == again.id


def test_only_supervisors_manage_the_cohort_and_analysts_read_it(client, login, world, app):
    login(world.pc)
    assert client.get("/cohort").status_code == 403
    assert client.post("/cohort/adopt", data={"person_ref": "P9", "reason": "x"}).status_code == 403
    analyst = login(world.analyst, app.test_client())
    assert analyst.get("/cohort").status_code == 200
    assert analyst.post("/cohort/adopt", data={"person_ref": "P9", "reason": "x"}).status_code == 403


def test_the_exit_page_refuses_bad_input_with_a_message(client, login, world):
    member = cohort.adopt("P9", "Serial.", user=world.sup)
    login(world.sup)
    response = client.post(f"/cohort/{member.id}/exit", data={"exit_reason": "bored", "version_id": "1"})
    assert response.status_code == 400 and "Choose why the person leaves" in response.get_data(as_text=True)
    response = client.post(f"/cohort/{member.id}/exit", data={"exit_reason": "other", "version_id": "1", "note": ""})
    assert response.status_code == 400 and "Say why the person leaves the cohort." in response.get_data(as_text=True)
    response = client.post(f"/cohort/{member.id}/exit", data={"exit_reason": "other", "version_id": "7", "note": "x"})
    assert response.status_code == 409
    assert db.session.get(CohortMember, member.id).exited_on is None
    assert client.get("/cohort/9999/exit").status_code == 404


def test_a_review_date_brings_anyone_back_onto_the_agenda(app, world):
    first = meeting(world, FIRST)
    item = ms.add_person(first, "P9", user=world.sup)
    ms.save_plan(
        item,
        tactic="diversion",
        rationale="Refer to Drive.",
        review_on=TODAY - timedelta(days=2),
        expected_version=item.version_id,
        user=world.sup,
    )
    second = meeting(world, TODAY)
    assert agenda(second)["P9"] == ("review", True)
    held = next(i for i in db.session.get(TaskingMeeting, second.id).items if i.person_id == world.p9.id)
    assert held.previous_item_id == item.id
