"""Tasking meetings: the agenda (top N of the latest full ranking plus breaches since the last
meeting), attendees, a plan per person, tasks set in the meeting, minutes, the printable pack and
the CSV export, each audited, with conflicts for two supervisors editing at once."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today, utcnow
from app.extensions import db
from app.orders.breaches.services import BreachReport, log_breach
from app.orders.models import Breach, Order
from app.ranking import services as ranking
from app.ranking.models import ScoreRow
from app.tasking.meetings import services as ms
from app.tasking.models import MeetingAttendee, MeetingItem, Task, TaskingMeeting
from app.web import csv_cell
from tests.factories import count, make_event, make_lever, make_order, make_person, make_task

TODAY = local_today()


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    sup2 = make_user("insp.kaur", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    analyst = make_user("an.patel", "analyst")
    victim = make_person("V1", surname="Bellamy", forenames="Freya")
    # Three ranked persons: P1 (most harmful) > P2 > P3, and P4 with one old minor event.
    p1 = make_person("P1", surname="Ashworth", forenames="Dominic")
    p2 = make_person("P2", surname="Crowther", forenames="Gideon")
    p3 = make_person("P3", surname="Dunmore", forenames="Hazel")
    p4 = make_person("P4", surname="Elphick", forenames="Ivor")
    make_event(p1, victim, TODAY - timedelta(days=10), "abh")
    make_event(p1, make_person("V2"), TODAY - timedelta(days=40), "strangulation")
    make_event(p2, make_person("V3"), TODAY - timedelta(days=20), "abh")
    make_event(p3, make_person("V4"), TODAY - timedelta(days=60), "common_assault")
    make_event(p4, make_person("V5"), TODAY - timedelta(days=700), "criminal_damage")
    make_lever(p1, "firearms_certificate", TODAY - timedelta(days=100), detail="Shotgun certificate")
    # P2's levers (30) keep him above P4 even after P4's breach re-scores P4 (80) at once.
    make_lever(p2, "outstanding_warrant", TODAY - timedelta(days=5))
    make_lever(p2, "driving_offences", TODAY - timedelta(days=5))
    order = make_order(p4, make_person("V6"), ref="NMO/44", starts_on=TODAY - timedelta(days=90))
    make_order(p1, victim, ref="NMO/11", starts_on=TODAY - timedelta(days=30), ends_on=TODAY + timedelta(days=60))
    run = ranking.run_ranking(TODAY, "manual", actor=Actor("test"))
    return SimpleNamespace(sup=sup, sup2=sup2, pc=pc, analyst=analyst, p1=p1, p2=p2, p3=p3, p4=p4, order=order, run=run)


def breach(order, user, *, logged_at=None):
    logged = log_breach(
        order,
        BreachReport(occurred_at=utcnow() - timedelta(hours=2), conditions=[1], narrative="Rang her.", arrested=False),
        user=user,
    )
    if logged_at is not None:
        db.session.execute(sa.update(Breach).where(Breach.id == logged.breach.id).values(logged_at=logged_at))
        db.session.commit()
    return logged.breach


def meeting_form(**overrides):
    data = {
        "held_on": TODAY.isoformat(),
        "title": "North PDA tasking",
        "team": "",
        "agenda_size": "2",
        "attendees": [],
        "partners": "Sam Okoro, Probation Service\nRiya Bhatt, IDVA service",
    }
    data.update(overrides)
    return data


def make_meeting(world, **values) -> TaskingMeeting:
    values = {"held_on": TODAY, "title": "North PDA tasking", "agenda_size": 2, **values}
    return ms.create_meeting(ms.MeetingInput(**values), user=world.sup)


def refs(meeting) -> list[tuple[str, str]]:
    db.session.expire_all()
    fresh = db.session.get(TaskingMeeting, meeting.id)
    return [(i.person.ref, i.reason) for i in sorted(fresh.items, key=lambda i: i.position)]


# ---- the agenda ---------------------------------------------------------------------------------


def test_a_supervisor_records_a_meeting_and_the_agenda_is_top_n_plus_breaches(client, login, world):
    assert [
        r.person.ref
        for r in db.session.scalars(
            sa.select(ScoreRow).where(ScoreRow.run_id == world.run.id).order_by(ScoreRow.position)
        )
    ][:2] == ["P1", "P2"]
    breach(world.order, world.pc)  # P4 breached today: not in the top 2, joins for the breach
    login(world.sup)
    response = client.post(
        "/meetings/new", data=meeting_form(team=str(world.sup.team_id), attendees=[str(world.sup.id), str(world.pc.id)])
    )
    assert response.status_code == 302
    meeting = db.session.scalars(sa.select(TaskingMeeting)).one()
    assert refs(meeting) == [("P1", "ranked"), ("P2", "ranked"), ("P4", "breach")]
    item = next(i for i in meeting.items if i.person_id == world.p4.id)
    assert item.breach_count == 1 and item.rank_position is None
    assert meeting.score_run_id == world.run.id and meeting.team_id == world.sup.team_id
    labels = [a.label for a in meeting.attendees]
    assert labels == [
        "sgt.reyes (North PDA)",
        "pc.okafor (North PDA)",
        "Sam Okoro (Probation Service)",
        "Riya Bhatt (IDVA service)",
    ]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "tasking_meeting"))
    assert entry.action == "create" and entry.data["agenda"][2] == {
        "person": "P4",
        "reason": "breach",
        "review_due": False,
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Breach since the last meeting" in page and "Top of the target list" in page


def test_a_top_person_with_a_breach_is_listed_once_for_both_reasons(app, world):
    p1_order = db.session.scalar(sa.select(Order).where(Order.ref == "NMO/11"))
    breach(p1_order, world.pc)
    meeting = make_meeting(world)
    assert refs(meeting)[0] == ("P1", "ranked_and_breach")
    assert len(refs(meeting)) == 2


def test_only_breaches_since_the_last_meeting_of_the_team_join(app, world):
    team_id = world.sup.team_id
    make_meeting(world, held_on=TODAY - timedelta(days=14), team_id=team_id)
    old = local_start(TODAY - timedelta(days=20))
    breach(world.order, world.pc, logged_at=old)  # before the last meeting: already discussed
    meeting = make_meeting(world, team_id=team_id)
    assert refs(meeting) == [("P1", "ranked"), ("P2", "ranked")]
    breach(world.order, world.pc)  # since the last meeting
    meeting = make_meeting(world, team_id=team_id, held_on=TODAY)
    assert ("P4", "breach") in refs(meeting)


def test_a_first_meeting_looks_back_four_weeks_for_breaches(app, world):
    breach(world.order, world.pc, logged_at=local_start(TODAY - timedelta(days=ms.FIRST_MEETING_LOOKBACK_DAYS + 2)))
    assert ("P4", "breach") not in refs(make_meeting(world))
    breach(world.order, world.pc, logged_at=local_start(TODAY - timedelta(days=ms.FIRST_MEETING_LOOKBACK_DAYS - 2)))
    assert ("P4", "breach") in refs(make_meeting(world))


def test_with_no_ranking_run_the_agenda_is_breaches_only(app, make_user):
    sup = make_user("sgt.solo", "supervisor", team="East")
    subject = make_person("P9")
    order = make_order(subject, make_person("V9"), ref="NMO/9", starts_on=TODAY - timedelta(days=10))
    breach(order, sup)
    meeting = ms.create_meeting(ms.MeetingInput(held_on=TODAY, title="East tasking"), user=sup)
    assert refs(meeting) == [("P9", "breach")] and meeting.score_run_id is None


def local_start(day):
    return ms.local_time(day, datetime.min.time()).astimezone(UTC)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on": ""}, "Enter the date of the meeting."),
        ({"held_on": "next tuesday"}, "Enter a real date"),
        ({"held_on": (TODAY - timedelta(days=400)).isoformat()}, "Give a date within the last 366 days."),
        ({"held_on": (TODAY + timedelta(days=91)).isoformat()}, "Give a date within the next 90 days."),
        ({"title": ""}, "Give the meeting a name."),
        ({"title": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"agenda_size": "0"}, "Give a number from 1 to 50."),
        ({"agenda_size": "51"}, "Give a number from 1 to 50."),
        ({"agenda_size": "ten"}, "Give a number from 1 to 50."),
        ({"agenda_size": ""}, "Give a number from 1 to 50."),
        ({"team": "999"}, "Choose a team from the list."),
        ({"attendees": ["999999"]}, "Choose attendees from the list."),
        ({"attendees": ["abc"]}, "Choose attendees from the list."),
        ({"partners": ", Probation"}, "Give the name before the comma"),
        ({"partners": "x" * 201}, "Keep each partner attendee to 200 characters or fewer."),
        ({"partners": "\n".join(f"Person {n}, Agency" for n in range(31))}, "List 30 partner attendees at most."),
    ],
)
def test_a_bad_meeting_is_refused_with_a_clear_message_and_nothing_written(client, login, world, overrides, message):
    login(world.sup)
    response = client.post("/meetings/new", data=meeting_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(TaskingMeeting) == 0 and count(MeetingItem) == 0 and count(MeetingAttendee) == 0


def test_an_analyst_may_be_recorded_as_attending(client, login, world):
    login(world.sup)
    response = client.post("/meetings/new", data=meeting_form(attendees=[str(world.analyst.id)]))
    assert response.status_code == 302


def test_the_new_meeting_form_starts_with_today_and_the_supervisor(client, login, world):
    login(world.sup)
    page = client.get("/meetings/new").get_data(as_text=True)
    assert f'value="{TODAY.isoformat()}"' in page
    assert re.search(rf'<input checked[^>]*value="{world.sup.id}"', page)


# ---- attendees, plans, minutes ------------------------------------------------------------------


def test_attendees_can_be_changed_and_the_change_is_audited(client, login, world):
    meeting = make_meeting(world, attendee_ids=[world.sup.id], partners="Sam Okoro, Probation Service")
    login(world.sup)
    response = client.post(
        f"/meetings/{meeting.id}/attendees",
        data={
            "att-attendees": [str(world.sup.id), str(world.pc.id)],
            "att-partners": "Sam Okoro, Probation Service\nJo Marsh, Housing",
            "att-version_id": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(TaskingMeeting, meeting.id)
    assert [a.label for a in meeting.attendees] == [
        "sgt.reyes (North PDA)",
        "pc.okafor (North PDA)",
        "Sam Okoro (Probation Service)",
        "Jo Marsh (Housing)",
    ]
    assert meeting.version_id == 2
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "tasking_meeting").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.data["changes"]["attendees"]["before"] == ["sgt.reyes (North PDA)", "Sam Okoro (Probation Service)"]


def test_a_stale_attendee_list_is_a_conflict_and_keeps_what_was_typed(client, login, world):
    meeting = make_meeting(world)
    ms.update_minutes(meeting, "Opened at 10:00.", expected_version=1, user=world.sup2)
    login(world.sup)
    response = client.post(
        f"/meetings/{meeting.id}/attendees",
        data={
            "att-attendees": [str(world.pc.id)],
            "att-partners": "Lee Grant, Children's services",
            "att-version_id": "1",
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "insp.kaur" in page and "Lee Grant, Children&#39;s services" in page
    assert count(MeetingAttendee) == 0


def plan_data(item, **overrides):
    data = {
        f"i{item.id}-tactic": "enforcement",
        f"i{item.id}-rationale": "Two breaches in a month; firearms certificate to be reviewed.",
        f"i{item.id}-review_on": (TODAY + timedelta(days=28)).isoformat(),
        f"i{item.id}-version_id": str(item.version_id),
    }
    data.update({f"i{item.id}-{k}": v for k, v in overrides.items()})
    return data


def test_a_plan_is_recorded_for_a_person_and_audited(client, login, world):
    meeting = make_meeting(world)
    item = meeting.items[0]
    login(world.sup)
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/plan", data=plan_data(item))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#item-{item.person_id}")
    db.session.expire_all()
    item = db.session.get(MeetingItem, item.id)
    assert (item.tactic, item.review_on, item.version_id) == ("enforcement", TODAY + timedelta(days=28), 2)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "meeting_item"))
    assert entry.data["person"] == "P1" and entry.data["changes"]["tactic"] == {"before": None, "after": "enforcement"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tactic": ""}, "Choose the tactic."),
        ({"tactic": "vengeance"}, "Choose the tactic from the list."),
        ({"rationale": "  "}, "Say why this tactic was chosen."),
        ({"rationale": "x" * 5001}, "Field cannot be longer than 5000 characters."),
        ({"review_on": ""}, "Enter the date the plan will be reviewed."),
        ({"review_on": "soon"}, "Enter a real date"),
        ({"review_on": TODAY.isoformat()}, "The review date must be after the meeting."),
        ({"review_on": (TODAY + timedelta(days=400)).isoformat()}, "within 366 days of the meeting"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_written(client, login, world, overrides, message):
    meeting = make_meeting(world)
    item = meeting.items[0]
    login(world.sup)
    response = client.post(f"/meetings/{meeting.id}/items/{item.id}/plan", data=plan_data(item, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingItem, item.id).tactic is None


def test_two_supervisors_saving_one_plan_the_second_gets_a_conflict_and_keeps_their_input(client, login, world):
    meeting = make_meeting(world)
    item = meeting.items[0]
    ms.save_plan(
        item,
        tactic="disruption",
        rationale="Housing team to act on the tenancy.",
        review_on=TODAY + timedelta(days=14),
        expected_version=1,
        user=world.sup2,
    )
    login(world.sup)
    response = client.post(
        f"/meetings/{meeting.id}/items/{item.id}/plan",
        data=plan_data(item, version_id="1", rationale="Arrest for the outstanding ABH."),
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "insp.kaur" in page and "Disruption" in page  # who, and what they saved
    assert "Arrest for the outstanding ABH." in page  # what this supervisor typed is kept
    db.session.expire_all()
    assert db.session.get(MeetingItem, item.id).tactic == "disruption"


def test_minutes_are_saved_and_a_stale_save_is_a_conflict(client, login, world):
    meeting = make_meeting(world)
    login(world.sup)
    response = client.post(
        f"/meetings/{meeting.id}/minutes", data={"min-minutes": "Present as listed.", "min-version_id": "1"}
    )
    assert response.status_code == 302
    response = client.post(
        f"/meetings/{meeting.id}/minutes", data={"min-minutes": "Written on an old page.", "min-version_id": "1"}
    )
    assert response.status_code == 409
    assert "Written on an old page." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TaskingMeeting, meeting.id).minutes == "Present as listed."
    response = client.post(f"/meetings/{meeting.id}/minutes", data={"min-minutes": "x" * 20001, "min-version_id": "2"})
    assert response.status_code == 400


def test_someone_else_can_be_added_to_the_agenda(client, login, world):
    meeting = make_meeting(world)
    login(world.sup)
    response = client.post(f"/meetings/{meeting.id}/agenda", data={"add-person_ref": "P3"})
    assert response.status_code == 302
    assert refs(meeting)[-1] == ("P3", "added")
    for ref, message in (
        ("P3", "already on the agenda"),
        ("NOBODY", "No person has the reference NOBODY."),
        ("", "Enter the person reference of the person to add."),
    ):
        response = client.post(f"/meetings/{meeting.id}/agenda", data={"add-person_ref": ref})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert len(refs(meeting)) == 3


def test_a_task_set_in_the_meeting_is_linked_to_it_and_shown_there(client, login, world):
    meeting = make_meeting(world)
    login(world.sup)
    page = client.get(f"/tasks/new?person=P1&meeting={meeting.id}").get_data(as_text=True)
    assert f'name="meeting_id" type="hidden" value="{meeting.id}"' in page
    response = client.post(
        "/tasks/new",
        data={
            "task_type": "lever_action",
            "person_ref": "P1",
            "title": "Ask firearms licensing to review",
            "owner": str(world.pc.id),
            "team": "",
            "due_on": (TODAY + timedelta(days=7)).isoformat(),
            "priority": "normal",
            "meeting_id": str(meeting.id),
        },
    )
    assert response.status_code == 302 and f"/meetings/{meeting.id}#item-{world.p1.id}" in response.headers["Location"]
    task = db.session.scalars(sa.select(Task)).one()
    assert task.meeting_id == meeting.id
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Ask firearms licensing to review" in page
    # Someone not on the agenda cannot get a task "set at this meeting".
    response = client.post(
        "/tasks/new",
        data={
            "task_type": "arrest",
            "person_ref": "P3",
            "title": "Arrest",
            "owner": str(world.pc.id),
            "due_on": (TODAY + timedelta(days=7)).isoformat(),
            "priority": "normal",
            "meeting_id": str(meeting.id),
        },
    )
    assert response.status_code == 400
    assert "Hazel DUNMORE (P3) is not on the agenda of that meeting." in response.get_data(as_text=True)


# ---- the pack and the CSV -----------------------------------------------------------------------


def test_the_pack_has_a_section_per_person_with_score_levers_orders_and_tasks_and_is_audited(client, login, world):
    meeting = make_meeting(world)
    ms.save_plan(
        meeting.items[0],
        tactic="enforcement",
        rationale="Arrest on sight.",
        review_on=TODAY + timedelta(days=28),
        expected_version=1,
        user=world.sup,
    )
    make_task(world.p1, owner=world.pc, title="Execute the warrant")
    login(world.analyst)
    page = client.get(f"/meetings/{meeting.id}/pack").get_data(as_text=True)
    assert page.count('class="pack-person"') == 2
    p1 = page[page.index('id="pack-' + str(world.p1.id)) : page.index('id="pack-' + str(world.p2.id))]
    row = db.session.scalar(
        sa.select(ScoreRow).where(ScoreRow.run_id == world.run.id, ScoreRow.person_id == world.p1.id)
    )
    assert f'<td class="num">{row.priority}</td><td class="num">{row.harm}</td><td class="num">{row.r}</td>' in p1
    assert "Holds a firearms or shotgun certificate (15)" in p1 and "Shotgun certificate" in p1
    assert "NMO/11" in p1 and "Execute the warrant" in p1
    assert "Enforcement" in p1 and "Arrest on sight." in p1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.username == "an.patel" and entry.data == {"format": "pack", "persons": ["P1", "P2"]}


def test_the_csv_export_is_audited_and_safe_to_open_in_a_spreadsheet(client, login, world):
    world.p2.forenames = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    meeting = make_meeting(world)
    ms.save_plan(
        meeting.items[0],
        tactic="support",
        rationale="+1 referral to Drive; -2 risk",
        review_on=TODAY + timedelta(days=10),
        expected_version=1,
        user=world.sup,
    )
    login(world.sup)
    response = client.get(f"/meetings/{meeting.id}/pack.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="tasking-meeting-{meeting.id}-{TODAY.isoformat()}.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["person_ref"] for r in rows] == ["P1", "P2"]
    assert rows[0]["tactic"] == "Support" and rows[0]["rationale"] == "'+1 referral to Drive; -2 risk"
    assert rows[1]["name"].startswith("'=HYPERLINK")
    for row in rows:
        assert not any(str(v).startswith(("=", "+", "-", "@")) for v in row.values())
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.data == {"format": "csv", "persons": ["P1", "P2"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-3", "'-3"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (7, "7"),
    ],
)
def test_csv_cells_never_start_a_formula(value, expected):
    assert csv_cell(value) == expected


# ---- who may do what ----------------------------------------------------------------------------


def test_an_analyst_reads_meetings_but_cannot_change_them(client, login, world):
    meeting = make_meeting(world)
    item = meeting.items[0]
    login(world.analyst)
    assert client.get("/meetings").status_code == 200
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Save plan" not in page and "North PDA tasking" in page
    assert client.get(f"/meetings/{meeting.id}/pack.csv").status_code == 200
    assert client.get("/meetings/new").status_code == 403
    for path in (
        f"/meetings/{meeting.id}/attendees",
        f"/meetings/{meeting.id}/minutes",
        f"/meetings/{meeting.id}/agenda",
        f"/meetings/{meeting.id}/items/{item.id}/plan",
    ):
        assert client.post(path).status_code == 403


def test_officers_have_no_meeting_pages(client, login, world):
    meeting = make_meeting(world)
    login(world.pc)
    for path in (
        "/meetings",
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/pack",
        f"/meetings/{meeting.id}/pack.csv",
    ):
        assert client.get(path).status_code == 403


def test_unknown_meetings_and_items_are_404(client, login, world):
    meeting = make_meeting(world)
    login(world.sup)
    assert client.get("/meetings/9999").status_code == 404
    assert client.post(f"/meetings/{meeting.id}/items/9999/plan").status_code == 404
    assert client.get("/meetings?page=0").status_code == 400


def test_the_meetings_list_shows_meetings_newest_first_and_viewing_is_audited(client, login, world):
    make_meeting(world, held_on=TODAY - timedelta(days=28), title="October tasking")
    make_meeting(world, title="November tasking")
    login(world.sup)
    page = client.get("/meetings").get_data(as_text=True)
    assert page.index("November tasking") < page.index("October tasking")
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "search", AuditEntry.object_type == "tasking_meeting")
    )
