"""The victim page, contact preferences and the contact log: what each role sees, every view audited,
contact details never in the audit log, a tasking pack or the hands of referral staff and admins."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import utcnow
from app.extensions import db
from app.ranking import services as ranking
from app.tasking.meetings import services as meetings
from app.victims import protection
from app.victims.contacts import services as contacts
from app.victims.contacts.models import ContactPreferences, VictimContact
from tests.factories import count, make_event, make_order, make_person
from tests.victims.conftest import TODAY

# Invented contact details: none of these may appear where contact details must not.
SECRET = {
    "safe_phone": "07700 900461",
    "safe_email": "marigold.hideaway@example.org",
    "safe_times": "Tuesdays while at the Quillfeather clinic",
    "safe_word": "Say the word pomegranate-lantern if he is there",
}
SECRET_WORDS = ["07700 900461", "marigold.hideaway", "quillfeather", "pomegranate-lantern"]


def preferences_form(**overrides):
    return {
        "channels": ["text", "email"],
        **SECRET,
        "no_messages": "y",
        "safety_plan_ref": "SP-4411",
        "version_id": "0",
    } | overrides


def save_secret(world):
    contacts.save_preferences(
        world.victim,
        contacts.PreferencesInput(channels=["text", "email"], no_messages=True, safety_plan_ref="SP-4411", **SECRET),
        expected_version=0,
        actor=Actor.of(world.pc),
    )
    contacts.log_contact(
        world.victim,
        contacts.ContactInput(
            contacted_at=utcnow() - timedelta(hours=2),
            channel="text",
            outcome="spoken_to",
            note="She asked us to use pomegranate-lantern next time",
        ),
        actor=Actor.of(world.pc),
        made_by="PC Okafor",
    )


def leaked(text: str) -> list[str]:
    low = text.lower()
    return [w for w in SECRET_WORDS if w.lower() in low]


def test_an_officer_records_preferences_and_sees_them_and_the_log(client, login, world):
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/contact-preferences", data=preferences_form())
    assert response.status_code == 302
    held = db.session.scalars(sa.select(ContactPreferences)).one()
    assert (held.channels, held.no_messages, held.safe_phone) == (["text", "email"], True, "07700 900461")
    client.post(
        f"/victims/{world.victim.ref}/contacts/new",
        data={"contacted_at": f"{TODAY.isoformat()}T00:01", "channel": "text", "outcome": "not_reached"},
    )
    page = client.get(f"/victims/{world.victim.ref}").get_data(as_text=True)
    section = page[page.index('id="contact"') :]
    assert "07700 900461" in section and "Do not leave messages" in section and "pomegranate-lantern" in section
    assert "Not reached" in section and "pc.okafor" in section
    assert "SP-4411" in page


def test_the_audit_log_records_which_preferences_changed_never_their_values(app, client, login, world, make_user):
    save_secret(world)
    login(world.pc)
    client.post(
        f"/victims/{world.victim.ref}/contact-preferences",
        data=preferences_form(safe_phone="07700 900999", version_id="1"),
    )
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type.like("victim%"))).all()
    assert {"changed": ["safe_phone"]} in [e.data for e in entries]
    everything = " ".join(f"{e.summary} {e.data} {e.reason}" for e in db.session.scalars(sa.select(AuditEntry)))
    assert leaked(everything) == [] and "900999" not in everything
    # The analyst who reads the audit log's values finds the entry, not the details; the admin sees
    # who, when and what kind only (README "Security"), and no detail either.
    analyst = login(make_user("an.audit", "analyst"), app.test_client())
    log = analyst.get("/audit/")
    assert log.status_code == 200 and f"changed the contact preferences of {world.victim.ref}" in log.get_data(
        as_text=True
    )
    assert leaked(log.get_data(as_text=True)) == []
    admin = login(make_user("ad.audit", "admin"), app.test_client())
    log = admin.get("/audit/").get_data(as_text=True)
    assert world.victim.ref in log and "contact preferences of" not in log and leaked(log) == []


def test_every_view_of_the_victim_page_is_audited_with_whether_details_were_shown(app, client, login, world):
    save_secret(world)
    login(world.pc)
    client.get(f"/victims/{world.victim.ref}?reason=Welfare check before visit")
    login(world.analyst, app.test_client()).get(f"/victims/{world.victim.ref}")
    views = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_type == "victim", AuditEntry.action == "view")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.username, e.data["contact_details"]) for e in views] == [("pc.okafor", True), ("an.patel", False)]
    assert views[0].reason == "Welfare check before visit"


def test_analysts_read_the_victim_page_without_contact_details(client, login, world):
    save_secret(world)
    login(world.analyst)
    page = client.get(f"/victims/{world.victim.ref}").get_data(as_text=True)
    assert "Freya BELLAMY" in page and "Dominic ASHWORTH" in page
    assert leaked(page) == [] and "SP-4411" not in page
    assert "shown only to officers and supervisors" in page
    for path in ("contact-preferences", "contacts/new"):
        assert client.get(f"/victims/{world.victim.ref}/{path}").status_code == 403


@pytest.mark.parametrize("role", ["referral", "admin"])
def test_referral_staff_and_admins_reach_no_victims_page(client, login, world, role):
    save_secret(world)
    login(getattr(world, role))
    ref = world.victim.ref
    for path in (
        "/victims/",
        f"/victims/{ref}",
        f"/victims/{ref}/contact-preferences",
        f"/victims/{ref}/contacts/new",
        f"/victims/{ref}/dash/new",
        "/hidden-harm",
        "/victims/hub",
        "/victims/feedback",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert leaked(response.get_data(as_text=True)) == []


def test_a_person_never_recorded_as_a_victim_has_no_victim_page(client, login, world):
    login(world.sup)
    assert client.get(f"/victims/{world.perp.ref}").status_code == 404
    assert client.get("/victims/NOBODY").status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"channels": []}, "channels", "Choose at least one safe way"),
        ({"channels": ["carrier_pigeon"]}, "channels", "Choose the safe ways to contact them from the list"),
        ({"safe_phone": ""}, "safe_phone", "Enter the safe phone number for calls or texts"),
        ({"safe_phone": "call me"}, "safe_phone", "Enter a phone number in digits"),
        ({"safe_email": "not-an-email"}, "safe_email", "Enter an email address like"),
        ({"safe_word": "x" * 5001}, "safe_word", "5000 characters or fewer"),
    ],
)
def test_bad_preferences_are_refused_and_nothing_is_written(client, login, world, change, field, message):
    login(world.pc)
    response = client.post(f"/victims/{world.victim.ref}/contact-preferences", data=preferences_form(**change))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(ContactPreferences) == 0


def test_a_stale_preferences_form_is_a_conflict(client, login, world):
    save_secret(world)
    login(world.pc)
    response = client.post(
        f"/victims/{world.victim.ref}/contact-preferences", data=preferences_form(safe_times="Evenings", version_id="0")
    )
    assert response.status_code == 409 and "Someone else saved" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(ContactPreferences)).one().safe_times == SECRET["safe_times"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contacted_at": (TODAY + timedelta(days=2)).isoformat() + "T10:00"}, "cannot be in the future"),
        ({"contacted_at": "yesterday"}, "Enter a real date and time"),
        ({"contacted_at": ""}, "Enter the date and time of the contact"),
        ({"channel": "fax"}, "Choose how from the list"),
        ({"outcome": ""}, "Choose what came of the contact"),
    ],
)
def test_bad_contacts_are_refused(client, login, world, change, message):
    login(world.pc)
    data = {"contacted_at": f"{TODAY.isoformat()}T00:01", "channel": "phone", "outcome": "spoken_to"} | change
    response = client.post(f"/victims/{world.victim.ref}/contacts/new", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(VictimContact) == 0


def test_no_victim_contact_detail_reaches_the_perpetrators_tasking_pack(client, login, world):
    """The pack prints the perpetrator's orders, tasks and levers; the protected victim's contact
    preferences, log and safety plan are never among them."""
    save_secret(world)
    make_event(world.perp, make_person("V555"), TODAY - timedelta(days=5), "abh")
    make_order(
        world.perp, world.victim, ref="NMO/9", starts_on=TODAY - timedelta(days=20), ends_on=TODAY + timedelta(days=3)
    )
    protection.raise_contact_tasks(TODAY, actor=Actor("scheduler"))
    ranking.run_ranking(TODAY, "manual", actor=Actor("test"))
    meeting = meetings.create_meeting(
        meetings.MeetingInput(held_on=TODAY, title="North PDA tasking", team_id=None, agenda_size=5),
        user=world.sup,
    )
    login(world.sup)
    pack = client.get(f"/meetings/{meeting.id}/pack")
    assert pack.status_code == 200
    text = pack.get_data(as_text=True)
    assert "Dominic ASHWORTH" in text and "NMO/9" in text
    assert leaked(text) == [] and "SP-4411" not in text
    csv = client.get(f"/meetings/{meeting.id}/pack.csv").get_data(as_text=True)
    assert leaked(csv) == [] and "SP-4411" not in csv
