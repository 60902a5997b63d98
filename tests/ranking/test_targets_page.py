"""The target list page: the current scores (the last full ranking and every re-score since) with
their breakdown, filters, sorting, persons in custody apart, "why here", moves since the ranking
before, the re-rank button and the CSV export (all audited)."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.offenders.models import DAEvent, Person
from app.ranking import services
from app.ranking.models import ScoreRun
from tests.factories import make_event, make_lever, make_order, make_person, make_task

ACTOR = Actor("test")
TODAY = local_today()


def ago(n: int):
    return TODAY - timedelta(days=n)


def text_of(response) -> str:
    """The page with entities decoded and runs of white space made one space."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


@pytest.fixture
def world(app):
    """Four ranked persons (invented) with hand-worked scores as of today."""
    victims = [make_person(f"V{n}", surname=f"Victimname{n}") for n in range(1, 5)]
    alpha = make_person("T-ALPHA", surname="Alderwood", forenames="Ash", district="Northgate")
    bravo = make_person("T-BRAVO", surname="Brackenby", forenames="Bea", district="Eastmarsh")
    charlie = make_person("T-CHARLIE", surname="Coldharbour", forenames="Cal", district="Northgate")
    delta = make_person("T-DELTA", surname="Dunmere", forenames="Dee", district="Harbour")
    # Alpha: R30 (20 days) F10 (2 events) G20 (365 + 10 harm days) V10 (2 victims) = 70;
    # warrant 25 -> 95. Serial, high risk, order in force.
    make_event(alpha, victims[0], ago(20), "abh", dash_risk="high")
    make_event(alpha, victims[1], ago(100), "common_assault")
    make_lever(alpha, "outstanding_warrant", ago(10))
    make_order(alpha, victims[0], starts_on=ago(200))
    # Delta: R30 F5 G5 (10 days) V0 = 40; levers 25 + 25 + 15 = 65, capped at 50 -> 90.
    make_event(delta, victims[3], ago(50), "common_assault")
    for lever in ("outstanding_warrant", "wanted_circulated", "firearms_certificate"):
        make_lever(delta, lever, ago(5))
    # Bravo: R30 F10 G5 (5 + 10 days) V0 = 45; the unactioned breach 20 -> 65. Recent breach.
    make_event(bravo, victims[2], ago(10), "breach_civil_order")
    make_event(bravo, victims[2], ago(400), "common_assault")
    # Charlie: R5 (23 months) F5 G2 V0 = 12.
    make_event(charlie, victims[3], ago(700), "non_crime_incident")
    # Alpha's open work: two open and one in progress count; done and cancelled do not.
    make_task(alpha)
    make_task(alpha, task_type="warrant")
    make_task(alpha, status="in_progress")
    make_task(alpha, status="done", outcome="arrested")
    make_task(alpha, status="cancelled")
    return {"alpha": alpha, "bravo": bravo, "charlie": charlie, "delta": delta}


def rows_of(response) -> list[str]:
    """The person references in the order the page lists them."""
    return re.findall(r'id="target-([^"]+)"', response.get_data(as_text=True))


def moved(page: str, ref: str) -> str:
    """The "Moved" cell of a person's row, as read on screen."""
    cell = re.search(rf'id="target-{ref}".*?class="moved[^"]*">(.*?)</td>', page, re.S).group(1)
    return " ".join(re.sub(r'<span aria-hidden="true">[^<]*</span>', "", cell).split())


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def audit_entries(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.object_type == "targets")
            .order_by(AuditEntry.id)
        )
    )


# ---- who may see it ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", "referral", "admin"])
def test_other_roles_are_refused_the_list_the_export_and_the_button(world, client, make_user, login, role):
    login(make_user(f"only-{role}", role))
    assert client.get("/targets").status_code == 403
    assert client.get("/targets/export.csv").status_code == 403
    assert client.post("/targets/rank").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRun)) == 0


# ---- empty state and the re-rank button ----------------------------------------------------------


def test_before_any_run_the_page_says_so_and_offers_to_rank(world, client, make_user, login):
    login(make_user("sup", "supervisor"))
    response = client.get("/targets")
    assert response.status_code == 200
    page = text_of(response)
    assert "No ranking has been run yet" in page
    assert 'action="/targets/rank"' in page and "Re-rank now" in page
    assert 'id="targets"' not in page
    [entry] = audit_entries("view")
    assert entry.username == "sup" and entry.data["run_id"] is None


def test_export_before_any_run_exports_nothing(world, client, make_user, login):
    login(make_user("ana", "analyst"))
    response = client.get("/targets/export.csv")
    assert response.status_code == 302 and response.headers["Location"].endswith("/targets")
    assert audit_entries("export") == []


def test_the_button_stores_a_manual_run_as_of_today(world, client, make_user, login):
    user = make_user("user-supervisor", "supervisor")
    login(user)
    response = client.post("/targets/rank", follow_redirects=True)
    assert response.status_code == 200
    run = db.session.scalars(sa.select(ScoreRun)).one()
    assert (run.trigger, run.partial, run.as_of, run.ranked_count, run.created_by_id) == (
        "manual",
        False,
        TODAY,
        4,
        user.id,
    )
    page = text_of(response)
    assert f"4 persons ranked (score run {run.id}, scoring model version 2)" in page
    assert rows_of(response) == ["T-ALPHA", "T-DELTA", "T-BRAVO", "T-CHARLIE"]
    assert f"by {user.display_name}" in page and "a manual re-rank" in page


# ---- the list ------------------------------------------------------------------------------------


def test_the_list_shows_the_latest_full_run_with_every_column(world, client, make_user, login):
    services.run_ranking(ago(30), "nightly", actor=ACTOR)
    run = services.run_ranking(TODAY, "nightly", actor=Actor("scheduler"))
    # A run for a past date stored later, and a breach re-score, are not "the latest full run".
    services.run_ranking(ago(60), "manual", actor=ACTOR)
    services.rescore_person(world["charlie"].id, actor=ACTOR)
    login(make_user("sup", "supervisor"))
    response = client.get("/targets")
    assert response.status_code == 200
    page = text_of(response)
    assert rows_of(response) == ["T-ALPHA", "T-DELTA", "T-BRAVO", "T-CHARLIE"]
    assert f"score run {run.id}" in page and "the nightly run" in page and "by scheduler" in page
    assert "scoring model version 2" in page
    assert "Since then 1 person has been re-scored" in page
    assert "Showing 1–4 of 4 persons" in page
    assert 'class="table-responsive"' in page

    alpha_row = page[page.index('id="target-T-ALPHA"') : page.index('id="why-T-ALPHA"')]
    cells = [c.split(">", 1)[1].strip() for c in alpha_row.split("<td")[1:]]
    # position, priority, moved, harm, opportunity, R, F, G, V, levers, flags, last event, open tasks
    assert cells[0].startswith("1<")
    assert [c.split("<")[0] for c in (cells[1], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8])] == [
        "95",
        "70",
        "25",
        "30",
        "10",
        "20",
        "10",
    ]
    assert "Outstanding warrant (25)" in cells[9]
    assert "Serial perpetrator" in cells[10] and "High-risk event (DASH)" in cells[10] and "Order in force" in cells[10]
    assert "serial" not in cells[10]  # plain-English labels, not codes
    assert cells[12].startswith("3<")  # open + open + in progress
    assert 'href="/persons/T-ALPHA"' in alpha_row and "Ash ALDERWOOD" in alpha_row
    bravo_row = page[page.index('id="target-T-BRAVO"') : page.index('id="why-T-BRAVO"')]
    assert "Breach not yet actioned (20)" in bravo_row and "Recent breach" in bravo_row


def test_each_view_is_audited_with_its_filters(world, client, make_user, login):
    run = services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("ana", "analyst"))
    client.get("/targets")
    client.get("/targets?district=Northgate&page=1")
    first, second = audit_entries("view")
    assert (first.username, first.action, first.object_type) == ("ana", "view", "targets")
    assert first.data == {"run_id": run.id, "filters": {}, "page": 1, "per_page": 50, "shown": 4, "total": 4}
    assert second.data["filters"] == {"district": "Northgate"} and second.data["shown"] == 2


def test_raise_a_task_link_for_those_who_may_raise_one(world, app, client, make_user, login):
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("sup", "supervisor"))
    page = text_of(client.get("/targets"))
    if "tasking.task_new" in app.view_functions:
        assert 'href="/tasks/new?person=T-ALPHA"' in page
    with app.test_client() as analyst:
        login(make_user("ana", "analyst"), analyst)
        assert "/tasks/new" not in text_of(analyst.get("/targets"))  # analysts do not raise tasks


def test_the_page_makes_the_same_queries_for_few_or_many_rows(app, client, make_user, login, count_queries):
    victim = make_person("VQ")
    login(make_user("sup", "supervisor"))

    def add(first: int, count: int):
        for n in range(first, first + count):
            person = Person(ref=f"Q{n:04d}", surname=f"Querymany{n}", forenames="Sam", version_id=1)
            db.session.add(person)
            db.session.flush()
            db.session.add(
                DAEvent(
                    ref=f"EQ{n}",
                    occurred_on=ago(n),
                    offence="common_assault",
                    suspect_id=person.id,
                    victim_id=victim.id,
                    version_id=1,
                )
            )
            db.session.commit()
            make_task(person)
            make_lever(person, "drugs_intelligence", ago(3))
        services.run_ranking(TODAY, "nightly", actor=ACTOR)  # each list then has a run before it

    def statements() -> int:
        with count_queries() as seen:
            response = client.get("/targets?per_page=100")
        assert response.status_code == 200
        return len(seen)

    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    add(1, 3)
    few = statements()
    add(10, 40)
    many = statements()
    assert many == few


# ---- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("district=Northgate", ["T-ALPHA", "T-CHARLIE"]),
        ("flag=serial", ["T-ALPHA"]),
        ("flag=recent_breach", ["T-BRAVO"]),
        ("flag=escalating", []),
        ("lever=outstanding_warrant", ["T-ALPHA", "T-DELTA"]),
        ("lever=breach_unactioned", ["T-BRAVO"]),
        ("district=Northgate&lever=outstanding_warrant", ["T-ALPHA"]),
        ("district=Harbour&flag=serial", []),
    ],
)
def test_filters(world, client, make_user, login, query, expected):
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("sup", "supervisor"))
    response = client.get(f"/targets?{query}")
    assert response.status_code == 200
    assert rows_of(response) == expected
    if not expected:
        assert "No ranked person matches these filters." in text_of(response)


def test_rows_per_page_and_pages(world, client, make_user, login):
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("sup", "supervisor"))
    # 25 is the smallest page; four persons fit on one.
    response = client.get("/targets?per_page=25&page=1")
    assert rows_of(response) == ["T-ALPHA", "T-DELTA", "T-BRAVO", "T-CHARLIE"]
    # A page past the end shows the last page.
    assert rows_of(client.get("/targets?page=9")) == ["T-ALPHA", "T-DELTA", "T-BRAVO", "T-CHARLIE"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("district=Atlantis", "Choose a district from the list."),
        ("flag=vip", "Choose a flag from the list."),
        ("lever=bribery", "Choose a lever from the list."),
        ("per_page=7", "Choose how many rows to show: 25, 50, 100, 200."),
        ("per_page=abc", "Choose how many rows to show"),
        ("page=0", "The page number must be a whole number from 1."),
        ("page=-1", "The page number must be a whole number from 1."),
        ("page=two", "The page number must be a whole number from 1."),
        ("page=" + "9" * 30, "The page number must be a whole number from 1."),
    ],
)
def test_bad_filters_are_refused_with_a_message(world, client, make_user, login, query, message):
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("sup", "supervisor"))
    response = client.get(f"/targets?{query}")
    assert response.status_code == 400
    assert message in text_of(response)
    assert 'id="targets"' not in response.get_data(as_text=True)
    if not query.startswith("page="):
        export = client.get(f"/targets/export.csv?{query}")
        assert export.status_code == 400 and message in text_of(export)
    assert audit_entries("view") == [] and audit_entries("export") == []


# ---- "why here" ----------------------------------------------------------------------------------


def why_panel(page: str, ref: str) -> str:
    start = page.index(f'id="why-{ref}"')
    return " ".join(re.sub(r"<[^>]+>", "", page[start : page.index("</details>", start)]).split())


def test_why_here_explains_each_part_from_the_stored_row_and_the_model(world, client, make_user, login):
    run = services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("sup", "supervisor"))
    page = text_of(client.get("/targets"))
    why = why_panel(page, "T-ALPHA")
    latest = ago(20)
    assert "Why is Ash ALDERWOOD here?" in why
    assert "Priority 95 = harm 70 + opportunity 25." in why
    assert (
        f"R Recency: 30 points — latest event on {latest:%d %b %Y}, 0.7 months on the street before "
        f"{TODAY:%d %b %Y}; band “up to 3 months”."
    ) in why
    assert (
        f"F Frequency: 10 points — 2 incidents (one victim, one day; 2 events) in the 36 months to "
        f"{TODAY:%d %b %Y}; band “2 events”."
    ) in why
    assert "G Gravity: 20 points — 375 harm days in total" in why and "band “365–999 days”" in why
    assert (
        "V Victims: 10 points — 2 distinct victims aged 16 or over (or of unknown age) in the 36 months; "
        "band “2 victims”."
    ) in why
    assert "Outstanding warrant: 25" in why
    assert "The levers add up to 25; the cap is 50." in why and "capped" not in why
    assert "Serial perpetrator: 2 or more distinct victims in the 36 months (here 2)." in why
    assert "High-risk event (DASH): an event in the 36 months graded high risk on the DASH form." in why
    assert f"Order in force: the subject of an order in force on {TODAY:%d %b %Y}." in why
    assert f"From score run {run.id}" in why

    delta = why_panel(page, "T-DELTA")
    assert "The levers add up to 65; the cap is 50, so the opportunity is capped at 50." in delta
    assert "Outstanding warrant: 25" in delta and "Wanted and circulated: 25" in delta
    assert "Holds a firearms or shotgun certificate: 15" in delta
    assert "band “1 event”" in delta and "band “10–29 days”" in delta and "band “1 victim”" in delta
    assert "No flag is raised." in delta

    bravo = why_panel(page, "T-BRAVO")
    assert "Breach not yet actioned: 20 (worked out, not recorded: a breach in the 90 days" in bravo
    assert "Recent breach: a breach of an order in the 30 days" in bravo

    charlie = why_panel(page, "T-CHARLIE")
    assert (
        "R Recency: 5 points" in charlie and "23.0 months" in charlie and "band “over 12, up to 24 months”" in charlie
    )
    assert "No lever is active." in charlie


def test_why_here_uses_the_model_version_of_the_run(world, client, make_user, login):
    """After a new version is published the panel still explains the stored run by its own numbers."""
    from app.ranking.models import ScoringModel

    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    params = services.current_model().params | {"opportunity_cap": 10}
    db.session.execute(sa.update(ScoringModel).values(is_current=False))
    db.session.add(ScoringModel(version=3, params=params, note="test: small cap", rules=2, is_current=True))
    db.session.commit()
    login(make_user("sup", "supervisor"))
    page = text_of(client.get("/targets"))
    why = why_panel(page, "T-DELTA")
    assert "the cap is 50, so the opportunity is capped at 50" in why
    assert "Scoring model version 3 is now the current version; the list moves to it at the next full ranking" in page


# ---- moved up since the last run -----------------------------------------------------------------


def test_moves_between_two_runs(app, client, make_user, login):
    victim = make_person("VM")
    one = make_person("T-ONE", surname="Oakhollow", forenames="Olly")
    two = make_person("T-TWO", surname="Tarnwick", forenames="Tam")
    three = make_person("T-THREE", surname="Thistlebury", forenames="Teo")
    # As of 60 days ago: Two 40 (R30 F5 G5), Three 30 (R20); One's event has not happened yet.
    # As of today: Three 45 (R10 F5 G5 + warrant 25), One 40 (new), Two 30 (R20).
    make_event(one, victim, ago(10), "common_assault")
    make_event(two, victim, ago(100), "common_assault")
    make_event(three, victim, ago(200), "common_assault")
    make_lever(three, "outstanding_warrant", ago(5))
    login(make_user("sup", "supervisor"))

    first = services.run_ranking(ago(60), "nightly", actor=ACTOR)
    page = text_of(client.get("/targets"))
    assert "This is the first full ranking" in page
    assert page.count("First run") == 2

    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    response = client.get("/targets")
    page = text_of(response)
    assert rows_of(response) == ["T-THREE", "T-ONE", "T-TWO"]
    assert (moved(page, "T-THREE"), moved(page, "T-ONE"), moved(page, "T-TWO")) == ("Up 1", "New", "Down 2")
    assert f"(score run {first.id})" in page and "compares each place with the full ranking before" in page

    rows = {row["person_ref"]: row for row in read_csv(client.get("/targets/export.csv"))}
    assert rows["T-THREE"]["moved_since_last_run"] == "Up 1" and rows["T-THREE"]["previous_position"] == "2"
    assert rows["T-ONE"]["moved_since_last_run"] == "New" and rows["T-ONE"]["previous_position"] == ""
    assert rows["T-TWO"]["moved_since_last_run"] == "Down 2" and rows["T-TWO"]["previous_position"] == "1"


# ---- CSV export ----------------------------------------------------------------------------------


def test_csv_export_has_every_column_and_is_audited(world, client, make_user, login):
    run = services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("ana", "analyst"))
    response = client.get("/targets/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="targets-{TODAY.isoformat()}-run{run.id}.csv"'
    )
    rows = read_csv(response)
    assert [row["person_ref"] for row in rows] == ["T-ALPHA", "T-DELTA", "T-BRAVO", "T-CHARLIE"]
    alpha = rows[0]
    assert {key: alpha[key] for key in ("position", "priority", "harm", "opportunity", "R", "F", "G", "V")} == {
        "position": "1",
        "priority": "95",
        "harm": "70",
        "opportunity": "25",
        "R": "30",
        "F": "10",
        "G": "20",
        "V": "10",
    }
    assert (alpha["harm_days"], alpha["events_in_window"], alpha["victims_in_window"]) == ("375", "2", "2")
    assert alpha["latest_event_on"] == ago(20).isoformat()
    assert alpha["name"] == "Ash ALDERWOOD" and alpha["district"] == "Northgate"
    assert alpha["levers"] == "Outstanding warrant (25)"
    assert alpha["flags"] == "Serial perpetrator; High-risk event (DASH); Order in force"
    assert (alpha["flag_serial"], alpha["flag_escalating"], alpha["flag_active_order"]) == ("yes", "", "yes")
    assert (alpha["lever_outstanding_warrant"], alpha["lever_benefits"]) == ("25", "")
    assert alpha["open_tasks"] == "3" and alpha["moved_since_last_run"] == "First run"
    assert (alpha["as_of"], alpha["model_version"], alpha["score_run"]) == (TODAY.isoformat(), "2", str(run.id))
    assert (alpha["incidents_in_window"], alpha["recency_days"], alpha["in_custody_since"]) == ("2", "20", "")
    delta = rows[1]
    assert delta["opportunity"] == "50" and delta["lever_wanted_circulated"] == "25"
    assert delta["lever_firearms_certificate"] == "15"

    [entry] = audit_entries("export")
    assert (entry.username, entry.object_ref) == ("ana", TODAY.isoformat())
    assert entry.data == {"run_id": run.id, "filters": {}, "rows": 4, "format": "csv"}


def test_csv_export_applies_the_filters_and_records_them(world, client, make_user, login):
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("sup", "supervisor"))
    response = client.get("/targets/export.csv?district=Northgate&flag=serial")
    assert [row["person_ref"] for row in read_csv(response)] == ["T-ALPHA"]
    [entry] = audit_entries("export")
    assert entry.data["filters"] == {"district": "Northgate", "flag": "serial"} and entry.data["rows"] == 1
    # The page's export link carries the page's filters.
    page = client.get("/targets?district=Northgate&flag=serial").get_data(as_text=True)
    assert 'href="/targets/export.csv?district=Northgate&amp;flag=serial"' in page


def test_csv_export_never_hands_a_spreadsheet_a_formula(app, client, make_user, login):
    victim = make_person("VX")
    for n, (forenames, district) in enumerate(
        [('=HYPERLINK("http://example.invalid")', "+Northgate"), ("@SUM(A1)", "-Harbour"), ("Plain", "Central")], 1
    ):
        person = make_person(f"X-{n}", surname=f"Injectworth{n}", forenames=forenames, district=district)
        make_event(person, victim, ago(n), "common_assault")
    services.run_ranking(TODAY, "nightly", actor=ACTOR)
    login(make_user("ana", "analyst"))
    rows = {row["person_ref"]: row for row in read_csv(client.get("/targets/export.csv"))}
    assert rows["X-1"]["name"] == '\'=HYPERLINK("http://example.invalid") INJECTWORTH1'
    assert rows["X-1"]["district"] == "'+Northgate"
    assert rows["X-2"]["name"] == "'@SUM(A1) INJECTWORTH2" and rows["X-2"]["district"] == "'-Harbour"
    assert rows["X-3"]["name"] == "Plain INJECTWORTH3" and rows["X-3"]["district"] == "Central"
    assert rows["X-3"]["priority"] == "40"  # numbers are left as numbers


# ---- in a browser, on a phone --------------------------------------------------------------------


@pytest.mark.browser
def test_a_supervisor_ranks_and_reads_why_on_a_phone(world, page, live_server, make_user):
    from playwright.sync_api import expect

    from tests.browser import serious_accessibility_violations, sign_in

    make_user("sgt.ward", "supervisor")
    sign_in(page, live_server, "sgt.ward")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/targets")
    expect(page.get_by_role("heading", name="No ranking has been run yet")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Re-rank now").click()  # a real POST with its CSRF token

    expect(page.get_by_role("status")).to_contain_text("4 persons ranked")
    expect(page.locator("#targets tbody tr.target-row")).to_have_count(4)
    # The page itself never scrolls sideways; the table scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_text("Why is Ash ALDERWOOD here?").click()
    expect(page.locator("#why-T-ALPHA")).to_contain_text("The levers add up to 25; the cap is 50.")
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Flag").select_option("recent_breach")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#targets tbody tr.target-row")).to_have_count(1)
    expect(page.locator("#target-T-BRAVO")).to_contain_text("Breach not yet actioned (20)")
