"""Browser journeys for tasking: a supervisor raises a task for the top of the target list for an
officer; the officer completes it on a phone with an outcome; the supervisor sees it done on the
board and counted on the outcomes page. And the tasking pack prints one person per page."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today, utcnow
from app.extensions import db
from app.ranking import services as ranking
from app.tasking.meetings import services as ms
from app.tasking.models import Task
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import make_event, make_lever, make_order, make_person, make_task

pytestmark = pytest.mark.browser

TODAY = local_today()
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Where the journey leaves its pictures for a person to look at (not checked by the test).
ARTEFACTS = Path(__file__).parents[2] / "test-results" / "tasking"


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def menu(page: Page, section: str, item: str | None = None) -> None:
    """Follow the main menu: a section's own link, or an item of a section's drop-down."""
    page.wait_for_load_state("load")  # the toggler shows until the stylesheet hides it on a wide screen
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


def no_violations(page: Page) -> None:
    assert serious_accessibility_violations(page) == []


@pytest.fixture
def ranked(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    officer = make_user("pc.okafor", "officer", team="North PDA")
    top = make_person("P10", surname="Ashworth", forenames="Dominic", district="North")
    second = make_person("P20", surname="Crowther", forenames="Gideon", district="North")
    make_event(top, make_person("V1", surname="Bellamy", forenames="Freya"), TODAY - timedelta(days=12), "abh")
    make_event(
        top, make_person("V2", surname="Dunmore", forenames="Hazel"), TODAY - timedelta(days=50), "strangulation"
    )
    make_event(second, make_person("V3", surname="Elphick", forenames="Iris"), TODAY - timedelta(days=90))
    ranking.run_ranking(TODAY, "manual", actor=Actor("test-setup"))
    return sup, officer, top


def test_a_task_for_the_top_target_is_raised_completed_on_a_phone_and_counted(
    page: Page, browser: Browser, live_server, ranked
):
    _sup, officer, _top = ranked

    # The supervisor opens the target list from the menu and raises a task for the top person.
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "sgt.reyes")
    menu(page, "Targets")
    first_row = page.locator("#targets tbody tr.target-row").first
    expect(first_row).to_contain_text("Dominic ASHWORTH")
    first_row.get_by_role("link", name="Raise a task for Dominic ASHWORTH").click()
    expect(page.get_by_role("heading", name="Raise a task")).to_be_visible()
    expect(page.get_by_label("Person (reference)")).to_have_value("P10")
    no_violations(page)
    page.get_by_label("Type of task").select_option("arrest")
    page.get_by_label("What is to be done").fill("Arrest for the ABH on Freya Bellamy")
    page.get_by_label("Officer", exact=True).select_option(label="pc.okafor (North PDA)")
    page.get_by_role("group", name="Priority").get_by_label("High").check()
    page.get_by_role("button", name="Raise the task").click()
    expect(page.get_by_text("Task raised: Arrest for the ABH on Freya Bellamy.")).to_be_visible()
    expect(page.locator("#task-holder")).to_have_text("pc.okafor")
    expect(page.locator("#task-status")).to_have_text("Open")
    no_violations(page)

    # The officer signs in on a phone, finds it in My tasks, and completes it with an outcome.
    phone_context = browser.new_context(viewport=DESKTOP)
    phone = phone_context.new_page()
    # tests.browser.sign_in looks for the Sign out button by role, which a collapsed phone menu
    # hides: sign in at desktop width, then turn the window into a phone.
    sign_in(phone, live_server, "pc.okafor")
    phone.set_viewport_size(PHONE)
    menu(phone, "Tasking", "My tasks")
    expect(phone.get_by_role("heading", name="My tasks")).to_be_visible()
    card = phone.locator("#section-upcoming li.task-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Arrest for the ABH on Freya Bellamy")
    expect(card).to_contain_text("Dominic ASHWORTH (P10)")
    assert fits_the_screen(phone)
    no_violations(phone)
    card.get_by_text("Complete…").click()
    card.get_by_label("Arrested").check()
    card.get_by_label("Note (optional)").fill("Arrested at his mother's address, 06:10.")
    assert fits_the_screen(phone)
    no_violations(phone)
    card.get_by_role("button", name="Done").click()
    expect(phone.get_by_text("Task done and its outcome recorded.")).to_be_visible()
    expect(phone.locator("#section-done")).to_contain_text("Arrest for the ABH on Freya Bellamy — Arrested")
    expect(phone.locator("#section-upcoming")).to_contain_text("None.")
    assert fits_the_screen(phone)
    phone_context.close()

    db.session.expire_all()
    task = db.session.scalars(sa.select(Task)).one()
    assert (task.status, task.outcome, task.owner_id) == ("done", "arrested", officer.id)
    changes = [
        e.data["changes"]["status"]
        for e in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "task"))
        if e.data and "changes" in e.data
    ]
    assert changes == [{"before": "open", "after": "done"}]

    # The supervisor sees it done on the board and counted on the outcomes page.
    menu(page, "Tasking", "Task board")
    page.get_by_label("Status").select_option("done")
    page.get_by_role("button", name="Show tasks").click()
    row = page.locator(f"#board-task-{task.id}")
    expect(row).to_contain_text("Done: Arrested")
    expect(page.locator("#workload")).to_contain_text("pc.okafor")
    no_violations(page)
    menu(page, "Tasking", "Outcomes")
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    totals = page.locator("#totals-table tbody tr")
    arrests_column = 2  # Period, Breaches logged, Arrests
    expect(totals.locator("td").nth(arrests_column - 1)).to_have_text("1")
    expect(page.locator("#officer-table")).to_contain_text("pc.okafor")
    expect(page.locator("#trend-arrests")).to_be_visible()
    # The arrest also counts month by month, from the records (an arrest task not about a breach).
    expect(page.locator("#monthly-table tbody tr").nth(11).locator("td").first).to_have_text("1")
    no_violations(page)


def test_the_board_highlights_overdue_work_in_words_and_reallocates(page: Page, live_server, ranked):
    _sup, officer, top = ranked

    late = make_task(top, owner=officer, title="Serve the DVPN", due_at=utcnow() - timedelta(hours=5))
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "sgt.reyes")
    page.goto(live_server + "/tasks/board")
    row = page.locator(f"#board-task-{late.id}")
    expect(row).to_contain_text("Overdue")
    row.get_by_label("Give “Serve the DVPN” to").select_option(label="sgt.reyes (North PDA)")
    row.get_by_role("button", name=f"Give task {late.id}").click()
    expect(page.get_by_text(f"Task {late.id} given to sgt.reyes.")).to_be_visible()
    no_violations(page)
    page.set_viewport_size(PHONE)
    page.goto(live_server + "/tasks/board")
    assert fits_the_screen(page)  # the tables scroll inside themselves


def test_the_tasking_pack_prints_one_person_per_page(page: Page, live_server, ranked):
    sup, officer, top = ranked
    make_lever(top, "firearms_certificate", TODAY - timedelta(days=200), detail="Shotgun certificate")
    make_order(top, make_person("V9"), ref="NMO/2026/14", starts_on=TODAY - timedelta(days=20))
    make_task(top, owner=officer, title="Execute the warrant at 4 Larch Close")
    meeting = ms.create_meeting(
        ms.MeetingInput(held_on=TODAY, title="North PDA tasking", agenda_size=2, partners="Sam Okoro, Probation"),
        user=sup,
    )
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, "sgt.reyes")
    page.goto(f"{live_server}/meetings/{meeting.id}")
    no_violations(page)
    plan = page.get_by_role("form", name="Plan for Dominic ASHWORTH")
    plan.get_by_label("Tactic").select_option("enforcement")
    plan.get_by_label("Review date").fill((TODAY + timedelta(days=28)).isoformat())
    plan.get_by_label("Rationale").fill("Two victims in two months; firearms certificate to be reviewed.")
    plan.get_by_role("button", name="Save plan").click()
    expect(page.get_by_text("Plan saved for Dominic ASHWORTH.")).to_be_visible()
    page.get_by_role("link", name="Tasking pack (print)").click()
    expect(page.get_by_role("heading", name="Tasking pack: North PDA tasking")).to_be_visible()
    no_violations(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(ARTEFACTS / "tasking-pack.pdf"), format="A4", print_background=True)
    expect(page.locator(f"#pack-{top.id}").locator("xpath=..")).to_contain_text("Enforcement")
    # A cover page (agenda), then one page per person: two persons on the agenda.
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3
    page.screenshot(path=str(ARTEFACTS / "tasking-pack-print.png"), full_page=True)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export"))
