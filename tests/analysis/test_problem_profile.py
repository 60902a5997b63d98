"""The perpetrator problem profile: each figure on a hand-built register whose answers are worked
out by hand from the issue's definitions, and the page, print view and CSV (analysts only, counts
only, exports audited)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.analysis import figures
from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import make_event, make_person

T = date(2026, 6, 30)  # the year runs from 30 Jun 2025 (T - 365 days) to T
IN_YEAR = date(2026, 5, 10)


@pytest.fixture
def register(app):
    """20 perpetrators in the year. P01 raped V01 (1,825 harm days), P02 caused GBH (730), P03-P20
    one common assault each (10), all in one day. P03, P04 and P05 also logged 11, 6 and 2 non-crime incidents
    against their victims (0 harm): 12, 7 and 3 reports. P01..P11 offend in North, P12..P20 in
    South. Earlier: P01 against another victim (Jan 2024), P06 against another (Feb 2024), P07
    against a 12-year-old (May 2024), P19 the day before the year. One event falls after T: 44 events."""
    p = {
        i: make_person(f"P{i:02d}", surname=f"Perp{i}", district="North" if i <= 11 else "South") for i in range(1, 21)
    }
    v = {
        i: make_person(f"V{i:02d}", surname="Victimsecret", district="North" if i <= 11 else "South")
        for i in range(1, 21)
    }
    for i in range(1, 21):
        offence = {1: "rape", 2: "gbh"}.get(i, "common_assault")
        day = date(2025, 6, 30) if i == 20 else IN_YEAR
        make_event(p[i], v[i], day, offence, district="North" if i <= 11 else "South")
    for i, extra in ((3, 11), (4, 6), (5, 2)):
        for k in range(extra):
            make_event(p[i], v[i], IN_YEAR - timedelta(days=k + 1), "non_crime_incident", district="North")
    earlier = {1: date(2024, 1, 15), 6: date(2024, 2, 1), 7: date(2024, 5, 1)}
    for i, day in earlier.items():
        dob = date(2012, 1, 1) if i == 7 else None
        other = make_person(f"W{i:02d}", surname="Victimsecret", date_of_birth=dob)
        make_event(p[i], other, day, "non_crime_incident", district="North")
    make_event(p[19], v[19], date(2025, 6, 29), "non_crime_incident", district="South")
    make_event(p[8], v[8], date(2026, 7, 5), "abh", district="North")  # after T: left out
    return p


def test_harm_concentration_and_the_top_shares(register):
    c = figures.problem_profile(db.session, T).concentration
    assert (c.perpetrators, c.harm) == (20, 1825 + 730 + 18 * 10)
    assert c.top[1] == (1, pytest.approx(1825 / 2735)) and c.top[5] == (1, pytest.approx(1825 / 2735))
    assert c.top[10] == (2, pytest.approx(2555 / 2735))
    assert c.half == pytest.approx(1 / 20)
    assert c.curve[0] == (0.0, 0.0) and c.curve[-1] == (1.0, 1.0)
    assert all(b[1] >= a[1] for a, b in zip(c.curve, c.curve[1:], strict=False))


def test_harm_concentration_by_district(register):
    by = figures.problem_profile(db.session, T).by_district
    assert list(by) == ["North", "South"]
    assert (by["North"].perpetrators, by["North"].harm) == (11, 1825 + 730 + 90)
    assert by["North"].top[10] == (2, pytest.approx((1825 + 730) / 2645))  # 10% of 11, rounded up
    assert (by["South"].perpetrators, by["South"].harm) == (9, 90)


def test_victims_banded_by_reports_in_twelve_months(register):
    repeat = figures.problem_profile(db.session, T).repeat
    assert [(b.label, b.victims, b.reports) for b in repeat.bands] == [
        ("1", 17, 17),
        ("2–5", 1, 3),
        ("6–10", 1, 7),
        ("more than 10", 1, 12),
    ]
    assert repeat.by_district == {"North": [8, 1, 1, 1], "South": [9, 0, 0, 0]}


def test_offences_by_harm(register):
    rows = figures.problem_profile(db.session, T).offences
    assert [(r.code, r.events, r.harm) for r in rows] == [
        ("rape", 1, 1825),
        ("gbh", 1, 730),
        ("common_assault", 18, 180),
        ("non_crime_incident", 19, 0),
    ]
    assert rows[0].harm_share == pytest.approx(1825 / 2735) and rows[3].event_share == pytest.approx(19 / 39)


def test_serial_perpetrators_and_their_victims_by_district(register):
    rows = figures.problem_profile(db.session, T).serial
    # P01 (North: V01 and W01) and P06 (North: V06 and W06); P07's second victim was 12.
    assert [(r.district, r.perpetrators, r.victims, r.events, r.harm) for r in rows] == [("North", 2, 4, 4, 1835)]


def test_trends_per_quarter_over_three_years(register):
    quarters = figures.problem_profile(db.session, T).trends
    assert len(quarters) == 12 and quarters[0].start == date(2023, 7, 1) and quarters[-1].end == T
    by_label = {q.label: q for q in quarters}
    assert not quarters[-1].partial
    assert (by_label["Jan–Mar 2024"].reports, by_label["Apr–Jun 2024"].reports) == (2, 1)
    q = by_label["Apr–Jun 2025"]
    assert (q.reports, q.perpetrators, q.victims, q.harm) == (2, 2, 2, 10)
    q = by_label["Apr–Jun 2026"]
    assert (q.reports, q.perpetrators, q.victims, q.harm) == (38, 19, 19, 2725)
    assert sum(q.reports for q in quarters) == 43  # every event up to T, none after


def test_share_of_the_years_highest_harm_perpetrators_with_no_earlier_report(register):
    rows = {r.percent: r for r in figures.problem_profile(db.session, T).new_high_harm}
    assert (rows[1].perpetrators, rows[1].no_earlier_report) == (1, 0)  # P01 offended in 2024
    assert (rows[10].perpetrators, rows[10].no_earlier_report, rows[10].share) == (2, 1, 0.5)  # P02 is new


def test_the_data_range_is_stated(register):
    data = figures.problem_profile(db.session, T).data
    assert (data.first, data.last, data.events, data.after_as_of) == (date(2024, 1, 15), date(2026, 7, 5), 44, 1)


def test_an_empty_register_gives_empty_figures(app):
    profile = figures.problem_profile(db.session, T)
    assert profile.concentration.perpetrators == 0 and profile.concentration.half is None
    assert profile.notes == ["No DA event is recorded: every figure is empty."]


# ---- the pages -----------------------------------------------------------------------------------


def test_the_page_print_view_and_csv_show_counts_only_and_are_audited(client, make_user, login, register):
    login(make_user("ana", "analyst"))
    page = client.get(f"/analysis/problem-profile?as_of={T.isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "from 15 Jan 2024 to 05 Jul 2026" in html and "1 dated after 30 Jun 2026 are left out" in html
    assert "VICTIMSECRET" not in html.upper() and "Perp1" not in html
    printed = client.get(f"/analysis/problem-profile/print?as_of={T.isoformat()}").get_data(as_text=True)
    assert "OFFICIAL – SENSITIVE" in printed and 'id="concentration-table"' in printed
    export = client.get(f"/analysis/problem-profile.csv?as_of={T.isoformat()}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.get_data(as_text=True)
    assert "VICTIMSECRET" not in text.upper() and "P01" not in text
    assert "victims by reports in 12 months,more than 10 reports,victims,1,2026-06-30" in text
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "problem_profile")).all()
    assert [e.action for e in entries] == ["view", "view", "export"]
    assert entries[-1].data["as_of"] == "2026-06-30"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tomorrow", "Enter a real date"),
        ("2099-01-01", "cannot be in the future"),
        ("2999-01-01", "Enter a date between"),  # every date field refuses an implausible year (app.web.Day)
        ("1850-01-01", "Enter a date between"),
    ],
)
def test_a_bad_day_is_refused_with_a_clear_message(client, make_user, login, value, message):
    login(make_user("ana", "analyst"))
    for path in ("/analysis/problem-profile", "/analysis/problem-profile/print", "/analysis/problem-profile.csv"):
        response = client.get(f"{path}?as_of={value}")
        assert response.status_code == 400, path
        assert message in response.get_data(as_text=True), path
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "export")) == 0
    )


@pytest.mark.parametrize("role", ["supervisor", "officer", "referral", "admin"])
def test_only_analysts_see_the_problem_profile(client, make_user, login, role):
    login(make_user(f"u-{role}", role))
    for path in ("/analysis/problem-profile", "/analysis/problem-profile/print", "/analysis/problem-profile.csv"):
        assert client.get(path).status_code == 403
