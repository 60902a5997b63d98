"""DA Hub virtual responses: consent before video, contact after the call, evidence and the crime's
event, and the weekly figures (responses, video share, median minutes to contact, evidence rate,
share needing attendance) worked out by hand here."""

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from app.audit.services import Actor
from app.base import local_time
from app.extensions import db
from app.victims.hub import services as hub
from app.victims.hub.models import HubResponse
from tests.factories import count
from tests.victims.conftest import TODAY

YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


def hub_form(**overrides):
    data = {
        "person_ref": "V100",
        "suspect_ref": "S200",
        "call_received_at": f"{YESTERDAY}T19:05",
        "contact_made_at": f"{YESTERDAY}T19:37",
        "consent": "yes",
        "channel": "video",
        "evidence": ["statement", "injury_images"],
        "crime_recorded": "yes",
        "crime_event_ref": "E-NEW",
        "safeguarding_done": "yes",
        "signposting_done": "yes",
        "signposted_to": "County IDVA Service",
        "outcome": "resolved",
    }
    return data | overrides


def test_the_form_shows_the_hubs_hours_and_records_a_response(client, login, world):
    login(world.pc)
    page = client.get("/victims/hub/new").get_data(as_text=True)
    assert "08:00 to 22:00, 7 days a week" in page
    response = client.post("/victims/hub/new", data=hub_form())
    assert response.status_code == 302
    r = db.session.scalars(sa.select(HubResponse)).one()
    assert (r.minutes_to_contact, r.channel, r.consent, r.outcome) == (32, "video", True, "resolved")
    assert r.evidence == ["statement", "injury_images"] and r.crime_event.ref == "E-NEW" and r.district == "Northgate"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "(32 minutes after the call)" in page and "E-NEW" in page
    assert "resolved by the hub" in client.get(f"/victims/{world.victim.ref}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"consent": "no"}, "A video response needs the caller&#39;s consent"),
        ({"consent": "no", "channel": "phone"}, "Without the caller&#39;s consent the Hub cannot resolve it"),
        ({"consent": ""}, "Record whether the caller consents to a virtual response"),
        ({"contact_made_at": f"{YESTERDAY}T18:59"}, "Contact cannot be made before the call was received"),
        ({"call_received_at": (TODAY + timedelta(days=1)).isoformat() + "T10:00"}, "cannot be in the future"),
        ({"contact_made_at": "soon"}, "Enter a real date and time"),
        ({"person_ref": "NOBODY"}, "add them to the register first"),
        ({"person_ref": ""}, "Enter the caller&#39;s person reference"),
        ({"suspect_ref": "V100"}, "The suspect cannot be the caller"),
        ({"channel": "carrier pigeon"}, "Choose video or phone"),
        ({"crime_event_ref": ""}, "Enter the reference of the crime&#39;s DA event"),
        ({"crime_recorded": "no"}, "says no crime was recorded"),
        ({"evidence": ["other"]}, "Say what other evidence was captured"),
        ({"evidence": ["hearsay"]}, "Choose the evidence captured from the list"),
        ({"signposted_to": ""}, "Say which services the caller was signposted to"),
        ({"outcome": ""}, "Choose the outcome"),
        ({"dash_ref": "ACH-D-404"}, "has no DASH assessment ACH-D-404"),
    ],
)
def test_bad_hub_responses_are_refused_and_nothing_is_written(client, login, world, change, message):
    login(world.pc)
    response = client.post("/victims/hub/new", data=hub_form(**change))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(HubResponse) == 0


def test_without_consent_a_phone_call_is_recorded_as_needing_attendance(client, login, world):
    login(world.sup)
    data = hub_form(
        consent="no", channel="phone", outcome="attendance", evidence=[], crime_recorded="no", crime_event_ref=""
    )
    assert client.post("/victims/hub/new", data=data).status_code == 302
    assert db.session.scalars(sa.select(HubResponse)).one().outcome == "attendance"


def respond(world, day: date, at: time, minutes: int, channel: str, evidence: list, outcome: str):
    received = local_time(day, at)
    return hub.record_response(
        hub.HubInput(
            person_ref=world.victim.ref,
            call_received_at=received,
            contact_made_at=received + timedelta(minutes=minutes),
            channel=channel,
            consent=True,
            evidence=evidence,
            crime_recorded=False,
            safeguarding_done=True,
            signposting_done=False,
            outcome=outcome,
        ),
        actor=Actor("test"),
    )


def test_weekly_figures(world):
    monday = date(2026, 11, 16)
    as_of = monday + timedelta(days=9)  # Wednesday of the next week
    respond(world, monday, time(9, 0), 10, "video", ["statement"], "resolved")
    respond(world, monday + timedelta(days=2), time(21, 50), 30, "phone", [], "attendance")
    respond(world, monday + timedelta(days=6), time(23, 30), 50, "video", ["scene_video"], "resolved")  # Sunday
    respond(world, monday + timedelta(days=7), time(8, 0), 5, "phone", [], "resolved")  # the next Monday
    respond(world, monday - timedelta(days=1), time(12, 0), 99, "video", [], "resolved")  # the week before
    weeks = hub.weekly_figures(weeks=2, as_of=as_of)
    assert [w.starts_on for w in weeks] == [monday + timedelta(days=7), monday]
    this, last = weeks
    assert (this.responses, this.median_minutes, this.video_share, this.evidence_rate) == (1, 5, 0, 0)
    assert (last.responses, last.video, last.with_evidence, last.attendance) == (3, 2, 2, 1)
    assert last.median_minutes == 30
    assert (last.video_share, last.evidence_rate, last.attendance_share) == (2 / 3, 2 / 3, 1 / 3)
    assert hub.weekly_figures(weeks=1, as_of=as_of)[0].responses == 1


def test_the_figures_page_is_for_supervisors_and_analysts(app, client, login, world):
    respond(world, TODAY - timedelta(days=1), time(12, 0), 12, "video", ["statement"], "resolved")
    login(world.analyst)
    page = client.get("/victims/hub/figures")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<td class="num">100%</td><td class="num">12</td>' in text and "Freya" not in text
    assert login(world.pc, app.test_client()).get("/victims/hub/figures").status_code == 403
