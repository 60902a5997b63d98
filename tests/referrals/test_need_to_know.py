"""Need to know for referral staff: on every page and API route they can reach, no lever, no
intelligence, no victim's name, no address, no network picture and no victim's contact details.
Admins: no victims page, and no victim's contact details anywhere they can reach.

The dataset has all of those, with distinctive invented words, and the tests walk every GET route
in the URL map (built with every reference the dataset holds) as a referral user and as an admin.
"""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.services import Actor
from app.auth.services import issue_token
from app.base import today, utcnow
from app.catalogue import LeverType
from app.extensions import db
from app.offenders.models import Address, PersonLink
from app.orders.breaches.services import BreachReport, log_breach
from app.ranking.services import run_ranking
from app.referrals.programmes import people, services
from app.victims.contacts import services as contacts
from app.victims.dash import services as dash
from app.victims.dash.questions import DASH_QUESTIONS
from app.victims.feedback import services as feedback
from app.victims.hub import services as hub
from app.victims.idva import services as idva
from app.victims.visits import services as visits
from tests.factories import (
    make_clare_case,
    make_event,
    make_forum_referral,
    make_lever,
    make_order,
    make_person,
    make_referral,
)

# Words that must never reach a referral user. Compared in lower case.
VICTIM_WORDS = ["zephyrine", "oddington", "philippa", "wrexcombe"]
# Ignatius Hollowbrook harmed the perpetrator Bartholomew Quenby: each is a perpetrator with a page of
# his own, but on Hollowbrook's pages Quenby is his victim, and on Quenby's Hollowbrook is nobody.
HARMER_WORDS = ["ignatius", "hollowbrook"]
PERPETRATOR_WORDS = ["bartholomew", "quenby"]
ADDRESS_WORDS = ["wisteria", "zz9 4qx", "larkspur"]
LEVER_DETAIL_WORDS = ["shotgun kept at", "dealing from"]
NARRATIVE_WORDS = ["climbed the garden fence"]
# A victim's contact preferences and log (the victims part): never to referral staff or admins.
CONTACT_WORDS = ["07700 900461", "hideaway.marigold", "quillfeather", "pomegranate-lantern", "sp-77215"]


@pytest.fixture
def dataset(app, make_user):
    t = today()
    perp = make_person("NK-PERP", forenames="Bartholomew", surname="Quenby")
    v1 = make_person("NK-V1", forenames="Zephyrine", surname="Oddington")
    v2 = make_person("NK-V2", forenames="Philippa", surname="Wrexcombe")
    # The perpetrator is also harmed by someone: that other perpetrator must not appear either.
    other = make_person("NK-OTHER", forenames="Ignatius", surname="Hollowbrook")
    for person in (perp, v1, v2, other):
        db.session.add(Address(person_id=person.id, text="17 Wisteria Crescent, Larkspur", postcode="ZZ9 4QX"))
    db.session.commit()
    make_event(perp, v1, t - timedelta(days=300), "abh", dash_risk="high", narrative="He climbed the garden fence")
    make_event(perp, v2, t - timedelta(days=40), "coercive_control", relationship_type="ex_partner")
    make_event(perp, v2, t - timedelta(days=10), "harassment")
    make_event(other, perp, t - timedelta(days=90), "common_assault", relationship_type="family")
    db.session.add(PersonLink(person_a_id=perp.id, person_b_id=v2.id, relationship_type="partner"))
    db.session.commit()
    make_lever(perp, "firearms_certificate", t - timedelta(days=60), detail="Shotgun kept at Larkspur farm")
    make_lever(perp, "drugs_intelligence", t - timedelta(days=30), detail="Dealing from the Wisteria flats")
    order = make_order(perp, v1, starts_on=t - timedelta(days=200), ends_on=t + timedelta(days=100))
    officer = make_user("nk-officer", "officer")
    logged = log_breach(
        order,
        BreachReport(
            occurred_at=datetime.now(UTC) - timedelta(hours=3),
            conditions=[1],
            narrative="He climbed the garden fence at Wisteria Crescent",
            arrested=False,
        ),
        user=officer,
    )
    run_ranking(t, "manual", actor=Actor("test"))
    referral = make_referral(perp, "started")
    services.add_attendance(referral, session_on=t, attendance="attended", note="Engaged well", actor=Actor("t"))
    forum = make_forum_referral("marac", at_risk=v1, perpetrator=perp)
    case = make_clare_case(perp, v2, application_on=t - timedelta(days=40))
    victims = victims_records(v1, perp, officer)
    return victims | {
        "perp": perp,
        "victims": [v1, v2],
        "other": other,
        "order": order,
        "breach": logged.breach,
        "referral": referral,
        "forum": forum,
        "case": case,
    }


def victims_records(victim, perp, officer) -> dict:
    """Every kind of victims' record about the first victim, through the victims' services."""
    actor, t = Actor.of(officer), today()
    contacts.save_preferences(
        victim,
        contacts.PreferencesInput(
            channels=["text", "email"],
            safe_phone="07700 900461",
            safe_email="hideaway.marigold@example.org",
            safe_times="Tuesdays at the Quillfeather clinic",
            no_messages=True,
            safe_word="Say pomegranate-lantern if he is there",
            safety_plan_ref="SP-77215",
        ),
        expected_version=0,
        actor=actor,
    )
    contacts.log_contact(
        victim,
        contacts.ContactInput(utcnow() - timedelta(hours=1), "text", "spoken_to", "Use pomegranate-lantern"),
        actor=actor,
    )
    answers = {n: ("yes" if n <= 15 else "no") for n in DASH_QUESTIONS}
    assessment = dash.record_assessment(victim, dash.DashInput(assessed_on=t, answers=answers), actor=actor)
    referral = idva.refer(
        victim, idva.ReferralInput(referred_on=t, service="County IDVA", risk_level="high", consent=True), actor=actor
    )
    yes_no = dict.fromkeys(("children_present", "perpetrator_present", "injuries_seen", "arrest_made"), False)
    visit = visits.record_visit(
        victim,
        visits.VisitInput(
            kind="hidden_harm",
            visited_at=utcnow() - timedelta(hours=2),
            seen_alone=True,
            dash_done=False,
            idva_offered=False,
            safety_advice_given=True,
            **yes_no,
        ),
        actor=actor,
        officer="PC Test",
    )
    response = hub.record_response(
        hub.HubInput(
            person_ref=victim.ref,
            call_received_at=utcnow() - timedelta(hours=3),
            contact_made_at=utcnow() - timedelta(hours=2),
            channel="video",
            consent=True,
            crime_recorded=False,
            safeguarding_done=True,
            signposting_done=False,
            outcome="resolved",
        ),
        actor=actor,
    )
    feedback.record_feedback(
        victim,
        feedback.FeedbackInput(True, t - timedelta(days=5), t, "yes", "yes", "yes", "Quillfeather was kind"),
        actor=actor,
    )
    return {"assessment": assessment, "idva": referral, "visit": visit, "hub": response}


def forbidden_words() -> list[str]:
    labels = [label.lower() for label in db.session.scalars(sa.select(LeverType.label))]
    codes = list(db.session.scalars(sa.select(LeverType.code)))
    return VICTIM_WORDS + ADDRESS_WORDS + LEVER_DETAIL_WORDS + NARRATIVE_WORDS + CONTACT_WORDS + labels + codes


def leaks(text: str, *, about_the_harmer: bool = False, interface_description: bool = False) -> list[str]:
    low = text.lower()
    words = forbidden_words() + (PERPETRATOR_WORDS if about_the_harmer else HARMER_WORDS)
    if interface_description:
        # The OpenAPI document names the `levers` field of a ranked object, with an example: it
        # describes the interface and holds nobody's data. Everything about the dataset still counts.
        words = [
            w for w in words if w in VICTIM_WORDS + ADDRESS_WORDS + LEVER_DETAIL_WORDS + NARRATIVE_WORDS + CONTACT_WORDS
        ]
    found = [w for w in words if w in low]
    if not interface_description and re.search(r"\blevers?\b", low):
        found.append("the word lever")
    if "<svg" in low:
        found.append("an SVG picture (the network)")
    if 'id="network' in low:
        found.append("the network section")
    return found


def candidate_urls(app, data) -> list[tuple[str, str]]:
    """(endpoint, path) for every GET route, each argument filled with every value of the dataset."""
    refs = [
        data["perp"].ref,
        *(v.ref for v in data["victims"]),
        data["other"].ref,
        data["order"].ref,
        data["breach"].ref,
        data["referral"].ref,
        data["forum"].ref,
        data["case"].ref,
        data["assessment"].ref,
        data["idva"].ref,
        data["visit"].ref,
        data["hub"].ref,
        "firearms_certificate",
    ]
    ids = [1, 2, 3]
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "bootstrap.static"):
            continue
        names = sorted(rule.arguments)
        choices = [ids if type(rule._converters[name]).__name__ == "IntegerConverter" else refs for name in names]
        for combo in itertools.product(*choices):
            _, path = rule.build(dict(zip(names, combo, strict=True)))
            urls.append((rule.endpoint, path))
    # Searches and filters that could pull in other persons.
    for q in ("zephyrine", "oddington", "wrexcombe", "hollowbrook", "quenby", "NK-V1"):
        urls.append(("referrals.persons", f"/referrals/persons/?q={q}"))
    urls.append(("referrals.index", "/referrals/?state=started"))
    return urls


def test_no_page_or_api_route_a_referral_user_reaches_shows_levers_victims_addresses_or_the_network(
    app, client, make_user, login, dataset
):
    user = make_user("nk-referral", "referral")
    login(user)
    token = issue_token(user.username, actor=Actor("test"))
    reached, refused = set(), set()
    for endpoint, path in candidate_urls(app, dataset):
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 302, 400, 403, 404), f"{path}: {response.status_code}"
        if response.status_code == 403:
            refused.add(endpoint)
            continue
        if response.status_code != 200:
            continue
        reached.add(endpoint)
        about_the_harmer = "NK-OTHER" in path or "hollowbrook" in path
        if about_the_harmer and endpoint == "referrals.persons":
            about_the_harmer = False  # a search result lists only the perpetrator found
            assert "hollowbrook" in response.get_data(as_text=True).lower()
            continue
        text = response.get_data(as_text=True)
        if "?q=" in path:
            typed = path.split("?q=", 1)[1]
            text = text.replace(f'value="{typed}"', "")  # the search box shows what the user typed
            if typed.lower() in VICTIM_WORDS:
                assert "0 perpetrators found." in text
        found = leaks(
            text,
            about_the_harmer=about_the_harmer,
            interface_description=endpoint == "api.openapi",
        )
        assert not found, f"{path} shows {found}"
    # The walk did reach the referral pages with the dataset in them, and the register stayed shut.
    assert {
        "referrals.index",
        "referrals.suggested",
        "referrals.persons",
        "referrals.person",
        "referrals.view",
        "main.index",
    } <= reached
    assert {"profile.person", "profile.index", "ranking.targets", "orders.view", "api.targets"} & refused
    assert "profile.person" in refused and "referrals.forum_referral" in refused and "referrals.clare_case" in refused
    # Not one victims page: the victim page, contact forms, DASH, IDVA, visits, Hub and feedback.
    victims_pages = {e for e, _ in candidate_urls(app, dataset) if e.startswith("victims.")}
    assert victims_pages and victims_pages <= refused and not victims_pages & reached


def test_no_page_an_admin_reaches_shows_a_victims_contact_details_and_no_victims_page_opens(
    app, client, make_user, login, dataset
):
    user = make_user("nk-admin", "admin")
    login(user)
    token = issue_token(user.username, actor=Actor("test"))
    reached, refused = set(), set()
    for endpoint, path in candidate_urls(app, dataset):
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 302, 400, 403, 404), f"{path}: {response.status_code}"
        if response.status_code == 403:
            refused.add(endpoint)
        elif response.status_code == 200:
            reached.add(endpoint)
            low = response.get_data(as_text=True).lower()
            assert [w for w in CONTACT_WORDS if w in low] == [], path
    assert {"audit.index", "auth.users"} <= reached  # the walk did reach the admin's own pages
    victims_pages = {e for e, _ in candidate_urls(app, dataset) if e.startswith("victims.")}
    assert victims_pages and victims_pages <= refused
    assert {"profile.person", "referrals.clare_case", "offenders.new_relationship"} <= refused


def test_the_pages_reached_do_show_the_perpetrator_and_the_referral(client, make_user, login, dataset):
    login(make_user("nk-referral2", "referral"))
    perp, referral = dataset["perp"], dataset["referral"]
    page = client.get(f"/referrals/persons/{perp.ref}").get_data(as_text=True)
    assert "Bartholomew QUENBY" in page and perp.ref in page
    assert "Victim 1 (a partner)" in page and "Victim 2 (an ex-partner)" in page
    assert "Assault occasioning actual bodily harm" in page and "Controlling or coercive behaviour" in page
    assert "Breach of an order" in page  # the breach is an offence; its narrative is not shown
    assert "Serial perpetrator" in page
    assert referral.ref in page
    detail = client.get(f"/referrals/programme/{referral.ref}").get_data(as_text=True)
    assert "Engaged well" in detail and "Started" in detail


def test_error_pages_of_the_referral_forms_do_not_leak_either(client, make_user, login, dataset):
    login(make_user("nk-referral3", "referral"))
    referral = dataset["referral"]
    for path, data in (
        (f"/referrals/programme/{referral.ref}/move", {"to_state": "completed", "moved_on": "bad", "version_id": "1"}),
        (f"/referrals/programme/{referral.ref}/move", {"to_state": "referred", "moved_on": today().isoformat()}),
        (f"/referrals/programme/{referral.ref}/attendance", {"attendance": "nope"}),
        (f"/referrals/persons/{dataset['perp'].ref}/identify", {"note": ""}),
    ):
        response = client.post(path, data=data)
        assert response.status_code in (400, 409)
        assert not leaks(response.get_data(as_text=True)), path


def test_referral_staff_cannot_reach_the_targets_api_or_the_breaches(client, make_user, dataset):
    make_user("nk-api", "referral")
    token = issue_token("nk-api", actor=Actor("test"))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/targets", headers=headers).status_code == 403
    response = client.post("/api/v1/breaches", headers=headers, json={"order_ref": dataset["order"].ref})
    assert response.status_code == 403


def test_referral_staff_cannot_open_breach_or_order_pages(client, make_user, login, dataset):
    login(make_user("nk-web", "referral"))
    for path in (
        f"/orders/{dataset['order'].ref}",
        f"/orders/breaches/{dataset['breach'].ref}",
        "/orders/log-breach",
        f"/persons/{dataset['perp'].ref}",
        "/persons/network/right-to-know",
    ):
        assert client.get(path).status_code == 403, path


def test_a_person_who_is_only_a_victim_has_no_referral_page(client, make_user, login, dataset):
    login(make_user("nk-web2", "referral"))
    for victim in dataset["victims"]:
        assert client.get(f"/referrals/persons/{victim.ref}").status_code == 404
    found = client.get("/referrals/persons/?q=oddington").get_data(as_text=True)
    assert "0 perpetrators found." in found


def test_the_view_masks_victims_for_referral_staff_and_names_them_for_full_readers(app, dataset):
    perp = dataset["perp"]
    masked = people.person_view(perp, {"referral"})
    assert masked.masked and masked.victims == 2
    assert [o.victim for o in masked.offences][-1] == "Victim 1 (a partner)"
    assert all("Oddington" not in o.victim.title() and "Wrexcombe" not in o.victim.title() for o in masked.offences)
    full = people.person_view(perp, {"referral", "supervisor"})
    assert not full.masked and any("ODDINGTON" in o.victim for o in full.offences)
    # Only events as a suspect: the event in which the perpetrator was harmed is not there.
    assert all("HOLLOWBROOK" not in o.victim for o in full.offences) and len(full.offences) == 4
    # Flags about programmes only: never levers, orders or breaches.
    assert set(masked.flags) <= set(services.PROGRAMME_FLAGS.values())
    with pytest.raises(services.NotVisible):
        people.person_view(dataset["victims"][0], {"referral"})
