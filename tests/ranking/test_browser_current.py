"""Browser journey: an officer logs a breach; the sergeant then sees the target list and a new tasking
meeting's agenda with the man moved up, without anyone pressing "Re-rank now"; and a man in
custody is off the list until asked for, on the custody and release view."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.audit.services import Actor
from app.base import local_today
from app.offenders.custody import services as custody
from app.ranking import services as ranking
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import make_event, make_order, make_person

pytestmark = pytest.mark.browser

TODAY = local_today()


def ago(n: int):
    return TODAY - timedelta(days=n)


def test_a_breach_moves_the_man_up_the_list_and_onto_the_agenda_without_a_re_rank(page: Page, live_server, make_user):
    make_user("pc.okafor", "officer", team="North PDA")
    make_user("sgt.ward", "supervisor", team="North PDA")
    subject = make_person("P10", surname="Ashworth", forenames="Dominic")
    protected = make_person("P20", surname="Bellamy", forenames="Freya")
    make_event(subject, protected, ago(200), "common_assault")
    make_order(subject, protected, "non_molestation", ref="NMO/2026/77", starts_on=ago(60),
               conditions=("Not to contact Freya Bellamy",))  # fmt: skip
    # Nine others ahead of him (an ABH each, 30 days ago: 55), and one in custody at the very top.
    for n in range(1, 10):
        make_event(make_person(f"A{n}", surname=f"Aheadby{n}"), make_person(f"AV{n}"), ago(30 + n), "abh")
    inside = make_person("C1", surname="Cellblock", forenames="Cal")
    make_event(inside, make_person("CV1"), ago(40), "rape")
    custody.record_period(
        inside, {"custody_from": ago(20), "kind": "remand", "expected_release_on": TODAY + timedelta(days=10)},
        actor=Actor("test"),
    )  # fmt: skip
    ranking.run_ranking(ago(1), "nightly", actor=Actor("scheduler"))
    ranking.run_ranking(TODAY, "nightly", actor=Actor("scheduler"))

    sign_in(page, live_server, "sgt.ward")
    page.goto(live_server + "/targets")
    expect(page.locator("#target-P10")).to_contain_text("Dominic ASHWORTH")
    assert page.locator("#target-P10 td").first.inner_text() == "11"  # behind the nine and the man inside
    expect(page.locator("#target-C1")).to_have_count(0)  # in custody: not shown by default
    expect(page.locator("#custody-hidden")).to_contain_text("1 ranked person is in custody today and not shown")
    page.get_by_role("link", name="Custody and release (1)").click()
    expect(page.locator("#target-C1")).to_contain_text(f"{(TODAY + timedelta(days=10)).day}")
    expect(page.locator("#target-C1")).to_contain_text("Release due within 28 days")
    assert serious_accessibility_violations(page) == []
    page.context.clear_cookies()

    # The officer logs the breach.
    sign_in(page, live_server, "pc.okafor")
    page.goto(live_server + "/orders/log-breach")
    page.get_by_label("Order reference, or the subject's person reference or name").fill("Ashworth")
    page.get_by_role("button", name="Find the order").click()
    page.get_by_role("link", name="Log a breach of order NMO/2026/77").click()
    page.get_by_label("When did it happen?").fill(f"{ago(1).isoformat()}T21:40")
    page.get_by_label("1. Not to contact Freya Bellamy").check()
    page.get_by_label("What happened?").fill("Rang her eleven times.")
    page.get_by_label("How was it reported?").select_option("victim_999")
    page.get_by_role("group", name="Has the protected person been told?").get_by_label("Yes").check()
    page.get_by_role("group", name="Was the subject arrested?").get_by_label("No").check()
    page.get_by_role("button", name="Log the breach").click()
    expect(page.get_by_role("status")).to_contain_text("re-scored")
    page.context.clear_cookies()

    # The sergeant: no re-rank pressed, and the list already shows him first.
    sign_in(page, live_server, "sgt.ward")
    page.goto(live_server + "/targets")
    expect(page.locator("#rescored-since")).to_contain_text("Since then 1 person has been re-scored")
    # R30 F10 G10 (10 + 30 harm days) V0 = 50, and 20 for the breach not yet actioned: 70, ahead of
    # the man inside (a rape: R30 F5 G25 = 60) and the nine (55).
    assert page.locator("#target-P10 td").first.inner_text() == "1"
    expect(page.locator("#targets tbody tr.target-row").first).to_have_id("target-P10")
    expect(page.locator("#target-P10")).to_contain_text("Up 10")
    assert serious_accessibility_violations(page) == []

    # A meeting recorded now has him on the agenda for both reasons.
    page.goto(live_server + "/meetings/new")
    page.get_by_label("Name of the meeting").fill("North PDA tasking")
    page.get_by_label("How many from the top of the target list").fill("3")
    page.get_by_role("button", name="Record the meeting and build the agenda").click()
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Dominic ASHWORTH")
    expect(agenda).to_contain_text("Top of the target list and a breach since the last meeting")
