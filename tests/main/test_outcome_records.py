"""Outcomes counted from the records: each source table counts in its month, a breach's arrest counts
once, the cohort's harm is compared six months either side of adoption, and every table exports."""

import csv
import io
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today, utcnow
from app.extensions import db
from app.main import outcome_records as records
from app.orders.breaches.services import BreachReport, log_breach, record_outcome
from app.referrals.clares_law import services as clare
from app.tasking.cohort import services as cohort
from tests.factories import make_clare_case, make_event, make_order, make_person, make_referral, make_task

TODAY = local_today()
THIS_MONTH = TODAY.strftime("%Y-%m")


def month_before(n: int) -> str:
    return records.month_keys(TODAY)[-1 - n]


def a_day_in(month: str) -> datetime.date:
    return datetime.strptime(month + "-10", "%Y-%m-%d").date()


@pytest.fixture
def world(app, make_user):
    sup = make_user("sgt.reyes", "supervisor", team="North PDA")
    pc = make_user("pc.okafor", "officer", team="North PDA")
    analyst = make_user("an.patel", "analyst")
    person = make_person("P100", surname="Ashworth", forenames="Dominic")
    victim = make_person("P200", surname="Bellamy", forenames="Freya")
    return SimpleNamespace(sup=sup, pc=pc, analyst=analyst, person=person, victim=victim)


def test_each_source_counts_in_its_month(app, world):
    two_ago = month_before(2)
    day = a_day_in(two_ago)
    p, v = world.person, world.victim
    # DA events: arrest, charge, and one outside the 12 months.
    make_event(p, v, day, outcome="arrest")
    make_event(p, v, day, outcome="charge")
    make_event(p, v, TODAY - timedelta(days=400), outcome="arrest")
    # A breach logged through the API with arrested: true is an arrest (its event's outcome)...
    order = make_order(p, v, ref="NMO/1", starts_on=TODAY - timedelta(days=60), made_on=TODAY - timedelta(days=61))
    report = BreachReport(
        occurred_at=datetime.now(UTC) - timedelta(hours=1), conditions=[1], narrative="x", arrested=True
    )
    arrested = log_breach(order, report, user=world.pc).breach
    # ...and closing its enforcement task as arrested does not count it twice.
    task = db.session.scalars(sa.select(records.Task).where(records.Task.breach_id == arrested.id)).one()
    task.status, task.outcome, task.completed_at = "done", "arrested", utcnow()
    db.session.commit()
    # A recall on a breach; a warrant task's arrest (no breach): counted from the task.
    recalled = log_breach(
        order,
        BreachReport(occurred_at=report.occurred_at, conditions=[1], narrative="y", arrested=False),
        user=world.pc,
    ).breach
    record_outcome(recalled, "recall", expected_version=recalled.version_id, user=world.sup)
    make_task(p, owner=world.pc, task_type="warrant", status="done", outcome="arrested", completed_at=utcnow())
    # A Clare's Law disclosure this month.
    case = make_clare_case(p, v, application_on=TODAY - timedelta(days=3))
    actor = Actor.of(world.sup)
    clare.record_decision(
        case,
        decision="disclose",
        rationale="Risk to Freya.",
        decided_on=TODAY,
        expected_version=case.version_id,
        actor=actor,
    )
    clare.record_disclosure(
        case,
        disclosure_on=TODAY,
        disclosed_to="Freya Bellamy",
        disclosed_what="Previous ABH.",
        disclosed_how="In person",
        expected_version=case.version_id,
        actor=actor,
    )
    # Programme starts and completions, this month.
    make_event(p, v, TODAY - timedelta(days=1))
    make_referral(p, "completed")

    found = records.monthly(TODAY)
    assert len(found.months) == 12 and found.months[-1] == THIS_MONTH
    counts = {k: {m: n for m, n in c.items() if n} for k, c in found.counts.items()}
    # The recall's event reads as an arrest (a recall is an arrest and return to custody).
    assert counts["arrests"] == {two_ago: 1, THIS_MONTH: 3}
    assert counts["charges"] == {two_ago: 1}
    assert counts["recalls"] == {THIS_MONTH: 1}
    assert counts["orders"] == {(TODAY - timedelta(days=61)).strftime("%Y-%m"): 1}
    assert counts["disclosures"] == {THIS_MONTH: 1}
    assert counts["programme_starts"] == {THIS_MONTH: 1} and counts["programme_completions"] == {THIS_MONTH: 1}
    assert counts["breaches"] == {THIS_MONTH: 2}


def test_the_page_shows_the_trends_and_the_tables(client, login, world):
    make_event(world.person, world.victim, TODAY - timedelta(days=1), outcome="arrest")
    login(world.analyst)
    page = client.get("/outcomes").get_data(as_text=True)
    assert 'id="trend-arrests"' in page and 'id="monthly-table"' in page
    assert "Arrests in each of the last 12 months" in page
    assert 'href="/outcomes.csv?table=monthly"' in page and 'href="/outcomes.csv?table=cohort"' not in page


def test_cohort_harm_before_and_after_adoption(app, world):
    p, v = world.person, world.victim
    adopted = TODAY - timedelta(days=200)
    make_event(p, v, adopted - timedelta(days=100), "abh")  # 365 before
    make_event(p, v, adopted - timedelta(days=10), "common_assault")  # 10 before
    make_event(p, v, adopted - timedelta(days=190), "gbh")  # outside the six months before
    make_event(p, v, adopted + timedelta(days=30), "harassment")  # 10 after
    make_event(p, v, adopted + timedelta(days=190), "harassment")  # outside the six months after
    cohort.adopt("P100", "Serial.", user=world.sup, adopted_on=adopted)
    other = make_person("P300")
    make_event(other, v, TODAY - timedelta(days=20), "abh")
    cohort.adopt("P300", "New.", user=world.sup, adopted_on=TODAY - timedelta(days=30))
    summary = records.cohort_harm(TODAY)
    by_ref = {r.member.person.ref: r for r in summary.rows}
    assert (by_ref["P100"].before, by_ref["P100"].after, by_ref["P100"].complete) == (375, 10, True)
    assert (by_ref["P300"].before, by_ref["P300"].after, by_ref["P300"].complete) == (0, 365, False)
    assert summary.totals(complete_only=True) == (1, 375, 10)
    assert summary.change(375, 10) == -97


@pytest.mark.parametrize("table", ["monthly", "cohort", "teams", "officers"])
def test_every_table_downloads_as_csv_and_is_audited(client, login, world, table):
    make_event(world.person, world.victim, TODAY - timedelta(days=1), outcome="arrest")
    cohort.adopt("P100", "Serial.", user=world.sup)
    make_task(world.person, owner=world.pc, status="done", outcome="charged", completed_at=utcnow())
    login(world.sup)
    response = client.get(f"/outcomes.csv?table={table}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    if table == "monthly":
        assert rows[0][:2] == ["month", "arrests"] and len(rows) == 13 and rows[-1][1] == "1"
    elif table == "cohort":
        assert rows[1][0] == "P100"
    else:
        assert len(rows) >= 2
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.data["table"] == table


def test_a_bad_table_is_a_400_and_officers_are_refused(client, login, world, app):
    login(world.sup)
    assert client.get("/outcomes.csv?table=secrets").status_code == 400
    officer = login(world.pc, app.test_client())
    assert officer.get("/outcomes").status_code == 403
    assert officer.get("/outcomes.csv?table=monthly").status_code == 403


def test_month_keys_wrap_the_year():
    assert records.month_keys(datetime(2027, 2, 15).date(), 4) == ["2026-11", "2026-12", "2027-01", "2027-02"]
