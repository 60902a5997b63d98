"""Helpers for browser journeys: sign in through the real form, and check accessibility with axe-core."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

_axe = Axe()


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The signed-in name is in the collapsed menu on a phone, so check the page instead.
    expect(page).not_to_have_url(re.compile(r"/login"))
    expect(page.locator("#sign-out")).to_be_attached()


def serious_accessibility_violations(page: Page) -> list[str]:
    """axe-core violations of impact serious or critical (WCAG 2.2 AA rules included).

    The page is checked once it has loaded: right after a click that navigates, axe could
    otherwise run on a half-built page without its stylesheet (every link then looks too small).
    """
    page.wait_for_load_state("load")
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]}},
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
