"""Browser journey on a 390-px phone: an officer signs in, finds the order, logs a breach, and sees
the enforcement task and the subject's new score; the subject moves up the ranked list."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.base import local_today
from app.extensions import db
from app.orders.models import Breach
from app.ranking import services as ranking
from app.tasking.models import Task
from tests.browser import serious_accessibility_violations
from tests.factories import PASSWORD, count, make_event, make_order, make_person

pytestmark = pytest.mark.browser

TODAY = local_today()
PHONE = {"width": 390, "height": 844}


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def ranked_refs() -> list[str]:
    return [score.person_ref for score in ranking.compute_ranking(TODAY)]


def test_an_officer_logs_a_breach_on_a_phone_and_sees_the_task_and_the_new_score(page: Page, live_server, make_user):
    make_user("pc.okafor", "officer", team="North PDA")
    subject = make_person("P10", surname="Ashworth", forenames="Dominic", district="North")
    protected = make_person("P20", surname="Bellamy", forenames="Freya")
    rival = make_person("P30", surname="Crowther", forenames="Gideon")
    make_event(subject, protected, TODAY - timedelta(days=200), "common_assault")
    make_event(rival, make_person("P40", surname="Dunmore", forenames="Hazel"), TODAY - timedelta(days=30), "abh")
    make_order(
        subject,
        protected,
        "non_molestation",
        ref="NMO/2026/77",
        starts_on=TODAY - timedelta(days=60),
        ends_on=TODAY + timedelta(days=120),
        conditions=("Not to contact Freya Bellamy", "Not to go to 12 Larch Close"),
    )
    assert ranked_refs()[:2] == ["P30", "P10"]

    page.set_viewport_size(PHONE)
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("pc.okafor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, pc.okafor")).to_be_visible()

    # The menu is collapsed on a phone: open it and choose "Log a breach".
    page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log a breach").click()
    expect(page.get_by_role("heading", name="Log a breach")).to_be_visible()
    page.get_by_label("Order reference, or the subject's person reference or name").fill("Ashworth")
    page.get_by_role("button", name="Find the order").click()
    expect(page.get_by_text("1 order found")).to_be_visible()
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Log a breach of order NMO/2026/77").click()

    # The form: when (prefilled with now), which conditions, what happened, how reported, told, arrested.
    expect(page.locator("#breach-order")).to_contain_text("NMO/2026/77")
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    page.get_by_label("When did it happen?").fill(f"{yesterday}T21:40")
    page.get_by_label("1. Not to contact Freya Bellamy").check()
    page.get_by_label("What happened?").fill("Rang her eleven times and left a threatening voicemail.")
    page.get_by_label("How was it reported?").select_option("victim_999")
    page.get_by_role("group", name="Has the protected person been told?").get_by_label("Yes").check()
    page.get_by_role("group", name="Was the subject arrested?").get_by_label("No").check()
    page.get_by_role("button", name="Log the breach").click()

    expect(page.get_by_role("heading", name="Breach ACH-B-000001")).to_be_visible()
    expect(page.locator("#score-priority")).to_have_text("Priority 70")
    expect(page.locator("#task")).to_contain_text("Enforce breach ACH-B-000001")
    expect(page.locator("#task")).to_contain_text("North PDA team (to be allocated)")
    expect(page.locator("#task-status")).to_have_text("Open")
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []

    db.session.expire_all()
    assert count(Breach) == 1 and count(Task) == 1
    breach = db.session.scalars(sa.select(Breach)).one()
    assert [c.number for c in breach.conditions] == [1]
    assert ranked_refs()[:2] == ["P10", "P30"]  # the breach moved him up at once


def test_the_same_form_sent_twice_at_once_logs_one_breach(page: Page, live_server, make_user):
    # A phone on a poor signal resends the form: both copies carry the form's one-time key.
    make_user("pc.lowe", "officer", team="North PDA")
    subject = make_person("P10", surname="Ashworth", forenames="Dominic")
    protected = make_person("P20", surname="Bellamy", forenames="Freya")
    make_order(subject, protected, ref="NMO/1", starts_on=TODAY - timedelta(days=10))

    page.set_viewport_size(PHONE)
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("pc.lowe")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/orders/NMO/1/breaches/new")
    page.get_by_label("1. Not to contact the protected person").check()
    page.get_by_label("What happened?").fill("Seen at the end of her road.")
    page.get_by_label("How was it reported?").select_option("officer")
    page.get_by_role("group", name="Has the protected person been told?").get_by_label("No").check()
    page.get_by_role("group", name="Was the subject arrested?").get_by_label("No").check()
    landed = page.evaluate(
        """async () => {
            const form = document.querySelector("form.breach-form");
            const send = () => fetch(form.action, {method: "POST", body: new FormData(form)});
            const answers = await Promise.all([send(), send()]);
            return answers.map(a => [a.status, new URL(a.url).pathname]);
        }"""
    )
    assert landed == [[200, "/orders/breaches/ACH-B-000001"]] * 2
    db.session.expire_all()
    assert count(Breach) == 1 and count(Task) == 1
    page.goto(live_server + "/orders/breaches/ACH-B-000001")
    expect(page.locator("#task")).to_contain_text("Enforce breach ACH-B-000001")


def test_a_mistake_on_the_phone_form_is_shown_next_to_the_field(page: Page, live_server, make_user):
    make_user("pc.lowe", "officer", team="North PDA")
    subject = make_person("P10", surname="Ashworth", forenames="Dominic")
    protected = make_person("P20", surname="Bellamy", forenames="Freya")
    make_order(subject, protected, ref="NMO/1", starts_on=TODAY - timedelta(days=10))

    page.set_viewport_size(PHONE)
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("pc.lowe")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server + "/orders/NMO/1/breaches/new")
    page.get_by_label("What happened?").fill("Seen at the end of her road.")
    page.get_by_role("button", name="Log the breach").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Tick at least one condition.")
    expect(summary).to_contain_text("Say whether the subject was arrested.")
    expect(page.get_by_label("What happened?")).to_have_value("Seen at the end of her road.")
    assert fits_the_screen(page)
    assert serious_accessibility_violations(page) == []
    db.session.expire_all()
    assert count(Breach) == 0
