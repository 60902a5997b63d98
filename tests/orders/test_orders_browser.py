"""Browser journeys through the order register: a DVPO whose dates need confirming, and the
protection gap, with axe-core accessibility checks on each page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.base import local_today
from app.extensions import db
from app.orders.models import Order
from app.tasking.models import Task
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import count, make_order, make_person

pytestmark = pytest.mark.browser

TODAY = local_today()


def test_a_dvpo_outside_14_to_28_days_is_saved_only_after_confirming(page: Page, live_server, make_user):
    make_user("pc.okafor", "officer", team="North PDA")
    make_person("P10", surname="Ashworth", forenames="Dominic")
    make_person("P20", surname="Bellamy", forenames="Freya")
    sign_in(page, live_server, "pc.okafor")

    page.goto(live_server + "/orders/")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Record an order").click()
    page.get_by_label("Type of order").select_option("dvpo")
    page.get_by_label("Subject (person reference)").fill("P10")
    page.get_by_label("Protected persons (person references)").fill("P20")
    page.get_by_label("Date made").fill(TODAY.isoformat())
    page.get_by_label("Start date").fill(TODAY.isoformat())
    page.get_by_label("End date", exact=True).fill((TODAY + timedelta(days=40)).isoformat())
    page.get_by_label("Conditions").fill("Not to contact Freya Bellamy\nNot to enter 12 Larch Close")
    expect(page.get_by_label("I confirm these dates are right")).to_have_count(0)
    page.get_by_role("button", name="Save order").click()

    expect(page.get_by_role("alert")).to_contain_text("A DVPO lasts 14 to 28 days")
    assert serious_accessibility_violations(page) == []
    db.session.expire_all()
    assert count(Order) == 0
    page.get_by_label("I confirm these dates are right").check()
    page.get_by_role("button", name="Save order").click()

    expect(page.locator("#order-title")).to_contain_text("Domestic Violence Protection Order (DVPO) ACH-O-")
    expect(page.locator("#conditions")).to_contain_text("Not to enter 12 Larch Close")
    assert serious_accessibility_violations(page) == []
    db.session.expire_all()
    order = db.session.scalars(sa.select(Order)).one()
    assert (order.ends_on - order.starts_on).days == 40


def test_a_supervisor_raises_an_application_task_from_the_protection_gap(page: Page, live_server, make_user):
    make_user("sgt.ward", "supervisor", team="North PDA")
    subject = make_person("P10", surname="Ashworth", forenames="Dominic")
    protected = make_person("P20", surname="Bellamy", forenames="Freya")
    make_order(
        subject,
        protected,
        "dvpo",
        ref="DVPO/9",
        starts_on=TODAY - timedelta(days=20),
        ends_on=TODAY + timedelta(days=3),
    )
    sign_in(page, live_server, "sgt.ward")

    page.goto(live_server + "/orders/DVPO/9")
    expect(page.get_by_role("status")).to_contain_text("consider applying for a new order")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Orders ending within 7 days").click()
    expect(page.locator("#expiring")).to_contain_text("DVPO/9")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Raise a task to apply for a new order to follow DVPO/9").click()
    expect(page.get_by_role("status")).to_contain_text("Task raised: Apply for a new order")
    expect(page.locator("#expiring")).to_contain_text("Raised, due")
    db.session.expire_all()
    assert db.session.scalars(sa.select(Task)).one().task_type == "order_application"
