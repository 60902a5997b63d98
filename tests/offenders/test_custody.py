"""Custody periods: recorded and corrected on the profile (supervisors and officers), shown there as
"In custody since … expected release …", imported from custody.csv checked whole, each change
audited and re-scoring the person at once."""

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.base import local_today
from app.extensions import db
from app.imports.services import import_files
from app.offenders.custody.models import CustodyPeriod
from app.ranking import services as ranking
from app.ranking.models import CurrentScore
from tests.factories import make_event, make_person

TODAY = local_today()
HEADER = "person_ref,custody_from,custody_to,kind,expected_release_on\n"


def ago(n: int):
    return TODAY - timedelta(days=n)


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def periods() -> list[tuple]:
    return [
        (p.person.ref, p.custody_from, p.custody_to, p.kind, p.expected_release_on, p.source)
        for p in db.session.scalars(
            sa.select(CustodyPeriod).order_by(CustodyPeriod.person_id, CustodyPeriod.custody_from)
        )
    ]


@pytest.fixture
def kit(app):
    person = make_person("K1", surname="Ashdown", forenames="Kit")
    make_event(person, make_person("V1"), ago(500), "abh")
    ranking.run_ranking(TODAY, "nightly", actor=Actor("test"))
    return person


def form(**values) -> dict:
    return {"custody_from": "", "kind": "", "custody_to": "", "expected_release_on": "", "note": ""} | values


# ---- on the profile ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "officer"])
def test_supervisors_and_officers_record_custody_and_the_profile_says_so(kit, client, make_user, login, role):
    login(make_user(f"u-{role}", role))
    page = text_of(client.get("/persons/K1"))
    assert "No custody recorded." in page and "Record custody" in page
    data = form(
        custody_from=ago(400).isoformat(), kind="sentence", expected_release_on=(TODAY + timedelta(days=40)).isoformat()
    )
    response = client.post("/persons/K1/custody/new", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/persons/K1#custody")
    assert periods() == [("K1", ago(400), None, "sentence", TODAY + timedelta(days=40), "manual")]
    release = TODAY + timedelta(days=40)
    page = text_of(client.get("/persons/K1"))
    assert f"In custody since {ago(400):%d %b %Y} (sentence), expected release {release:%d %b %Y}." in page
    # Re-scored at once: 401 of the 500 days since the ABH were inside.
    row = db.session.scalars(sa.select(CurrentScore).where(CurrentScore.person_id == kit.id)).one()
    assert (row.recency_days, row.flags) == (99, ["in_custody"])
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "custody_period"))
    assert entry.action == "create" and entry.data["kind"] == {"before": None, "after": "sentence"}


@pytest.mark.parametrize("role", ["analyst", "referral", "admin"])
def test_other_roles_cannot_record_custody(kit, client, make_user, login, role):
    login(make_user(f"u-{role}", role))
    assert client.get("/persons/K1/custody/new").status_code == 403
    data = form(custody_from=ago(10).isoformat(), kind="remand")
    assert client.post("/persons/K1/custody/new", data=data).status_code == 403
    assert periods() == []


BAD = [
    (form(kind="remand"), "custody_from", "Enter the date custody began."),
    (form(custody_from="2026-13-01", kind="remand"), "custody_from", "Not a valid date value"),
    (
        form(custody_from=(TODAY + timedelta(days=1)).isoformat(), kind="remand"),
        "custody_from",
        "cannot be in the future",
    ),
    (form(custody_from=ago(10).isoformat()), "kind", "Choose the kind"),
    (form(custody_from=ago(10).isoformat(), kind="holiday"), "kind", "Choose the kind of custody from the list."),
    (
        form(custody_from=ago(10).isoformat(), kind="remand", custody_to=ago(11).isoformat()),
        "custody_to",
        "before custody began",
    ),
    (
        form(custody_from=ago(10).isoformat(), kind="remand", custody_to=(TODAY + timedelta(days=2)).isoformat()),
        "custody_to",
        "cannot be in the future",
    ),
    (
        form(custody_from=ago(10).isoformat(), kind="remand", expected_release_on=ago(11).isoformat()),
        "expected_release_on",
        "The expected release is before custody began",
    ),
    (form(custody_from=ago(10).isoformat(), kind="remand", note="x" * 2001), "note", "Use at most 2,000 characters."),
]  # fmt: skip


@pytest.mark.parametrize(("data", "field", "message"), BAD, ids=[b[1] + "-" + b[2][:20] for b in BAD])
def test_bad_custody_is_refused_with_a_message_and_nothing_is_written(
    kit, client, make_user, login, data, field, message
):
    login(make_user("pc", "officer"))
    response = client.post("/persons/K1/custody/new", data=data)
    assert response.status_code == 400
    assert message in text_of(response) and f'id="{field}-error"' in response.get_data(as_text=True)
    assert periods() == []


def test_overlapping_periods_are_refused(kit, client, make_user, login):
    login(make_user("pc", "officer"))
    data = form(custody_from=ago(300).isoformat(), custody_to=ago(100).isoformat(), kind="sentence")
    assert client.post("/persons/K1/custody/new", data=data).status_code == 302
    for start, end in ((ago(200), None), (ago(400), ago(299)), (ago(150), ago(120)), (ago(400), None)):
        data = form(custody_from=start.isoformat(), custody_to=end.isoformat() if end else "", kind="remand")
        response = client.post("/persons/K1/custody/new", data=data)
        assert response.status_code == 400, (start, end)
        assert "overlaps the one recorded" in text_of(response)
    # Back to back is fine: released 100 days ago, recalled the same day.
    data = form(custody_from=ago(100).isoformat(), kind="recall")
    assert client.post("/persons/K1/custody/new", data=data).status_code == 302
    assert [p[1] for p in periods()] == [ago(300), ago(100)]


def test_a_release_is_recorded_by_correcting_the_period_and_a_stale_edit_is_a_conflict(kit, client, make_user, login):
    login(make_user("pc", "officer"))
    client.post("/persons/K1/custody/new", data=form(custody_from=ago(30).isoformat(), kind="remand"))
    period = db.session.scalars(sa.select(CustodyPeriod)).one()
    page = client.get(f"/persons/K1/custody/{period.id}/edit").get_data(as_text=True)
    assert 'name="version_id"' in page and f'value="{ago(30).isoformat()}"' in page
    data = form(custody_from=ago(30).isoformat(), kind="remand", custody_to=ago(2).isoformat(), version_id="1")
    assert client.post(f"/persons/K1/custody/{period.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert periods() == [("K1", ago(30), ago(2), "remand", None, "manual")]
    assert "Not in custody. Last released" in text_of(client.get("/persons/K1"))
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "custody_period", AuditEntry.action == "update")
    ).one()
    assert entry.data == {"custody_to": {"before": None, "after": ago(2).isoformat()}}
    # The form was filled at version 1; the period is at version 2 now.
    stale = form(custody_from=ago(30).isoformat(), kind="sentence", custody_to=ago(2).isoformat(), version_id="1")
    response = client.post(f"/persons/K1/custody/{period.id}/edit", data=stale)
    assert response.status_code == 409 and "Someone else changed this period" in text_of(response)
    assert periods()[0][3] == "remand"
    assert client.get("/persons/K1/custody/99999/edit").status_code == 404


# ---- custody.csv ---------------------------------------------------------------------------------


def custody_csv(*rows: str) -> dict:
    return {"custody.csv": (HEADER + "".join(row + "\n" for row in rows)).encode()}


def test_custody_csv_imports_updates_and_re_imports_nothing(kit):
    make_person("K2")
    files = custody_csv(
        f"K1,{ago(300).isoformat()},{ago(100).isoformat()},sentence,",
        f"K1,{ago(100).isoformat()},,recall,{(TODAY + timedelta(days=10)).isoformat()}",
        f"K2,{ago(20).isoformat()},,remand,",
    )
    result = import_files(files, actor=Actor("test"))
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts["custody.csv"]["created"] == 3
    assert periods() == [
        ("K1", ago(300), ago(100), "sentence", None, "import"),
        ("K1", ago(100), None, "recall", TODAY + timedelta(days=10), "import"),
        ("K2", ago(20), None, "remand", None, "import"),
    ]
    again = import_files(files, actor=Actor("test"))
    assert again.counts["custody.csv"]["unchanged"] == 3 and again.rescored == 0
    # The same key with a release date now: the period is updated (the force's records lead).
    update = custody_csv(f"K2,{ago(20).isoformat()},{ago(1).isoformat()},remand,")
    assert import_files(update, actor=Actor("test")).counts["custody.csv"]["updated"] == 1
    assert periods()[2][2] == ago(1)


def refused(files) -> list[str]:
    result = import_files(files, actor=Actor("test"))
    assert not result.ok
    return [str(e) for e in result.errors]


def test_custody_csv_refuses_overlaps_bad_dates_and_unknown_persons_writing_nothing(kit):
    a, b = ago(300).isoformat(), ago(100).isoformat()
    errors = refused(custody_csv(f"K1,{a},{b},sentence,", f"K1,{ago(150).isoformat()},,recall,"))
    assert errors == [
        f"custody.csv, line 3, column custody_from: the periods of K1 {ago(300):%d %b %Y} to {ago(100):%d %b %Y} and "
        f"{ago(150):%d %b %Y} still in custody overlap (another row of this file); one person's periods in custody "
        "cannot overlap"
    ]
    errors = refused(custody_csv(f"K1,{b},{a},sentence,"))
    assert errors == [
        f"custody.csv, line 2, column custody_to: The date of release is before custody began ({ago(100):%d %b %Y})."
    ]
    errors = refused(custody_csv(f"NOBODY,{a},,remand,", f"K1,{a},,holiday,", "K1,2026-02-30,,remand,"))
    assert errors[0].startswith("custody.csv, line 2, column person_ref: names person 'NOBODY'")
    assert errors[1].startswith("custody.csv, line 3, column kind: 'holiday' is not one of: recall, remand, sentence")
    assert errors[2].startswith("custody.csv, line 4, column custody_from: '2026-02-30' is not a date")
    errors = refused(custody_csv(f"K1,{a},,remand,", f"K1,{a},,sentence,"))
    assert "appears again (first on line 2)" in errors[0]
    assert periods() == []


def test_custody_csv_refuses_an_overlap_with_a_period_already_held(kit):
    assert import_files(custody_csv(f"K1,{ago(300).isoformat()},,sentence,"), actor=Actor("test")).ok
    errors = refused(custody_csv(f"K1,{ago(50).isoformat()},{ago(10).isoformat()},remand,"))
    assert errors == [
        f"custody.csv, line 2, column custody_from: the periods of K1 {ago(300):%d %b %Y} still in custody and "
        f"{ago(50):%d %b %Y} to {ago(10):%d %b %Y} overlap (a period already held); one person's periods in custody "
        "cannot overlap"
    ]
    assert len(periods()) == 1
