"""Browser journey in headless Chromium: search a person, open the profile, follow the network."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.base import today
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import make_event, make_person

pytestmark = pytest.mark.browser


def _network():
    kit = make_person("JR1", surname="Ashdown", forenames="Kit")
    lou = make_person("JR2", surname="Brill", forenames="Lou")
    sam = make_person("JR3", surname="Corran", forenames="Sam")
    vic = make_person("JR4", surname="Dunmore", forenames="Vic")
    make_event(kit, lou, today() - timedelta(days=400), offence="abh")
    make_event(kit, sam, today() - timedelta(days=20), offence="coercive_control")
    make_event(vic, sam, today() - timedelta(days=10))


def test_search_open_profile_and_follow_the_network(page: Page, live_server, make_user):
    make_user("rhea", "officer")
    _network()
    sign_in(page, live_server, "rhea")
    page.get_by_role("link", name="Persons").first.click()
    page.get_by_label("Name, alias, reference or PNC ID").fill("ashdown")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("Showing 1–1 of 1 person")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Kit ASHDOWN").click()
    expect(page.get_by_role("heading", name="Kit ASHDOWN")).to_be_visible()
    picture = page.locator("#network-picture")
    expect(picture).to_be_visible()
    expect(picture.locator("a.net-link")).to_have_count(3)  # Lou and Sam, and Vic through Sam
    assert serious_accessibility_violations(page) == []

    picture.locator('a[data-ref="JR4"]').click()  # a person two steps away
    expect(page).to_have_url(live_server + "/persons/JR4")
    expect(page.get_by_role("heading", name="Vic DUNMORE")).to_be_visible()
    expect(page.locator("#network-picture a.net-link")).to_have_count(2)  # Sam, and Kit through Sam


def test_register_pages_fit_a_phone(page: Page, live_server, make_user):
    make_user("saul", "supervisor")
    _network()
    sign_in(page, live_server, "saul")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/persons/?q=a", "/persons/JR1", "/persons/JR1/edit", "/persons/network/right-to-know"):
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
        main = page.evaluate("document.querySelector('main').scrollWidth - document.querySelector('main').clientWidth")
        assert main <= 0, f"the main content of {path} overflows by {main}px"
    page.goto(live_server + "/persons/JR1")
    box = page.locator("#network-picture").bounding_box()
    assert box is not None and box["width"] <= 390
