"""The daily loop, walked in a browser: the supervisor raises a warrant task for the top of the
target list; the officer, on a phone, records the arrest; the warrant lever ends and the person is
re-scored at once; the dashboard, the person list and (after the next ranking) the target list
show it. Scores are worked out from DESIGN.md's model v1."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.offenders.levers import services as levers
from app.ranking import services as ranking
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import make_event, make_lever, make_person

pytestmark = pytest.mark.browser

TODAY = local_today()
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def menu(page: Page, section: str, item: str | None = None) -> None:
    nav = page.get_by_role("navigation", name="Main")
    toggler = nav.get_by_role("button", name="Show or hide the menu")
    if toggler.is_visible():
        toggler.click()
    drop_down = nav.get_by_role("button", name=section, exact=True)
    if item is None or not drop_down.count():
        # A section the role reaches one page of is that page's link, named for the section (an
        # officer's "Tasking" is their tasks: the board, meetings and outcomes are supervisors').
        nav.get_by_role("link", name=section, exact=True).click()
    else:
        drop_down.click()
        nav.get_by_role("link", name=item, exact=True).click()


def dashboard_count(page: Page, element_id: str) -> str:
    return page.locator(f"#{element_id} .dash-count").inner_text()


@pytest.fixture
def world(app, make_user):
    make_user("sgt.reyes", "supervisor", team="North PDA")
    make_user("pc.okafor", "officer", team="North PDA")
    top = make_person("P10", surname="Ashworth", forenames="Dominic")
    # ABH 12 days ago and a strangulation 50 days ago, two victims: R 30 + F 10 + G 20 (730 harm
    # days) + V 10 = harm 70; the outstanding warrant adds 25: priority 95.
    make_event(top, make_person("V1", surname="Bellamy", forenames="Freya"), TODAY - timedelta(days=12), "abh")
    make_event(
        top, make_person("V2", surname="Dunmore", forenames="Hazel"), TODAY - timedelta(days=50), "strangulation"
    )
    make_lever(top, "outstanding_warrant", TODAY - timedelta(days=10), detail="Failed to appear")
    second = make_person("P20", surname="Crowther", forenames="Gideon")
    make_event(second, make_person("V3"), TODAY - timedelta(days=90))
    ranking.run_ranking(TODAY, "manual", actor=Actor("test-setup"))
    return top


def test_target_list_to_task_to_outcome_ends_the_lever_and_updates_the_lists(
    page: Page, browser: Browser, live_server, world
):
    # The supervisor: nothing due today yet; the top of the list carries the warrant.
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "sgt.reyes")
    assert dashboard_count(page, "dash-due-today") == "0"
    menu(page, "Targets")
    top_row = page.locator("#target-P10")
    expect(top_row).to_contain_text("Outstanding warrant (25)")
    expect(top_row.locator("td").nth(1)).to_have_text("95")
    top_row.get_by_role("link", name="Raise a task for Dominic ASHWORTH").click()
    page.get_by_label("Type of task").select_option("warrant")
    page.get_by_label("What is to be done").fill("Execute the warrant for Dominic Ashworth")
    page.get_by_label("Officer", exact=True).select_option(label="pc.okafor (North PDA)")
    page.get_by_label("Due date").fill(TODAY.isoformat())
    page.get_by_label("Due time (optional)").fill("23:30")
    page.get_by_role("button", name="Raise the task").click()
    expect(page.get_by_text("Task raised: Execute the warrant for Dominic Ashworth.")).to_be_visible()
    page.goto(live_server + "/")
    assert dashboard_count(page, "dash-due-today") == "1"
    assert serious_accessibility_violations(page) == []

    # The officer, on a phone: the task is due today; recording the arrest says what it will do.
    context = browser.new_context(viewport=DESKTOP)
    phone = context.new_page()
    sign_in(phone, live_server, "pc.okafor")
    phone.set_viewport_size(PHONE)
    assert dashboard_count(phone, "dash-my-due") == "1"
    menu(phone, "Tasking", "My tasks")
    card = phone.locator("#section-today li.task-card")
    expect(card).to_contain_text("Execute the warrant for Dominic Ashworth")
    card.get_by_text("Complete…").click()
    expect(card).to_contain_text("This ends Outstanding warrant if active")
    card.get_by_label("Arrested").check()
    card.get_by_role("button", name="Done").click()
    expect(phone.get_by_text("Outstanding warrant: lever ended; priority 95 → 70.")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_accessibility_violations(phone) == []
    context.close()

    db.session.expire_all()
    assert not levers.latest_lever_record(world, "outstanding_warrant").active

    # The supervisor: the dashboard has nothing due today; the profile and the person list show
    # the new score at once; so does the target list, which is always current (issue 11).
    page.goto(live_server + "/")
    assert dashboard_count(page, "dash-due-today") == "0"
    page.goto(live_server + "/persons/P10")
    expect(page.locator("#priority")).to_have_text("70")
    expect(page.locator("#levers")).not_to_contain_text("Outstanding warrant")
    page.goto(live_server + "/persons/")
    expect(page.locator("tbody tr").first).to_contain_text("Dominic ASHWORTH")
    expect(page.locator("tbody tr").first.locator("td.num").first).to_have_text("70")
    menu(page, "Targets")
    expect(page.locator("#rescored-since")).to_contain_text("Since then 1 person has been re-scored")
    expect(page.locator("#target-P10").locator("td").nth(1)).to_have_text("70")
    page.locator("#rerank").first.click()
    top_row = page.locator("#target-P10")
    expect(top_row.locator("td").nth(1)).to_have_text("70")
    expect(top_row).not_to_contain_text("Outstanding warrant")
    assert serious_accessibility_violations(page) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ranking.ScoreRun)) == 3  # full, re-score, full
