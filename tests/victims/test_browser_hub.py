"""Browser journey on a 390-px phone: a DA Hub officer records a virtual response, is stopped when the
video response has no consent, records the consent, and sees the response with its time to contact;
then opens the victim's page, where the response is listed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.base import local_today
from app.extensions import db
from app.victims.hub.models import HubResponse
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import count, make_event, make_person

pytestmark = pytest.mark.browser

TODAY = local_today()
PHONE = {"width": 390, "height": 844}


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_hub_officer_records_a_video_response_on_a_phone(page: Page, live_server, make_user):
    make_user("pc.hub", "officer", team="DA Hub")
    victim = make_person("V700", surname="Marlow", forenames="Tessa", district="Harbour")
    suspect = make_person("S700", surname="Grindle", forenames="Owen")
    make_event(suspect, victim, TODAY - timedelta(days=1), "common_assault", ref="CR/2026/0415", source="manual")
    yesterday = (TODAY - timedelta(days=1)).isoformat()

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "pc.hub")
    page.get_by_role("button", name="Show or hide the menu").click()
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("button", name="Victims").click()
    menu.get_by_role("link", name="DA Hub responses").click()
    expect(page.get_by_role("heading", name="DA Hub responses")).to_be_visible()
    page.get_by_role("link", name="Record a response").click()

    expect(page.get_by_role("heading", name="Record a DA Hub response")).to_be_visible()
    expect(page.locator("#hub-hours")).to_contain_text("08:00 to 22:00, 7 days a week")
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Caller's person reference").fill("V700")
    page.get_by_label("Suspect's person reference (if known)").fill("S700")
    page.get_by_label("When was the call received?").fill(f"{yesterday}T19:05")
    page.get_by_label("When was contact made?").fill(f"{yesterday}T19:26")
    page.get_by_role("group", name="Does the caller consent to a virtual response?").get_by_label("No").check()
    page.get_by_role("group", name="How?").get_by_label("Video").check()
    page.get_by_role("group", name="Evidence captured").get_by_label("Statement").check()
    page.get_by_role("group", name="Evidence captured").get_by_label("Injury images").check()
    page.get_by_role("group", name="Was a crime recorded?").get_by_label("Yes").check()
    page.get_by_label("DA event of the crime (reference)").fill("CR/2026/0415")
    page.get_by_role("group", name="Was safeguarding done?").get_by_label("Yes").check()
    page.get_by_role("group", name="Was the caller signposted to support?").get_by_label("Yes").check()
    page.get_by_label("Signposted to").fill("County IDVA Service")
    page.get_by_role("group", name="Outcome").get_by_label("Resolved by the Hub").check()
    page.get_by_role("button", name="Record the response").click()

    # No consent: no video, and the Hub cannot resolve it. Nothing is written; the entries stay.
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("A video response needs the caller's consent")
    expect(summary).to_contain_text("Without the caller's consent the Hub cannot resolve it")
    assert count(HubResponse) == 0
    expect(page.get_by_label("Caller's person reference")).to_have_value("V700")
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []

    page.get_by_role("group", name="Does the caller consent to a virtual response?").get_by_label("Yes").check()
    page.get_by_role("button", name="Record the response").click()

    expect(page.get_by_role("heading", name="DA Hub response ACH-HUB-")).to_be_visible()
    expect(page.locator("#time-to-contact")).to_contain_text("21 minutes after the call")
    expect(page.locator("#hub-record")).to_contain_text("CR/2026/0415")
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []
    response = db.session.scalars(sa.select(HubResponse)).one()
    assert (response.channel, response.consent, response.minutes_to_contact) == ("video", True, 21)

    page.get_by_role("link", name="Tessa MARLOW").click()
    expect(page.get_by_role("heading", name="Tessa MARLOW")).to_be_visible()
    expect(page.locator("#hub")).to_contain_text("video, contact after 21 min")
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []
