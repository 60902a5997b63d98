"""The backtest (DESIGN.md "Backtest") on a small hand-computed dataset: `flask backtest`, its JSON
contract and bad input; the page for analysts and admins with a capture curve per model version;
and a draft model's preview for admins before publishing it."""

import html
import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.base import local_today
from app.extensions import db
from app.ranking.backtest import services as backtests
from app.ranking.models import ScoringModel
from tests.factories import make_event, make_person
from tests.ranking.test_model_versions import input_value, v2_values

T = date(2025, 6, 30)


def on(days: int) -> date:
    return T + timedelta(days=days)


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def world(app):
    """Three ranked as of T (A 55, B 30, C 17) and what each person did in the year after."""
    victim = make_person("V1")
    a, b, c, d, e = (make_person(ref) for ref in ("A", "B", "C", "D", "E"))
    make_event(a, victim, on(-20), "abh")
    make_event(a, victim, on(100), "rape")  # 1,825 harm days in the horizon
    make_event(a, victim, on(400), "gbh")  # after the horizon: not counted
    make_event(b, victim, on(-100), "common_assault")
    make_event(b, victim, on(10), "common_assault")  # 10
    make_event(c, victim, on(-300), "non_crime_incident")  # nothing after T
    make_event(d, victim, on(50), "gbh")  # 730, by someone not on the list as of T
    make_event(e, victim, on(5), "non_crime_incident")  # an offender with no harm days
    make_event(e, victim, on(0), "common_assault")  # on T itself: before the horizon
    return None


EXPECTED = {
    "as_of": "2025-06-30",
    "horizon_days": 365,
    "model_version": 2,
    "ranked": 4,
    "total_future_harm": 2565,
    "offenders": 4,
    "unranked_share": 0.2846,
    "top": [
        {"n": 1, "captured": 1825, "share": 0.7115, "oracle": 1825, "efficiency": 1.0, "offenders": 1},
        {"n": 2, "captured": 1825, "share": 0.7115, "oracle": 2555, "efficiency": 0.7143, "offenders": 2},
        {"n": 5, "captured": 1835, "share": 0.7154, "oracle": 2565, "efficiency": 0.7154, "offenders": 3},
    ],
}


def test_the_backtest_of_a_hand_computed_dataset(world, runner):
    result = runner.invoke(args=["backtest", "--as-of", "2025-06-30", "--top", "2,1,5", "--json"])
    assert result.exit_code == 0, result.output
    # Ranked as of T: A 55, E 40 (its event on T itself), B 30, C 17. After T: A 1,825 harm days,
    # B 10, E 0 (a non-crime incident: an offender all the same), D 730 (not on the list): 2,565.
    assert json.loads(result.stdout) == EXPECTED


def test_the_backtest_table_and_another_model_and_horizon(world, runner):
    result = runner.invoke(args=["backtest", "--as-of", "2025-06-30", "--horizon", "60", "--model", "1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Backtest as of 2025-06-30, scoring model v1, horizon 60 days (to 2025-08-29): 4 ranked."
    assert re.fullmatch(
        r"Future harm: 740 harm days by 3 persons; 98\.[67]% of it by persons not on the list\.", lines[1]
    )
    assert lines[3].split() == ["25", "10", "1.4%", "740", "1.4%", "2"]


def test_a_horizon_past_today_counts_what_is_recorded_so_far(app):
    person = make_person("P1")
    make_event(person, make_person("V1"), local_today() - timedelta(days=30), "abh")
    as_of = local_today() - timedelta(days=60)
    result = backtests.run_backtest(as_of, horizon_days=365)
    assert (result.total_future_harm, result.offenders, result.horizon_end > local_today()) == (365, 1, True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2025-06-30", "--model", "99"], "There is no scoring model version 99"),
        (["--as-of", "2025-06-30", "--horizon", "0"], "'0' is not a horizon"),
        (["--as-of", "2025-06-30", "--horizon", "x"], "'x' is not a horizon"),
        (["--as-of", "2025-06-30", "--top", "x"], "'x' is not a list of sizes"),
        (["--as-of", "2025-06-30", "--top", "25,0"], "is not a list of sizes"),
        (["--as-of", "30/06/2025"], "is not a date"),
        (["--as-of", (local_today() + timedelta(days=1)).isoformat()], "in the future"),
        ([], "Missing option '--as-of'"),
    ],
)
def test_bad_backtest_input_is_refused_with_a_non_zero_exit(world, runner, args, message):
    result = runner.invoke(args=["backtest", *args, "--json"])
    assert result.exit_code == 2 and message in result.output
    assert result.stdout == ""


# ---- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_analysts_and_admins_see_the_capture_curves_of_each_version(world, client, make_user, login, role):
    login(make_user(f"u-{role}", role))
    response = client.get("/backtest?as_of=2025-06-30,2025-03-31&model=1&model=2&top=1,2,5")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="chart chart--capture"') == 4  # two charts for each of the two dates
    assert 'id="capture-2025-06-30"' in page and "chart-line--oracle" in page
    text = text_of(response)
    assert "Ranked as of 30 Jun 2025; harm of the next 365 days" in text
    assert "4 persons caused 2,565 harm days" in text
    assert re.search(r"Version 2 \(v2 rules\) 4 28\.[45]% of the harm 71\.[12]% of the harm", text)
    assert "Version 1 (v1 rules)" in text
    # Nobody is named on the page.
    assert not re.search(r"\b(A|B|C|D|E)\b<", page)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "backtest")).one()
    assert entry.data["models"] == [2, 1] and entry.data["as_of"] == ["2025-03-31", "2025-06-30"]


def test_the_page_opens_on_the_last_four_quarter_ends(world, client, make_user, login):
    login(make_user("ana", "analyst"))
    response = client.get("/backtest")
    assert response.status_code == 200
    ends = backtests.quarter_ends(local_today())
    assert len(ends) == 4 and all(end.month in (3, 6, 9, 12) for end in ends)
    page = response.get_data(as_text=True)
    assert input_value(page, "as_of") == ", ".join(end.isoformat() for end in ends)
    assert page.count('class="chart chart--capture"') == 8


@pytest.mark.parametrize("role", ["supervisor", "officer", "referral"])
def test_other_roles_are_refused_the_backtest(world, client, make_user, login, role):
    login(make_user(f"u-{role}", role))
    assert client.get("/backtest").status_code == 403


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("as_of=2025-02-30", "as_of", "is not a date"),
        ("as_of=", "as_of", "Give at least one as-of date"),
        ("as_of=2025-01-01,2025-02-01,2025-03-01,2025-04-01,2025-05-01", "as_of", "at most 4"),
        ("as_of=2025-06-30&horizon=0", "horizon", "is not a horizon"),
        ("as_of=2025-06-30&top=x", "top", "is not a list of sizes"),
        ("as_of=2025-06-30&model=99", "model", "Choose from 1 to 4 of the published versions."),
    ],
)
def test_bad_page_input_is_a_400_naming_the_field(world, client, make_user, login, query, field, message):
    login(make_user("ana", "analyst"))
    response = client.get(f"/backtest?{query}")
    assert response.status_code == 400
    assert message in text_of(response) and f'id="{field}-error"' in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.object_type == "backtest")
        )
        == 0
    )


def test_quarter_ends():
    assert backtests.quarter_ends(date(2026, 12, 2)) == [
        date(2025, 12, 31),
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
    ]
    assert backtests.quarter_ends(date(2026, 3, 31), 2) == [date(2025, 9, 30), date(2025, 12, 31)]


# ---- a draft before it is published ---------------------------------------------------------------


def test_an_admin_previews_a_draft_against_the_current_version(app, client, make_user, login):
    victim = make_person("V1")
    low = make_person("LOW")
    make_event(low, victim, local_today() - timedelta(days=10), "breach_civil_order")
    high = make_person("HIGH")
    make_event(high, victim, local_today() - timedelta(days=200), "abh")
    login(make_user("admin1", "admin"))
    # The current version: LOW 57 (R30 F5 G2 + 20 for the unactioned breach), HIGH 35 (R10 F5 G20).
    # The draft weighs harm more: an ABH worth 5,000 harm days (G 35: HIGH 50) and no breach lever (LOW 37).
    values = v2_values() | {"harm_days-abh": "5000", "lever_weights-breach_unactioned": "0"}
    data = values | {"based_on": "2", "seen_latest": "2", "note": "", "preview": "1"}
    response = client.post("/scoring-model/preview", data=data)
    assert response.status_code == 200, text_of(response)[:500]
    text = text_of(response)
    assert "0 would enter, 0 would leave, 2 would move, 0 would stay in place" in text
    moving = response.get_data(as_text=True).split('id="moving"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"HIGH</td><td class=\"num\">2 → 1 \(up 1\)", moving)
    assert "Draft (not published)" in text and 'id="model-form"' in response.get_data(as_text=True)
    # The form comes back with the draft's numbers, ready to publish; nothing was published.
    assert input_value(response.get_data(as_text=True), "harm_days-abh") == "5000"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoringModel)) == 2
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "scoring_model", AuditEntry.action == "view")
    ).one()
    assert entry.username == "admin1" and "2 move" in entry.summary


def test_a_bad_draft_is_refused_like_a_bad_publication(app, client, make_user, login):
    login(make_user("admin1", "admin"))
    data = v2_values() | {"recency-1-points": "-1", "based_on": "2", "seen_latest": "2", "note": ""}
    response = client.post("/scoring-model/preview", data=data)
    assert response.status_code == 400
    assert "The points of Recency band 1 cannot be negative." in text_of(response)
