"""Relationships between persons: recorded with dates, source and grading (3x5x2) and a shared
address, corrected with conflicts caught, and the new partner recorded from intelligence who becomes a
Right-to-Know candidate before any event against her."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.base import today
from app.extensions import db
from app.offenders.models import Address, PersonLink
from tests.factories import compute_network_findings, count, make_clare_case, make_event, make_person

TODAY = today()


@pytest.fixture
def people(app, make_user):
    return {
        "sup": make_user("sgt.reyes", "supervisor", team="North PDA"),
        "pc": make_user("pc.okafor", "officer", team="North PDA"),
        "perp": make_person("K1", surname="Ashdown", forenames="Kit"),
        "ex": make_person("K2", surname="Earlier", forenames="Eve"),
        "new": make_person("K3", surname="Newpartner", forenames="Nina"),
    }


def form(**overrides):
    data = {
        "other_ref": "K3",
        "relationship_type": "partner",
        "since": (TODAY - timedelta(days=30)).isoformat(),
        "until": "",
        "source": "intelligence_report",
        "source_grade": "2",
        "intelligence_grade": "B",
        "handling_code": "P",
        "note": "Seen leaving her flat most mornings.",
        "shared_address": "",
        "shared_postcode": "",
    }
    return data | overrides


def test_a_relationship_is_recorded_with_its_grading_and_a_shared_address(client, login, people):
    login(people["pc"])
    assert client.get("/persons/K1/relationships/new").status_code == 200
    response = client.post(
        "/persons/K1/relationships/new", data=form(shared_address="4 Quarry Hill, Harbour", shared_postcode="ZZ1 1ZZ")
    )
    assert response.status_code == 302
    link = db.session.scalars(sa.select(PersonLink)).one()
    assert (link.person_a_id, link.person_b_id, link.relationship_type) == (
        people["perp"].id,
        people["new"].id,
        "partner",
    )
    assert (link.source, link.source_grade, link.intelligence_grade, link.handling_code) == (
        "intelligence_report",
        "2",
        "B",
        "P",
    )
    assert link.recorded_by_id == people["pc"].id
    addresses = db.session.scalars(sa.select(Address).order_by(Address.person_id)).all()
    assert [(a.person_id, a.text, a.from_date) for a in addresses] == [
        (people["perp"].id, "4 Quarry Hill, Harbour", TODAY - timedelta(days=30)),
        (people["new"].id, "4 Quarry Hill, Harbour", TODAY - timedelta(days=30)),
    ]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "person_link"))
    assert entry.data["after"]["intelligence_grade"] == "B" and entry.data["shared_address"] is True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"other_ref": "NOPE"}, "No person has the reference NOPE"),
        ({"other_ref": "K1"}, "between two different persons"),
        ({"relationship_type": ""}, "Choose the relationship"),
        ({"relationship_type": "lodger"}, "Choose a relationship from the list"),
        ({"since": (TODAY + timedelta(days=1)).isoformat()}, "cannot be in the future"),
        ({"until": (TODAY - timedelta(days=40)).isoformat()}, "cannot end before it started"),
        ({"source": ""}, "Choose where this came from"),
        ({"source_grade": "", "intelligence_grade": ""}, "Grade the intelligence"),
        ({"intelligence_grade": "Z"}, "Choose the intelligence grade from the list"),
        ({"shared_address": "", "shared_postcode": "ZZ1 1ZZ"}, "Enter the shared address"),
    ],
)
def test_bad_relationships_are_refused_and_nothing_is_written(client, login, people, change, message):
    login(people["pc"])
    response = client.post("/persons/K1/relationships/new", data=form(**change))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(PersonLink) == 0 and count(Address) == 0


def test_the_same_relationship_recorded_from_either_person_is_refused(client, login, people):
    login(people["pc"])
    client.post("/persons/K1/relationships/new", data=form())
    again = client.post("/persons/K3/relationships/new", data=form(other_ref="K1"))
    assert again.status_code == 400 and "already recorded" in again.get_data(as_text=True)
    assert count(PersonLink) == 1


def test_a_relationship_is_corrected_and_a_stale_form_is_a_conflict(client, login, people):
    login(people["pc"])
    client.post("/persons/K1/relationships/new", data=form())
    link = db.session.scalars(sa.select(PersonLink)).one()
    ended = (TODAY - timedelta(days=2)).isoformat()
    response = client.post(
        f"/persons/K3/relationships/{link.id}/edit",
        data=form(relationship_type="ex_partner", until=ended, version_id="1"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (link.relationship_type, link.until, link.version_id) == ("ex_partner", TODAY - timedelta(days=2), 2)
    stale = client.post(f"/persons/K1/relationships/{link.id}/edit", data=form(note="Old news", version_id="1"))
    assert stale.status_code == 409
    assert client.get(f"/persons/K2/relationships/{link.id}/edit").status_code == 404  # not one of hers


def test_a_new_partner_recorded_from_intelligence_is_a_right_to_know_candidate_before_any_event(
    app, client, login, people
):
    make_event(people["perp"], people["ex"], TODAY - timedelta(days=400), "abh", relationship_type="partner")
    compute_network_findings()  # the nightly job; recording the relationship then updates the findings at once
    login(people["sup"])
    before = client.get("/persons/network/right-to-know?within=all").get_data(as_text=True)
    assert "0 candidates" in before
    client.post("/persons/K1/relationships/new", data=form())
    page = client.get("/persons/network/right-to-know").get_data(as_text=True)
    table = page.split('id="candidates"', 1)[1]
    assert "1 candidate" in page and "Nina NEWPARTNER" in table and "Eve EARLIER" in table
    assert "No event against them yet" in table and "from a recorded relationship" in table
    assert "graded 2BP" in table and "source: intelligence report" in table
    assert "assault occasioning actual bodily harm" in table and "1 earlier event, 365 harm days" in table
    # The Clare's Law page offers a Right to Know case, and once open shows it.
    hub_page = client.get("/referrals/clares-law/right-to-know").get_data(as_text=True)
    assert "Open a Right to Know case" in hub_page and "Nina NEWPARTNER" in hub_page
    case = make_clare_case(people["perp"], people["new"], application_on=TODAY)
    page = client.get("/persons/network/right-to-know").get_data(as_text=True)
    assert f'href="/referrals/clares-law/{case.ref}"' in page and "(open)" in page


def test_a_partner_who_came_after_an_earlier_victim_is_listed_though_the_latest_event_is_against_the_ex(
    client, login, people
):
    # He assaulted a new partner, then breached an order protecting his ex: both on the register.
    make_event(people["perp"], people["ex"], TODAY - timedelta(days=500), "abh")
    make_event(people["perp"], people["new"], TODAY - timedelta(days=60), "common_assault")
    make_event(
        people["perp"], people["ex"], TODAY - timedelta(days=5), "breach_criminal_order", relationship_type="ex_partner"
    )
    compute_network_findings()  # the pages read the stored findings
    login(people["sup"])
    page = client.get("/persons/network/right-to-know?within=3").get_data(as_text=True)
    table = page.split('id="candidates"', 1)[1]
    assert "Nina NEWPARTNER" in table and "first harmed on that day" in table
