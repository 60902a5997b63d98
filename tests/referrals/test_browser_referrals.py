"""Browser journey: a referral worker signs in, screens a referred perpetrator with the checklist,
accepts and starts the referral, and nowhere in the session sees a lever, a victim's name, an
address or the network. axe-core checks the referral pages."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.audit.services import Actor
from app.base import today
from app.catalogue import LeverType
from app.extensions import db
from app.offenders.models import Address, PersonLink
from app.ranking.services import run_ranking
from app.referrals.programmes.models import SCREENING_ITEMS, ProgrammeReferral
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import compute_network_findings, make_event, make_lever, make_person, make_referral

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SECRET_WORDS = ["marigold", "thistlewood", "saffron", "pennycress", "quince lane", "zz7 3wb", "kept in the loft"]


@pytest.fixture
def dataset(app, make_user):
    t = today()
    perp = make_person("BR-PERP", forenames="Cornelius", surname="Fairweather")
    v1 = make_person("BR-V1", forenames="Marigold", surname="Thistlewood")
    v2 = make_person("BR-V2", forenames="Saffron", surname="Pennycress")
    for person in (perp, v1, v2):
        db.session.add(Address(person_id=person.id, text="4 Quince Lane", postcode="ZZ7 3WB"))
    db.session.add(PersonLink(person_a_id=perp.id, person_b_id=v2.id, relationship_type="partner"))
    db.session.commit()
    make_event(perp, v1, t - timedelta(days=250), "abh", dash_risk="high")
    make_event(perp, v2, t - timedelta(days=30), "coercive_control", relationship_type="ex_partner")
    make_lever(perp, "firearms_certificate", t - timedelta(days=20), detail="Shotgun kept in the loft")
    # A second serial perpetrator, never referred: a suggested candidate.
    other = make_person("BR-OTHER", forenames="Ambrose", surname="Kittering")
    make_event(other, v1, t - timedelta(days=90))
    make_event(other, v2, t - timedelta(days=60))
    run_ranking(t, "manual", actor=Actor("test"))
    compute_network_findings()  # the Right to Know candidates are the stored network findings
    referral = make_referral(perp, "referred", programme="drive")
    make_user("rhian", "referral")
    return {"referral": referral, "perp": perp}


def check_nothing_secret(page: Page) -> None:
    text = page.inner_text("body").lower()
    html = page.content().lower()
    labels = [label.lower() for label in db.session.scalars(sa.select(LeverType.label))]
    seen = [w for w in SECRET_WORDS + labels if w in text]
    assert not seen, f"{page.url} shows {seen}"
    assert not re.search(r"\blevers?\b", text), f"{page.url} mentions levers"
    assert "<svg" not in html, f"{page.url} has a picture (the network)"


def test_a_referral_worker_moves_a_referral_from_referred_to_started(page: Page, live_server, dataset):
    referral = dataset["referral"]
    sign_in(page, live_server, "rhian")
    check_nothing_secret(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    expect(page.get_by_role("heading", name="Programme referrals")).to_be_visible()
    expect(page.locator("#referral-count")).to_have_text("1 referral found.")
    check_nothing_secret(page)
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name=referral.ref).click()
    expect(page.get_by_role("heading", name=re.compile(f"Referral {referral.ref}"))).to_contain_text("Referred")
    expect(page.locator("#referral-programme")).to_have_text("Drive")
    check_nothing_secret(page)
    assert serious_accessibility_violations(page) == []

    # Screening: every checklist item answered, then saved.
    form = page.locator("#screening-form")
    for label in SCREENING_ITEMS.values():
        answer = "Not applicable" if label.startswith("Willingness") else "Yes"
        form.get_by_role("group", name=label).get_by_label(answer, exact=True).check()
    form.get_by_label("Screening notes").fill("Suitable for one-to-one case management.")
    form.get_by_role("button", name="Save the screening").click()
    expect(page.get_by_role("status")).to_contain_text("is now screened")
    expect(page.locator("#screening")).to_contain_text("Not applicable")
    check_nothing_secret(page)
    assert serious_accessibility_violations(page) == []

    # Accepted, then started.
    for state in ("Accepted", "Started"):
        move = page.locator("#move-form")
        move.get_by_role("group", name="Move the referral to").get_by_label(state, exact=True).check()
        move.get_by_role("button", name="Save the move").click()
        expect(page.get_by_role("status")).to_contain_text(f"is now {state.lower()}")
        check_nothing_secret(page)

    # A session noted, on a phone.
    page.set_viewport_size(PHONE)
    attendance = page.locator("#attendance-form")
    attendance.get_by_role("group", name="Attendance").get_by_label("Attended", exact=True).check()
    attendance.get_by_label("Note").fill("First session; engaged.")
    attendance.get_by_role("button", name="Save the note").click()
    expect(page.locator("#attendance-notes")).to_contain_text("First session; engaged.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_nothing_secret(page)
    assert serious_accessibility_violations(page) == []

    db.session.expire_all()
    moves = [m.to_state for m in db.session.get(ProgrammeReferral, referral.id).moves]
    assert moves == ["identified", "referred", "screened", "accepted", "started"]

    # The person's referral view: identity and offences, victims as "Victim 1", no picture.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#referral-person").click()
    expect(page.get_by_role("heading", name="Cornelius FAIRWEATHER")).to_be_visible()
    expect(page.locator("#offences")).to_contain_text("Victim 1 (a partner)")
    expect(page.locator("#offences")).to_contain_text("Victim 2 (an ex-partner)")
    check_nothing_secret(page)
    assert serious_accessibility_violations(page) == []

    # Suggested candidates, and finding a perpetrator by name.
    page.get_by_role("navigation", name="Referrals").get_by_role("link", name="Suggested candidates").click()
    expect(page.locator("#suggestions")).to_contain_text("Ambrose KITTERING")
    check_nothing_secret(page)
    assert serious_accessibility_violations(page) == []
    page.get_by_role("navigation", name="Referrals").get_by_role("link", name="Find a perpetrator").click()
    page.get_by_label("Name or person reference").fill("thistlewood")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#person-count")).to_have_text("0 perpetrators found.")
    page.get_by_label("Name or person reference").fill("")
    check_nothing_secret(page)
    assert serious_accessibility_violations(page) == []


def test_the_supervisors_forum_and_clares_law_pages_are_accessible(page: Page, live_server, make_user, dataset):
    make_user("sgt.hale", "supervisor")
    perp = dataset["perp"]
    sign_in(page, live_server, "sgt.hale")

    # MARAC: suggestions, then a referral with the criterion the rules suggest.
    page.goto(live_server + "/referrals/forums/marac-suggestions")
    expect(page.locator("#marac-suggestions")).to_contain_text("Visible high risk")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Refer Marigold THISTLEWOOD to MARAC").click()
    expect(page.locator("#marac-rules")).to_contain_text("was graded DASH high risk")
    expect(page.get_by_role("group", name="MARAC criterion").get_by_label("Visible high risk")).to_be_checked()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Perpetrator (person reference)").fill(perp.ref)
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator("#criterion")).to_have_text("Visible high risk")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("navigation", name="Referrals").get_by_role("link", name="Forum referrals").click()
    expect(page.locator("#forum-count")).to_have_text("1 referral found.")
    assert serious_accessibility_violations(page) == []

    # Clare's Law: a Right to Know case raised from the new-partner candidates.
    page.get_by_role("navigation", name="Referrals").get_by_role("link", name="Right to Know candidates").click()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name=re.compile("Open a Right to Know case about Ambrose KITTERING")).click()
    expect(page.locator("#clock")).to_contain_text("Day 0 of 28")
    assert serious_accessibility_violations(page) == []
    decision = page.locator("#decision-form")
    decision.get_by_role("group", name="Decision").get_by_label("Disclose", exact=True).check()
    decision.get_by_label("Rationale (lawful, necessary and proportionate)").fill("Serial pattern against partners.")
    decision.get_by_role("button", name="Record the decision").click()
    disclosure = page.locator("#disclosure-form")
    disclosure.get_by_label("Disclosed to (name and role)").fill("The new partner, in person")
    disclosure.get_by_label("What was disclosed").fill("A history of violence against two former partners.")
    disclosure.get_by_role("button", name="Record the disclosure").click()
    expect(page.locator("#closure")).to_contain_text("Disclosure made")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("navigation", name="Referrals").get_by_role("link", name="Clare's Law cases").click()
    expect(page.locator("#case-count")).to_have_text("1 case found.")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Open a case").click()
    expect(page).to_have_url(re.compile(r"/referrals/clares-law/new"))
    assert serious_accessibility_violations(page) == []
