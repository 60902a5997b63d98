"""Browser journey in headless Chromium: sign in, land on the home page, sign out."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_home_and_sign_out(page: Page, live_server, make_user):
    make_user("tamsin", "supervisor", "analyst")
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=/")  # anonymous users are sent to sign in
    assert serious_accessibility_violations(page) == []

    sign_in(page, live_server, "tamsin")
    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_role("heading", name="Welcome, tamsin")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log").first).to_be_visible()  # on the home page
    page.get_by_role("button", name="Admin").click()  # the grouped menu opens
    expect(page.locator(".dropdown-menu.show").get_by_role("link", name="Audit log")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=/")


def test_wrong_password_shows_the_error_summary(page: Page, live_server, make_user):
    make_user("ulla", "officer")
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("ulla")
    page.get_by_label("Password").fill("not it")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The username or password is not right.")
    assert serious_accessibility_violations(page) == []


def test_home_page_fits_a_phone(page: Page, live_server, make_user):
    make_user("vera", "officer")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # On a phone the menu is collapsed behind a toggler that works without inline script.
    toggler = page.get_by_role("button", name="Show or hide the menu")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    toggler.click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
