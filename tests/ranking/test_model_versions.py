"""Scoring model versions: admins publish version N+1 from a form of every number of any version
(never editing an old one; the new version keeps that version's rule set and becomes current), with
validation, an audit of what changed, optimistic locking and a preview against the current
version; others read."""

import copy
import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.extensions import db
from app.ranking import services
from app.ranking.model_versions import services as model_versions
from app.ranking.models import ScoringModel
from tests.factories import make_event, make_lever, make_person
from tests.ranking.test_ranking import stored_as_json
from tests.ranking.test_scoring import V1, V2

ACTOR = Actor("test")
AS_OF = date(2025, 6, 30)


def text_of(response) -> str:
    """The page as read: tags taken out, entities decoded, white space made single spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def v1_values() -> dict[str, str]:
    """The form filled from version 1 (rule set 1), as text."""
    return model_versions.form_values(V1)


def v2_values() -> dict[str, str]:
    """The form as an admin first sees it: every number of version 2, the current one, as text."""
    return model_versions.form_values(V2)


def publish(client, values: dict, *, note: str = "Force review of the bands", based_on: int = 2, seen_latest=None):
    data = {**values, "note": note, "based_on": str(based_on), "seen_latest": str(seen_latest or based_on)}
    return client.post("/scoring-model", data=data)


def versions_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ScoringModel))


def publish_audits() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "scoring_model")))


def input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


@pytest.fixture
def admin(app, client, make_user, login):
    user = make_user("admin1", "admin")
    login(user)
    return user


# ---- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "analyst"])
def test_supervisors_and_analysts_read_the_numbers_and_the_versions(app, client, make_user, login, role):
    login(make_user(f"reader-{role}", role))
    response = client.get("/scoring-model")
    assert response.status_code == 200
    page = text_of(response)
    assert 'id="model-form"' not in page and "Publish version" not in page
    assert "The ranking uses version 2 (v2 rules" in page and "Numbers of version 2 (in use)" in page
    assert "up to 3 months 30" in page and "over 24, up to 36 months 1" in page
    assert "3–4 events 15" in page and "10 events or more 30" in page
    assert "under 10 days 2" in page and "365–999 days 20" in page and "2,000–3,999 days 30" in page
    assert "4,000–7,999 days 35" in page and "8,000 days or more 40" in page
    assert "1 victim 0" in page and "3 victims or more 20" in page
    assert "Rape 1,825" in page and "Outstanding warrant 25" in page
    assert "Opportunity cap 50 points" in page and "in custody and expected out within 28 days" in page
    assert "Version 2 in use" in page and "the installation" in page and V1_NOTE in page and V2_NOTE in page
    old = text_of(client.get("/scoring-model?version=1"))
    assert "Numbers of version 1" in old and "2,000 days or more 30" in old and "Rule set: v1 rules" in old


V1_NOTE = "Default model v1 as documented in DESIGN.md"
V2_NOTE = "Default model v2 as documented in DESIGN.md"


@pytest.mark.parametrize("role", ["officer", "referral"])
def test_officers_and_referral_staff_are_refused(app, client, make_user, login, role):
    login(make_user(f"only-{role}", role))
    assert client.get("/scoring-model").status_code == 403
    assert publish(client, v2_values() | {"recency-1-points": "40"}).status_code == 403
    assert versions_count() == 2


@pytest.mark.parametrize("role", ["supervisor", "analyst"])
def test_only_admins_publish_and_preview(app, client, make_user, login, role):
    login(make_user(f"reader-{role}", role))
    assert publish(client, v2_values() | {"recency-1-points": "40"}).status_code == 403
    data = v2_values() | {"recency-1-points": "40", "based_on": "2", "seen_latest": "2", "note": ""}
    assert client.post("/scoring-model/preview", data=data).status_code == 403
    assert versions_count() == 2 and publish_audits() == []


def test_the_admin_form_shows_every_number_of_the_current_version(admin, client):
    page = client.get("/scoring-model").get_data(as_text=True)
    assert 'id="model-form"' in page
    flat = model_versions.flatten(V2)
    # 4 band tables, 18 offences, 12 levers and 10 settings (2 of them v2's): every one a box with its number.
    assert len(flat) == 2 * (5 + 5 + 9 + 3) + 18 + 12 + 10
    for name, value in flat.items():
        assert input_value(page, name) == ("" if value is None else f"{value:g}"), name
    # Spare empty rows to add a band under each table.
    assert input_value(page, "recency-6-max_months") == "" and input_value(page, "gravity-11-points") == ""
    assert (input_value(page, "based_on"), input_value(page, "seen_latest")) == ("2", "2")
    assert "Publish version 3" in page and "Preview against the current version" in page


def test_a_version_of_the_v1_rules_can_be_published_from_version_1(admin, client):
    page = client.get("/scoring-model?base=1").get_data(as_text=True)
    assert input_value(page, "based_on") == "1" and input_value(page, "gravity-7-below_days") == ""
    assert input_value(page, "victim_min_age") is None  # a v2 setting: not in a v1 form
    assert publish(client, v1_values() | {"recency-1-points": "35"}, based_on=1, seen_latest=2).status_code == 302
    v3 = db.session.get(ScoringModel, 3)
    assert (v3.rules, v3.is_current, v3.params["recency"][0]["points"]) == (1, True, 35)
    assert services.current_model().version == 3 and db.session.get(ScoringModel, 2).is_current is False
    assert "victim_min_age" not in v3.params


def test_an_old_version_can_be_read_and_unknown_ones_are_not_found(admin, client):
    assert publish(client, v2_values() | {"recency-1-points": "40"}).status_code == 302
    page = text_of(client.get("/scoring-model?version=2"))
    assert "Numbers of version 2" in page and "(in use)" not in page and "up to 3 months 30" in page
    assert 'id="model-form"' not in page
    # The current version, for an admin, is the form holding its numbers.
    assert input_value(client.get("/scoring-model?version=3").get_data(as_text=True), "recency-1-points") == "40"
    for bad in ("99", "0", "abc", "-1", "9" * 40):
        assert client.get(f"/scoring-model?version={bad}").status_code == 404
        assert client.get(f"/scoring-model?base={bad}").status_code == 404


# ---- publishing ----------------------------------------------------------------------------------


def test_publishing_makes_version_3_current_and_audits_the_numbers_that_changed(admin, client):
    values = v2_values() | {
        "recency-1-points": "40",
        "lever_weights-outstanding_warrant": "5",
        "days_per_month": "30.5",
        "gravity-9-points": "45",
    }
    response = publish(client, values, note="Heavier recency after the force review")
    assert response.status_code == 302 and response.headers["Location"].endswith("/scoring-model")

    v1, v2, v3 = (db.session.get(ScoringModel, n) for n in (1, 2, 3))
    assert (v1.params, v2.params) == (V1, V2)  # never edited
    expected = copy.deepcopy(V2)
    expected["recency"][0]["points"] = 40
    expected["lever_weights"]["outstanding_warrant"] = 5
    expected["days_per_month"] = 30.5
    expected["gravity"][8]["points"] = 45
    assert v3.params == expected and v3.rules == 2
    assert (v3.published_by_id, v3.note) == (admin.id, "Heavier recency after the force review")
    assert services.current_model().version == 3 and [v.is_current for v in (v1, v2, v3)] == [False, False, True]

    [entry] = publish_audits()
    assert (entry.action, entry.object_ref, entry.username) == ("create", "3", "admin1")
    assert entry.data["based_on"] == 2 and entry.data["note"] == "Heavier recency after the force review"
    assert entry.data["changes"] == {
        "days_per_month": {"before": 30.44, "after": 30.5},
        "gravity-9-points": {"before": 40, "after": 45},
        "lever_weights-outstanding_warrant": {"before": 25, "after": 5},
        "recency-1-points": {"before": 30, "after": 40},
    }
    page = text_of(client.get("/scoring-model"))
    assert "The ranking uses version 3" in page and "Heavier recency after the force review" in page
    assert "Version 3 in use" in page


def test_bands_can_be_added_and_removed(admin, client):
    values = v2_values() | {
        "recency-6-max_months": "48",
        "recency-6-points": "0",
        "victims-3-min_victims": "",
        "victims-3-points": "",
        "gravity-3-below_days": "",
        "gravity-3-points": "",
    }
    assert publish(client, values).status_code == 302
    params = db.session.get(ScoringModel, 3).params
    assert params["recency"][-1] == {"max_months": 48, "points": 0} and len(params["recency"]) == 6
    assert params["victims"] == V2["victims"][:2]
    assert [band["below_days"] for band in params["gravity"]] == [10, 30, 365, 1000, 2000, 4000, 8000, None]
    # The next form shows the six recency bands and two spare rows.
    page = client.get("/scoring-model").get_data(as_text=True)
    assert input_value(page, "recency-6-max_months") == "48" and input_value(page, "recency-8-points") == ""


def test_a_new_run_uses_the_new_version_and_an_old_run_stays_reproducible(admin, client):
    victims = [make_person(f"V{n}") for n in (1, 2)]
    alpha = make_person("T-ALPHA", surname="Alderwood", forenames="Ash")
    bravo = make_person("T-BRAVO", surname="Brackenby", forenames="Bea")
    make_event(alpha, victims[0], AS_OF - timedelta(days=20), "abh", dash_risk="high")
    make_event(alpha, victims[1], AS_OF - timedelta(days=100), "common_assault")
    make_lever(alpha, "outstanding_warrant", AS_OF - timedelta(days=10))
    make_event(bravo, victims[1], AS_OF - timedelta(days=10), "breach_civil_order")
    v2_run = services.run_ranking(AS_OF, "nightly", actor=ACTOR)
    v2_rows = stored_as_json(v2_run.id)
    assert [(r["person_ref"], r["priority"]) for r in v2_rows] == [("T-ALPHA", 95), ("T-BRAVO", 57)]

    values = v2_values() | {"recency-1-points": "40", "lever_weights-breach_unactioned": "50"}
    assert publish(client, values, note="Breaches weigh more").status_code == 302

    v3_run = services.run_ranking(AS_OF, "manual", actor=ACTOR)
    assert v3_run.model_version == 3
    v3_rows = stored_as_json(v3_run.id)
    # Alpha: R40 F10 G20 V10 = 80 + 25; Bravo: R40 F5 G2 V0 = 47 + 50.
    assert [(r["person_ref"], r["R"], r["priority"]) for r in v3_rows] == [("T-ALPHA", 40, 105), ("T-BRAVO", 40, 97)]
    # The v2 run is unchanged and recomputing it with its own stored version gives its stored rows.
    v2 = db.session.get(ScoringModel, v2_run.model_version)
    assert v2.version == 2 and stored_as_json(v2_run.id) == v2_rows
    assert [s.to_json() for s in services.compute_ranking(AS_OF, model=v2)] == v2_rows


def test_publishing_the_same_numbers_is_refused(admin, client):
    response = publish(client, v2_values())
    assert response.status_code == 400
    assert "These numbers are the same as version 2: change at least one to publish a new version." in text_of(response)
    assert versions_count() == 2 and publish_audits() == []


# ---- bad input -----------------------------------------------------------------------------------

BAD = [
    ("recency-1-max_months", "abc", "The months of Recency band 1 must be a whole number, such as 10."),
    ("recency-1-max_months", "-3", "The months of Recency band 1 cannot be negative."),
    ("recency-1-max_months", "0", "The months of Recency band 1 must be from 1 to 1,200."),
    ("recency-1-max_months", "2.5", "The months of Recency band 1 must be a whole number, such as 10."),
    (
        "recency-1-max_months",
        "",
        "Recency band 1: enter the months as well as the points, or leave both empty to remove the band.",
    ),
    (
        "recency-2-max_months",
        "3",
        "Recency band 2: the months (3) must be more than band 1's (3); bands go from the lowest to the highest.",
    ),
    ("recency-1-points", "1.5", "The points of Recency band 1 must be a whole number, such as 10."),
    ("recency-1-points", "-1", "The points of Recency band 1 cannot be negative."),
    ("recency-1-points", "1001", "The points of Recency band 1 must be from 0 to 1,000."),
    ("recency-1-points", "", "Recency band 1: enter the points as well, or leave both boxes empty to remove the band."),
    ("frequency-1-min_events", "x", "The events of Frequency band 1 must be a whole number, such as 10."),
    (
        "frequency-3-min_events",
        "2",
        "Frequency band 3: the events (2) must be more than band 2's (2); bands go from the lowest to the highest.",
    ),
    ("frequency-2-points", "-5", "The points of Frequency band 2 cannot be negative."),
    (
        "gravity-9-below_days",
        "9000",
        "Gravity band 9: the last band must be open-ended (leave 'below' empty), so that every total of harm days "
        "earns points.",
    ),
    ("gravity-3-below_days", "", "Gravity band 3: only the last band can be open-ended; give this one an upper limit."),
    (
        "gravity-2-below_days",
        "5",
        "Gravity band 2: the days (5) must be more than band 1's (10); bands go from the lowest to the highest.",
    ),
    ("gravity-4-points", "abc", "The points of Gravity band 4 must be a whole number, such as 10."),
    (
        "victims-2-min_victims",
        "1",
        "Victims band 2: the victims (1) must be more than band 1's (1); bands go from the lowest to the highest.",
    ),
    ("victims-3-points", "", "Victims band 3: enter the points as well, or leave both boxes empty to remove the band."),
    ("harm_days-rape", "", "Enter the harm days for Rape."),
    ("harm_days-gbh", "-1", "The harm days for Grievous bodily harm cannot be negative."),
    ("harm_days-abh", "100001", "The harm days for Assault occasioning actual bodily harm must be from 0 to 100,000."),
    (
        "lever_weights-outstanding_warrant",
        "ten",
        "The weight of Outstanding warrant must be a whole number, such as 10.",
    ),
    ("lever_weights-benefits", "", "Enter the weight of Benefit fraud."),
    ("lever_weights-breach_unactioned", "-20", "The weight of Breach not yet actioned cannot be negative."),
    ("window_months", "0", "The window (months) must be from 1 to 600."),
    ("window_months", "", "Enter the window (months)."),
    ("days_per_month", "abc", "The days per month must be a number such as 30.44."),
    ("days_per_month", "27", "The days per month must be from 28 to 31."),
    ("days_per_month", "-30", "The days per month cannot be negative."),
    ("opportunity_cap", "", "Enter the opportunity cap (points)."),
    ("opportunity_cap", "-1", "The opportunity cap (points) cannot be negative."),
    ("breach_unactioned_days", "3651", "The breach not yet actioned: within (days) must be from 0 to 3,650."),
    ("recent_breach_days", "1e3", "The recent breach flag: within (days) must be a whole number, such as 10."),
    ("escalating-max_months", "0", "The escalating flag: within (months) must be from 1 to 600."),
    ("escalating-min_events", "", "Enter the escalating flag: at least (events)."),
    ("serial_min_victims", "1", "The serial flag: at least (victims) must be from 2 to 100."),
    ("victim_min_age", "9", "The victims counted from age (years) must be from 10 to 25."),
    ("release_due_days", "", "Enter the release due flag: within (days)."),
    ("note", "", "Say what changed and why: the note is required."),
    ("note", "   ", "Say what changed and why: the note is required."),
    ("note", "x" * 2001, "Keep the note to 2,000 characters or fewer."),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD, ids=[f"{n}={v[:10]!r}" for n, v, _ in BAD])
def test_bad_input_is_refused_with_a_message_and_nothing_is_published(admin, client, name, value, message):
    values = v2_values() | {"recency-1-points": "40"}  # a real change, so only the bad field stops it
    note = "Force review"
    if name == "note":
        note = value
    else:
        values[name] = value
    response = publish(client, values, note=note)
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert "There is a problem" in page and f'id="{name}-error"' in response.get_data(as_text=True)
    # Only the bad field is named: its neighbours are not blamed for it.
    assert response.get_data(as_text=True).count('class="invalid-feedback d-block"') == 1
    # The admin's numbers are kept for them to correct.
    if name != "recency-1-points":
        assert input_value(response.get_data(as_text=True), "recency-1-points") == "40"
    assert versions_count() == 2 and publish_audits() == []


def test_every_field_left_empty_is_named(admin, client):
    # Emptying the open-ended band's points empties its row, which removes it: band 8 is then
    # the last and is told to be open-ended.
    named = {"gravity-9-points": "gravity-8-below_days"}
    for name, value in model_versions.flatten(V2).items():
        if value is None:
            continue  # the open-ended gravity band is empty already
        response = publish(client, v2_values() | {"recency-1-points": "40", name: ""})
        assert response.status_code == 400, name
        assert f'id="{named.get(name, name)}-error"' in response.get_data(as_text=True), name
    assert versions_count() == 2 and publish_audits() == []


def test_a_band_table_left_empty_needs_a_band(admin, client):
    values = v2_values()
    for n in range(1, 4):
        values[f"victims-{n}-min_victims"] = values[f"victims-{n}-points"] = ""
    response = publish(client, values)
    assert response.status_code == 400 and "Victims needs at least one band." in text_of(response)
    assert versions_count() == 2


def test_a_damaged_form_is_refused(admin, client):
    for based_on in ("x", "99"):
        response = publish(client, v2_values() | {"recency-1-points": "40"}, based_on=based_on, seen_latest=2)
        assert response.status_code == 400
        assert "This form is out of date or damaged" in text_of(response)
    assert versions_count() == 2


# ---- two admins at once --------------------------------------------------------------------------


def test_publishing_from_a_version_no_longer_the_latest_is_a_conflict_that_keeps_the_numbers(
    app, admin, client, make_user, login
):
    with app.test_client() as other:
        login(make_user("admin2", "admin"), other)
        assert publish(other, v2_values() | {"recency-1-points": "35"}, note="Admin two's change").status_code == 302

    mine = v2_values() | {"recency-1-points": "41", "harm_days-stalking": "12"}
    response = publish(client, mine, note="My change", based_on=2, seen_latest=2)
    assert response.status_code == 409
    page = text_of(response)
    raw = response.get_data(as_text=True)
    assert "Another version was published while you were editing" in page
    assert "Version 3 was published" in page and "Admin two's change" in page
    assert "Recency band 1: points: 30 → 35" in page
    assert input_value(raw, "recency-1-points") == "41" and input_value(raw, "harm_days-stalking") == "12"
    assert "My change" in raw
    assert (input_value(raw, "based_on"), input_value(raw, "seen_latest")) == ("2", "3")
    assert versions_count() == 3 and db.session.get(ScoringModel, 3).params["recency"][0]["points"] == 35

    # Publishing again, now having seen version 3, makes version 4 with the admin's numbers.
    assert publish(client, mine, note="My change", based_on=2, seen_latest=3).status_code == 302
    v4 = db.session.get(ScoringModel, 4)
    assert v4.params["recency"][0]["points"] == 41 and v4.params["harm_days"]["stalking"] == 12
    assert [e.object_ref for e in publish_audits()] == ["3", "4"]


# ---- in a browser --------------------------------------------------------------------------------


@pytest.mark.browser
def test_an_admin_publishes_a_version_in_the_browser(app, page, live_server, make_user):
    from playwright.sync_api import expect

    from tests.browser import serious_accessibility_violations, sign_in

    make_user("admin.lee", "admin")
    sign_in(page, live_server, "admin.lee")
    page.goto(live_server + "/scoring-model")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Recency band 1: points").fill("-4")
    page.get_by_role("button", name="Publish version 3").click()
    expect(page.get_by_role("alert")).to_contain_text("The points of Recency band 1 cannot be negative.")
    expect(page.get_by_role("alert")).to_contain_text("Say what changed and why: the note is required.")
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Recency band 1: points").fill("40")
    page.get_by_label("What changed and why (required)").fill("Heavier recency after the force review")
    page.get_by_role("button", name="Publish version 3").click()
    expect(page.get_by_role("status")).to_contain_text("Scoring model version 3 published and now current")
    expect(page.locator("#versions")).to_contain_text("Heavier recency after the force review")
    db.session.expire_all()
    assert db.session.get(ScoringModel, 3).params["recency"][0]["points"] == 40
