"""Browser journeys in headless Chromium, with the app as it runs for real (CSRF and the reason form
on): an officer states why they open a record; an analyst merges two records and undoes it, and
records a MoPI review; a user signs out everywhere."""

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from app.audit.models import AuditEntry
from app.base import today
from app.extensions import db
from tests.browser import serious_accessibility_violations, sign_in
from tests.factories import make_event, make_person

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def _real_app(database, _session_app):
    return database.make_app(WTF_CSRF_ENABLED=True, ASK_CONSULTATION_REASON=True)


@pytest.fixture
def real_server(app, _real_app):
    server = make_server("127.0.0.1", 0, _real_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with _real_app.app_context():
        db.engine.dispose()


def test_an_officer_states_why_before_the_record_opens(page: Page, real_server, make_user):
    make_user("rhea", "officer")
    kit = make_person("JR1", surname="Ashdown", forenames="Kit")
    make_event(kit, make_person("JR2", surname="Brill", forenames="Lou"), today() - timedelta(days=20))
    sign_in(page, real_server, "rhea")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(real_server + "/persons/JR1")
    expect(page.get_by_role("heading", name="Why are you opening record JR1?")).to_be_visible()
    expect(page.get_by_text("Kit ASHDOWN")).to_have_count(0)
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#error-summary")).to_contain_text("Choose why you are opening this record.")
    page.get_by_label("Safeguarding").check()
    page.get_by_label("More detail (optional)").fill("Call from a neighbour")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Kit ASHDOWN")).to_be_visible()
    page.reload()  # not asked twice in a session
    expect(page.get_by_role("heading", name="Kit ASHDOWN")).to_be_visible()
    view = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "view")).first()
    assert (view.reason_code, view.reason) == ("safeguarding", "Call from a neighbour")


def test_an_analyst_merges_two_records_and_undoes_it(page: Page, real_server, make_user):
    make_user("ana", "analyst")
    born = date(1981, 4, 2)
    bob = make_person("D1", surname="Okafor", forenames="Bob", date_of_birth=born)
    robert = make_person("D2", surname="Okafor", forenames="Robert", date_of_birth=born)
    make_event(bob, make_person("V1"), today() - timedelta(days=40))
    make_event(robert, make_person("V2"), today() - timedelta(days=4))
    sign_in(page, real_server, "ana")
    page.goto(real_server + "/persons/duplicates")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="Compare D1 and D2").click()
    expect(page.get_by_role("heading", name="Compare two records")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("The second").check()
    page.get_by_label("Why are they the same person?").fill("Same date of birth; Bob is his usual name")
    page.get_by_role("button", name="Merge the records").click()
    expect(page.get_by_text("D1 was merged into D2")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.goto(real_server + "/persons/D1")  # the old reference opens the kept record (after the reason)
    page.get_by_label("Data quality").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(real_server + "/persons/D2")
    page.goto(real_server + "/persons/merges")
    page.get_by_role("button", name="Undo the merge of D1 into D2").click()
    expect(page.get_by_text("are two records again")).to_be_visible()


def test_an_analyst_records_a_mopi_review(page: Page, real_server, make_user):
    make_user("ana", "analyst")
    old = make_person("OLD1", surname="Ferrand", forenames="Ivo")
    make_event(old, make_person("V9"), today() - timedelta(days=365 * 8), "harassment")
    sign_in(page, real_server, "ana")
    page.goto(real_server + "/persons/reviews")
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name="OLD1").click()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("radio", name="Retain").check()
    page.get_by_label("Reason").fill("Linked to a live investigation")
    page.get_by_label("Next review (when retaining)").fill((today() + timedelta(days=365)).isoformat())
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded for OLD1.")).to_be_visible()
    expect(page.get_by_role("link", name="OLD1", exact=True)).to_have_count(0)


def test_signing_out_everywhere_ends_the_session(page: Page, real_server, make_user):
    make_user("rhea", "officer")
    sign_in(page, real_server, "rhea")
    page.locator("#signed-in-as a").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_text("You were signed out on every device")).to_be_visible()
    page.goto(real_server + "/tasks/mine")
    expect(page).to_have_url(real_server + "/login?next=/tasks/mine")
