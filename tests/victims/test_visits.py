"""DALO needs assessments and hidden-harm visits: the visit record, completing the visit task through
tasking in the same transaction, and the repeat victims due a visit ordered by need (not by the
number of suspects), at the addresses /hidden-harm and /hidden-harm/visits."""

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_time, utcnow
from app.extensions import db
from app.tasking.models import Task
from app.victims.contacts import services as contacts
from app.victims.dash import services as dash
from app.victims.visits import need
from app.victims.visits.models import VictimVisit
from tests.factories import count, make_event, make_person, make_task
from tests.victims.conftest import TODAY, answers

NOW = f"{TODAY.isoformat()}T00:01"


def visit_form(**overrides):
    data = {
        "kind": "hidden_harm",
        "visited_at": NOW,
        "seen_alone": "yes",
        "children_present": "no",
        "perpetrator_present": "no",
        "injuries_seen": "no",
        "dash_done": "no",
        "idva_offered": "yes",
        "idva_accepted": "no",
        "safety_advice_given": "yes",
        "arrest_made": "no",
        "safeguarding_referrals": ["childrens_social_care"],
        "evidence_secured": [],
        "needs": ["housing", "children"],
    }
    return data | overrides


def test_a_visit_records_what_was_found_and_completes_its_task(client, login, world):
    assessment = dash.record_assessment(
        world.victim, dash.DashInput(assessed_on=TODAY, answers=answers(8)), actor=Actor("test")
    )
    task = make_task(world.victim, owner=world.pc, task_type="hidden_harm_visit", title="Visit Freya")
    login(world.pc)
    form = visit_form(
        task_id=str(task.id),
        dash_done="yes",
        dash_ref=assessment.ref,
        injuries_seen="yes",
        injuries_detail="Bruising to the left forearm, photographed",
        arrest_made="yes",
        arrest_event_ref="E-NEW",
        evidence_secured=["injury_images", "statement"],
    )
    assert client.get(f"/victims/{world.victim.ref}/visits/new?task={task.id}").status_code == 200
    response = client.post(f"/victims/{world.victim.ref}/visits/new", data=form)
    assert response.status_code == 302
    visit = db.session.scalars(sa.select(VictimVisit)).one()
    assert (visit.seen_alone, visit.perpetrator_present, visit.children_present) == (True, False, False)
    assert (visit.idva_offered, visit.idva_accepted, visit.safety_advice_given) == (True, False, True)
    assert visit.dash_assessment_id == assessment.id and visit.arrest_event.ref == "E-NEW"
    assert visit.evidence_secured == ["statement", "injury_images"] and visit.needs == ["housing", "children"]
    assert visit.safeguarding_referrals == ["childrens_social_care"] and visit.task_id == task.id
    db.session.expire_all()
    done = db.session.get(Task, task.id)
    assert (done.status, done.outcome) == ("done", "visit_completed") and visit.ref in done.outcome_note
    # Tasking audited its own change; the visit has its entry.
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.object_type == "task", AuditEntry.action == "update")
    )
    page = client.get(f"/victims/visits/{visit.ref}").get_data(as_text=True)
    assert "Bruising to the left forearm" in page and assessment.ref in page and "E-NEW" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"seen_alone": "yes", "perpetrator_present": "yes"}, "seen_alone", "not seen alone if the perpetrator"),
        ({"seen_alone": ""}, "seen_alone", "Say whether you saw them alone"),
        ({"kind": "coffee"}, "kind", "Choose a needs assessment or a hidden-harm visit"),
        ({"visited_at": (TODAY + timedelta(days=1)).isoformat() + "T09:00"}, "visited_at", "cannot be in the future"),
        ({"injuries_seen": "yes", "injuries_detail": ""}, "injuries_detail", "Describe the injuries"),
        ({"dash_done": "yes"}, "dash_ref", "Choose the DASH assessment done at the visit"),
        ({"idva_offered": "yes", "idva_accepted": ""}, "idva_accepted", "Say whether the IDVA offer was accepted"),
        ({"arrest_made": "yes"}, "arrest_event_ref", "Enter the reference of the DA event the arrest was for"),
        ({"arrest_made": "no", "arrest_event_ref": "E-NEW"}, "arrest_event_ref", "says no arrest was made"),
        ({"arrest_made": "yes", "arrest_event_ref": "E-GHOST"}, "arrest_event_ref", "No DA event has the reference"),
        ({"needs": ["world_peace"]}, "needs", "Choose the needs from the list"),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_written(client, login, world, change, field, message):
    task = make_task(world.victim, owner=world.pc, task_type="hidden_harm_visit")
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/visits/new", data=visit_form(task_id=str(task.id)) | change)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(VictimVisit) == 0
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "open"


def test_a_task_held_by_another_officer_or_finished_is_refused(client, login, world):
    held = make_task(world.victim, owner=world.pc2, task_type="hidden_harm_visit")
    finished = make_task(
        world.victim, owner=world.pc, task_type="hidden_harm_visit", status="done", outcome="visit_completed"
    )
    other = make_task(make_person("V909"), owner=world.pc, task_type="hidden_harm_visit")
    login(world.pc)
    for task, message in (
        (held, "held by someone else"),
        (finished, "already done"),
        (other, "not a visit or contact task about"),
    ):
        response = client.post(f"/victims/{world.victim.ref}/visits/new", data=visit_form(task_id=str(task.id)))
        assert response.status_code == 400 and message in response.get_data(as_text=True), message
    assert count(VictimVisit) == 0


def test_a_needs_assessment_without_a_task(client, login, world):
    login(world.sup)
    response = client.post(f"/victims/{world.victim.ref}/visits/new", data=visit_form(kind="needs_assessment"))
    assert response.status_code == 302
    assert db.session.scalars(sa.select(VictimVisit)).one().kind == "needs_assessment"


# ---- repeat victims by need --------------------------------------------------------------------


def repeat_victim(ref, name, *, suspects=2, extra_events=0, days_ago=30):
    victim = make_person(ref, surname=name, forenames="Ann")
    for n in range(suspects):
        make_event(make_person(f"{ref}-S{n}"), victim, TODAY - timedelta(days=days_ago + n))
    for n in range(extra_events):
        make_event(make_person(f"{ref}-X{n}"), victim, TODAY - timedelta(days=days_ago + 10 + n))
    return victim


def spoken_to(victim, days_ago):
    contacts.log_contact(
        victim,
        contacts.ContactInput(
            contacted_at=local_time(TODAY - timedelta(days=days_ago), time(12, 0)), channel="phone", outcome="spoken_to"
        ),
        actor=Actor("test"),
    )


def test_repeat_victims_are_ordered_by_need_not_by_number_of_suspects(world):
    many = repeat_victim("R-MANY", "Manysuspects", suspects=5)  # most suspects; spoken to last week
    spoken_to(many, 7)
    high = repeat_victim("R-HIGH", "Highrisk", suspects=2)  # DASH high; spoken to yesterday
    dash.record_assessment(high, dash.DashInput(assessed_on=TODAY, answers=answers(15)), actor=Actor("test"))
    spoken_to(high, 1)
    repeat_victim("R-SILENT", "Silent", suspects=2)  # never contacted
    busy = repeat_victim("R-BUSY", "Busy", suspects=2, extra_events=3)  # more reports, contacted 40 days ago
    spoken_to(busy, 40)
    rows = need.hidden_harm_list(user=world.sup, no_contact_days=28)
    order = [r.person.ref for r in rows if r.person.ref.startswith("R-")]
    # DASH high first; then not spoken to for 28+ days (more reports first); then the rest.
    assert order == ["R-HIGH", "R-BUSY", "R-SILENT", "R-MANY"]
    by_ref = {r.person.ref: r for r in rows}
    assert by_ref["R-BUSY"].reports_12m == 5 and by_ref["R-BUSY"].days_without_contact == 40
    assert by_ref["R-SILENT"].last_contact is None and by_ref["R-SILENT"].not_contacted
    assert by_ref["R-HIGH"].grade == "high" and by_ref["R-HIGH"].grade_source == "assessment"
    # With a 7-day threshold the one spoken to a week ago is also "not contacted": more reports first
    # (5, 5, 2), and between equal reports the longer without contact (40 days before 7).
    rows = need.hidden_harm_list(user=world.sup, no_contact_days=7)
    assert [r.person.ref for r in rows if r.person.ref.startswith("R-")] == ["R-HIGH", "R-BUSY", "R-MANY", "R-SILENT"]


def test_an_event_graded_high_counts_when_no_assessment_is_held(world):
    victim = make_person("R-EV", surname="Evgraded")
    make_event(make_person("R-EV-S1"), victim, TODAY - timedelta(days=10), dash_risk="high")
    make_event(make_person("R-EV-S2"), victim, TODAY - timedelta(days=20))
    [row] = [r for r in need.hidden_harm_list(user=world.sup) if r.person.ref == "R-EV"]
    assert (row.grade, row.grade_source, row.high) == ("high", "event", True)


def test_a_visit_recorded_in_the_last_90_days_takes_a_victim_off_the_list(client, login, world):
    victim = repeat_victim("R-VIS", "Visited")
    login(world.pc)
    client.post(f"/victims/{victim.ref}/visits/new", data=visit_form())
    refs = [r.person.ref for r in need.hidden_harm_list(user=world.sup)]
    assert "R-VIS" not in refs
    db.session.execute(
        sa.update(VictimVisit).values(visited_at=utcnow() - timedelta(days=need.HIDDEN_HARM_VISIT_DAYS + 1))
    )
    db.session.commit()
    [row] = [r for r in need.hidden_harm_list(user=world.sup) if r.person.ref == "R-VIS"]
    assert row.last_visit is not None and row.last_contact is not None  # a visit is a contact too


def test_repeat_victims_without_a_recent_visit_are_listed_and_a_visit_is_raised(client, login, world):
    victim = repeat_victim("R1", "Waiting")
    visited = repeat_victim("R2", "Dunmore")
    make_task(
        visited,
        owner=world.pc,
        task_type="hidden_harm_visit",
        status="done",
        outcome="visit_completed",
        completed_at=utcnow() - timedelta(days=10),
    )
    login(world.pc)
    page = client.get("/hidden-harm").get_data(as_text=True)
    assert "Ann WAITING" in page and "Ann DUNMORE" not in page
    assert "harmed by 2 different suspects in 36 months" in page.lower()
    assert 'href="/victims/R1"' in page
    response = client.post("/hidden-harm/visits", data={"person_ref": "R1"})
    assert response.status_code == 302
    task = db.session.scalars(sa.select(Task).where(Task.person_id == victim.id)).one()
    assert (task.task_type, task.owner_id, task.status) == ("hidden_harm_visit", world.pc.id, "open")
    client.post("/hidden-harm/visits", data={"person_ref": "R1"})  # no second visit
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.person_id == victim.id)) == 1
    page = client.get("/hidden-harm").get_data(as_text=True)
    assert "Visit raised" in page and f"/victims/R1/visits/new?task={task.id}" in page
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "hidden_harm"))


def test_a_visit_task_completed_over_90_days_ago_does_not_count(world):
    victim = repeat_victim("R3", "Oldvisit", days_ago=100)
    make_task(
        victim,
        owner=world.pc,
        task_type="hidden_harm_visit",
        status="done",
        outcome="visit_completed",
        completed_at=utcnow() - timedelta(days=need.HIDDEN_HARM_VISIT_DAYS + 1),
    )
    rows = [r for r in need.hidden_harm_list(user=world.sup) if r.person.ref == "R3"]
    assert len(rows) == 1 and isinstance(rows[0].last_visit, datetime)


def test_a_supervisor_raises_a_visit_for_the_team_to_allocate(client, login, world):
    repeat_victim("R4", "Teamvisit", days_ago=3)
    login(world.sup)
    client.post("/hidden-harm/visits", data={"person_ref": "R4"})
    task = db.session.scalars(sa.select(Task)).one()
    assert task.owner_id is None and task.team_id == world.sup.team_id


def test_a_visit_for_an_unknown_person_and_a_bad_threshold_are_refused(client, login, world):
    login(world.pc)
    response = client.post("/hidden-harm/visits", data={"person_ref": "NOBODY"})
    assert response.status_code == 400 and "No person has that reference" in response.get_data(as_text=True)
    assert count(Task) == 0
    assert client.get("/hidden-harm?days=3").status_code == 400
    assert client.get("/hidden-harm?days=abc").status_code == 400


def test_a_task_changed_by_someone_else_meanwhile_leaves_nothing_written(client, login, world, monkeypatch):
    from app.tasking.tasks import services as task_services

    task = make_task(world.victim, owner=world.pc, task_type="hidden_harm_visit")

    def raced(found, *args, **kwargs):  # a supervisor closed the task between the check and the save
        db.session.rollback()
        raise task_services.TaskConflict(found)

    monkeypatch.setattr(task_services, "change_status", raced)
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/visits/new", data=visit_form(task_id=str(task.id)))
    assert response.status_code == 400 and "changed while you were recording" in response.get_data(as_text=True)
    assert count(VictimVisit) == 0
    assert not db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "victim_visit"))


def test_the_task_page_links_to_recording_the_visit(client, login, world):
    task = make_task(world.victim, owner=world.pc, task_type="hidden_harm_visit")
    login(world.pc)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'href="/victims/{world.victim.ref}/visits/new?task={task.id}"' in page
