"""The outcomes page: breaches logged and task outcomes in a period, by team and officer, with
server-drawn SVG charts and the same figures in tables."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.base import local_today, utcnow
from app.charts import Bar, bar_chart
from app.extensions import db
from app.orders.breaches.services import BreachReport, log_breach
from app.tasking.outcomes import services as os_
from tests.factories import make_order, make_person, make_task

TODAY = local_today()


@pytest.fixture
def world(app, make_user):
    north_pc = make_user("pc.okafor", "officer", team="North PDA")
    north_pc2 = make_user("pc.ambrose", "officer", team="North PDA")
    south_pc = make_user("pc.lindqvist", "officer", team="South PDA")
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    analyst = make_user("an.patel", "analyst")
    person = make_person("P1", surname="Ashworth", forenames="Dominic")
    now = utcnow()

    def done(owner, outcome, *, days_ago=1, late=False):
        completed = now - timedelta(days=days_ago)
        due = completed - timedelta(hours=1) if late else completed + timedelta(hours=1)
        return make_task(person, owner=owner, status="done", outcome=outcome, completed_at=completed, due_at=due)

    done(north_pc, "arrested")
    done(north_pc, "charged", late=True)
    done(north_pc2, "recalled")
    done(north_pc2, "order_obtained")
    done(south_pc, "referral_made")
    done(south_pc, "disclosure_made")
    done(south_pc, "visit_completed")
    done(north_pc, "arrested", days_ago=40)  # outside the default 28 days
    make_task(person, owner=north_pc, status="cancelled", outcome_note="Raised twice.")
    make_task(person, owner=north_pc)  # still open
    order = make_order(person, make_person("V1"), ref="NMO/1", starts_on=TODAY - timedelta(days=30))
    log_breach(
        order,
        BreachReport(occurred_at=now - timedelta(hours=3), conditions=[1], narrative="Rang her.", arrested=False),
        user=north_pc,
    )
    return SimpleNamespace(north_pc=north_pc, south_pc=south_pc, sup=sup, analyst=analyst)


def test_the_default_period_is_the_last_28_days_and_counts_by_team_and_officer(client, login, world):
    login(world.sup)
    response = client.get("/outcomes")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'value="{(TODAY - timedelta(days=27)).isoformat()}"' in page and f'value="{TODAY.isoformat()}"' in page
    result = os_.outcomes(TODAY - timedelta(days=27), TODAY, user=world.sup)
    assert result.total.values == {
        "breaches": 1,
        "arrested": 1,
        "charged": 1,
        "recalled": 1,
        "order_obtained": 1,
        "referral_made": 1,
        "disclosure_made": 1,
    }
    assert (result.total.done, result.total.done_on_time) == (7, 6)
    teams = {r.label: r.counts for r in result.by_team}
    assert teams["North PDA"].values["breaches"] == 1 and teams["North PDA"].results == 4
    assert teams["South PDA"].results == 2 and teams["South PDA"].done == 3
    officers = {r.label: r for r in result.by_officer}
    okafor = officers["pc.okafor"].counts
    assert (okafor.values["arrested"], okafor.values["charged"], okafor.values["breaches"]) == (1, 1, 1)
    assert (okafor.done, okafor.done_on_time, okafor.on_time_percent) == (2, 1, 50)
    assert officers["pc.okafor"].team == "North PDA"
    assert "1 of 2 (50%)" in page and "6 of 7 (86%)" in page


def test_a_chosen_period_counts_only_what_fell_in_it(client, login, world):
    login(world.analyst)
    start, end = TODAY - timedelta(days=45), TODAY - timedelta(days=30)
    response = client.get(f"/outcomes?start={start.isoformat()}&end={end.isoformat()}")
    assert response.status_code == 200
    result = os_.outcomes(start, end, user=world.analyst)
    assert result.total.values["arrested"] == 1 and result.total.values["breaches"] == 0
    assert result.total.done == 1


def test_the_charts_are_accessible_svg_with_no_style_attributes_or_outside_assets(client, login, world):
    login(world.sup)
    page = client.get("/outcomes").get_data(as_text=True)
    charts = re.findall(r"<svg class=\"chart[^\"]*\".*?</svg>", page, flags=re.S)
    assert len(charts) == 2 + 8  # teams and on time; a trend for each of the eight measures
    for svg in charts:
        chart_id = re.search(r'id="([^"]+)"', svg).group(1)
        assert f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
        assert "style=" not in svg and "<script" not in svg
        assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]
    teams = next(c for c in charts if 'id="chart-teams"' in c)
    assert "North PDA: 4" in teams and "<rect" in teams
    assert 'id="officer-table"' in page and 'id="team-table"' in page  # the same figures as tables
    assert "style=" not in page


def test_a_bar_is_as_long_as_its_share_and_labels_are_escaped():
    svg = str(bar_chart("c", "T", "D", [Bar("<b>Team</b>", 5), Bar("Other", 10)]))
    widths = [float(w) for w in re.findall(r'<rect[^>]*width="([0-9.]+)"', svg)]
    assert widths[1] == pytest.approx(2 * widths[0])
    assert "&lt;b&gt;Team&lt;/b&gt;" in svg and "<b>" not in svg
    assert "Nothing to show" in str(bar_chart("e", "Empty", "None", []))


def test_viewing_outcomes_is_audited(client, login, world):
    login(world.sup)
    client.get("/outcomes")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "outcomes"))
    assert entry.action == "view" and entry.data["start"] == (TODAY - timedelta(days=27)).isoformat()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=yesterday", "Enter a real date"),
        ("end=2026-13-01", "Enter a real date"),
        (f"end={(TODAY + timedelta(days=1)).isoformat()}", "The period cannot end after today."),
        (f"start={TODAY.isoformat()}&end={(TODAY - timedelta(days=1)).isoformat()}", "on or before the end date"),
        ("start=1999-12-31", "Give a start date from 01 Jan 2000."),
    ],
)
def test_a_bad_period_is_a_400_with_a_clear_message(client, login, world, query, message):
    login(world.sup)
    response = client.get(f"/outcomes?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "outcomes")) is None


def test_a_start_date_alone_runs_to_today(app, world):
    assert os_.check_period(TODAY - timedelta(days=3), None) == (TODAY - timedelta(days=3), TODAY)


@pytest.mark.parametrize("role", ["officer", "referral", "admin"])
def test_only_supervisors_and_analysts_see_outcomes(client, login, make_user, world, role):
    login(make_user(f"only.{role}", role))
    assert client.get("/outcomes").status_code == 403
