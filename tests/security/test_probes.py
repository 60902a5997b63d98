"""The exact probes that broke main (issue 15, items 1, 5, 7, 10 and 11), each now a 4xx or refused."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.services import Actor
from app.auth.models import User
from app.auth.services import issue_token
from app.base import local_today
from app.extensions import db
from app.offenders.models import Person
from tests.factories import PASSWORD, count, make_event, make_order, make_person

TODAY = local_today()


# ---- 1. open redirect at sign-in -----------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/%09/evil.example/phish", "/\t/evil.example/phish", "/%0d%0a/x", "/\r\n/x", "//evil.example", "/\\evil.example"],
)
def test_sign_in_never_redirects_off_the_site_nor_fails(client, make_user, target):
    make_user("gale", "analyst")
    # The raw query string, exactly as the attacker's link carries it.
    query = "next=" + target.replace("\t", "%09").replace("\r", "%0d").replace("\n", "%0a")
    response = client.post(f"/login?{query}", data={"username": "gale", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_good_next_is_still_followed(client, make_user):
    make_user("gale", "analyst")
    response = client.post("/login?next=/audit/%3Fuser%3Dx", data={"username": "gale", "password": PASSWORD})
    assert response.headers["Location"] == "/audit/?user=x"


# ---- 7. 4xx instead of 500 ------------------------------------------------------------------------


@pytest.fixture
def everyone(make_user, login, client):
    login(make_user("all-roles", "supervisor", "officer", "analyst", "admin"))
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/tasks/99999999999999999999"),
        ("GET", "/tasks/2147483648"),
        ("GET", "/meetings/99999999999999999999"),
        ("GET", "/meetings/2147483648"),
        ("POST", "/alerts/99999999999999999999/dismiss"),
        ("POST", "/alerts/2147483648/dismiss"),
        ("GET", "/meetings/1/items/99999999999999999999/plan"),
    ],
)
def test_ids_beyond_any_row_are_not_found(everyone, method, path):
    assert everyone.open(path, method=method).status_code in (404, 405)


def test_the_largest_row_id_is_still_a_plain_not_found(everyone):
    assert everyone.get("/tasks/2147483647").status_code == 404


def test_a_person_edit_without_its_version_is_a_conflict_not_a_500(everyone):
    make_person("P1", surname="Ostrick", forenames="Jo")
    response = everyone.post("/persons/P1/edit", data={"surname": "Ostrick-Vale", "forenames": "Jo"})
    assert response.status_code == 409
    assert db.session.scalar(sa.select(Person.surname).where(Person.ref == "P1")) == "Ostrick"


def test_a_user_edit_without_its_version_is_a_conflict_not_a_500(everyone, make_user):
    make_user("pc1", "officer")
    response = everyone.post("/admin/users/pc1", data={"display_name": "PC One", "roles": ["officer"], "active": "y"})
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("surname", "query"),
    [("Ost\x00rick", None), (None, "a\x00b"), (None, "\x00")],
)
def test_nul_bytes_are_refused_on_pages(everyone, surname, query):
    if surname is not None:
        response = everyone.post("/persons/new", data={"surname": surname, "forenames": "Jo"})
    else:
        response = everyone.get("/persons/", query_string={"q": query})
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert count(Person) == 0


def test_a_nul_byte_in_a_path_is_refused(everyone):
    assert everyone.get("/persons/P%001").status_code == 400


@pytest.fixture
def order():
    subject = make_person("P10", surname="Kershaw", forenames="Lionel")
    protected = make_person("P20", surname="Marsh", forenames="Nina")
    make_event(subject, protected, TODAY - timedelta(days=200))
    return make_order(subject, protected, "restraining_conviction", ref="RO/9", starts_on=TODAY - timedelta(days=90))


def _breach(client, token, **changes):
    body = {
        "order_ref": "RO/9",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "conditions": [1],
        "narrative": "Seen at her door.",
        "arrested": False,
    } | changes
    return client.post(
        "/api/v1/breaches",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:59-01:00"}, "occurred_at"),
        ({"narrative": "Seen\u0000 at her door."}, "narrative"),
        ({"order_ref": "RO/9\u0000"}, "order_ref"),
    ],
)
def test_the_breach_api_refuses_impossible_dates_and_nul_bytes(client, make_user, order, changes, field):
    make_user("pc.lowe", "officer")
    token = issue_token("pc.lowe", actor=Actor("test-setup"))
    response = _breach(client, token, **changes)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_a_csv_import_with_a_nul_byte_is_refused_whole(app, tmp_path):
    from app.imports.services import import_directory

    (tmp_path / "persons.csv").write_bytes(
        b"person_ref,surname,forenames,date_of_birth,gender,pnc_id,district\nP1,Good,Row,,,,\nP2,Bad\x00Name,Row,,,,\n"
    )
    result = import_directory(str(tmp_path), actor=Actor("test"))
    assert [str(e) for e in result.errors] == ["persons.csv, line 3: contains a NUL character, which is not allowed"]
    assert count(Person) == 0


# ---- 5. demo accounts and demo data in production ---------------------------------------------------


def test_demo_users_cannot_sign_in_when_the_database_is_served_in_production(app, database, runner, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    credentials = database.instance_path / "demo-credentials.txt"
    credentials.unlink(missing_ok=True)  # the instance folder outlives each test: start afresh
    assert runner.invoke(args=["users", "demo"]).exit_code == 0
    password = next(line.split()[1] for line in credentials.read_text().splitlines() if line.startswith("officer "))
    credentials.unlink()  # the instance folder outlives the test
    production = database.make_app(ENV="production", SESSION_COOKIE_SECURE=False)
    with production.test_client() as c:
        response = c.post("/login", data={"username": "officer", "password": password})
        assert response.status_code == 403
        assert "Demo accounts cannot sign in" in response.get_data(as_text=True)
        assert c.get("/tasks/mine").status_code == 302
        token = None
        with production.app_context():
            token = issue_token("officer", actor=Actor("test"))
        assert c.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # The same account still works in development and tests.
    assert app.test_client().post("/login", data={"username": "officer", "password": password}).status_code == 302


def test_demo_data_refuses_to_run_in_production(database, app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    make_person("REAL1", surname="Realperson", forenames="Sam")
    production = database.make_app(ENV="production")
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["demo-data", "--scale", "0.01"])
    assert result.exit_code != 0
    assert "never in production" in result.output
    db.session.expire_all()
    assert [p.surname for p in db.session.scalars(sa.select(Person))] == ["Realperson"]


# ---- 11. smaller holes ---------------------------------------------------------------------------------


def test_the_csrf_token_changes_at_sign_in(database, make_user):
    import re

    make_user("ivy", "officer")
    csrf_app = database.make_app(WTF_CSRF_ENABLED=True)
    token_of = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    with csrf_app.test_client() as c:
        before = token_of.search(c.get("/login").get_data(as_text=True)).group(1)
        assert c.post("/login", data={"username": "ivy", "password": PASSWORD, "csrf_token": before}).status_code == 302
        # A token planted before sign-in (session fixation of the CSRF token) no longer works.
        assert c.post("/logout", data={"csrf_token": before}).status_code == 400
        after = token_of.search(c.get("/alerts/").get_data(as_text=True)).group(1)
        assert after != before


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_order_dates_in_year_1_or_9999_are_refused(everyone, year):
    subject, protected = make_person("P10"), make_person("P20")

    def order(ref, starts_on):
        data = {
            "ref": ref,
            "order_type": "non_molestation",
            "subject_ref": subject.ref,
            "protected_refs": protected.ref,
            "starts_on": starts_on,
            "until_further_order": "y",
            "new_conditions": "Not to contact the protected person",
        }
        return everyone.post("/orders/new", data=data)

    assert order("NMO/OK", TODAY.isoformat()).status_code == 302  # the same form is otherwise good
    response = order("NMO/1", f"{year}-01-01")
    assert response.status_code == 400
    assert "Enter a date between 1900 and 2199." in response.get_data(as_text=True)
    assert db.session.scalar(sa.text("SELECT count(*) FROM orders")) == 1


def test_an_officer_cannot_quietly_raise_a_task_for_someone_else(client, make_user, login):
    from app.tasking.models import Task

    make_user("pc.other", "officer", team="South")
    login(make_user("pc.me", "officer", team="North"))
    person = make_person("P1")
    owner = db.session.scalar(sa.select(User).where(User.username == "pc.other"))
    response = client.post(
        "/tasks/new",
        data={
            "person_ref": person.ref,
            "task_type": "intelligence_development",
            "title": "Check the address",
            "priority": "normal",
            "due_on": (TODAY + timedelta(days=3)).isoformat(),
            "owner": str(owner.id),
        },
    )
    assert response.status_code == 400
    assert "only raise tasks for themselves" in response.get_data(as_text=True)
    assert count(Task) == 0
