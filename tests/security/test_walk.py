"""The probes of issue 15 sent to every route in the app (walked from the URL map, so a route added
later is probed without editing this file): ids past any row, NUL characters in the path, the
query, the form and JSON, return addresses off the site, and a session cookie kept after sign-out.
None may give a 5xx; each gets the answer a user can act on."""

import json
from urllib.parse import unquote, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from app import create_app
from app.audit.services import Actor
from app.auth.services import issue_token
from app.catalogue import ROLES

SKIPPED = {"static", "bootstrap.static"}
HUGE_IDS = (2**31, 10**20)
OFF_SITE = "/%09/evil.example/phish"


def _rules():
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        ints = {a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, rule, ints))
    return out


RULES = _rules()


def path_of(rule, ints, *, int_value=1, text="X1") -> str:
    return rule.build({a: int_value if a in ints else text for a in rule.arguments})[1]


def ids(rules):
    return [f"{method} {rule.rule}" for _, method, rule, _ in rules]


@pytest.fixture
def everyone(app, make_user, login):
    """A user holding every role, signed in; and their API token."""
    user = make_user("all-roles", *ROLES)
    client = login(user, app.test_client())
    client.token = issue_token(user.username, actor=Actor("test-setup"))
    return client


def send(client, method, path, **kwargs):
    if path.startswith("/api/"):
        kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {client.token}"
    return client.open(path, method=method, **kwargs)


WITH_IDS = [r for r in RULES if r[3]]


@pytest.mark.parametrize(("endpoint", "method", "rule", "ints"), WITH_IDS, ids=ids(WITH_IDS))
def test_ids_past_any_row_are_not_found(everyone, endpoint, method, rule, ints):
    for huge in HUGE_IDS:
        response = send(everyone, method, path_of(rule, ints, int_value=huge))
        assert response.status_code == 404, f"{method} {rule.rule} with {huge}: {response.status_code}"


@pytest.mark.parametrize(("endpoint", "method", "rule", "ints"), RULES, ids=ids(RULES))
def test_nul_characters_are_refused_everywhere(everyone, endpoint, method, rule, ints):
    path = path_of(rule, ints)
    probes = [{"query_string": {"q": "a\x00b"}}, {"query_string": {"a\x00b": "1"}}]
    if set(rule.arguments) - ints:
        probes.append({"path": path_of(rule, ints, text="X\x001")})
    if method != "GET":
        probes += [
            {"data": {"surname": "Ost\x00rick", "note": "a\x00b", "next": "/"}},
            {"data": json.dumps({"narrative": "a\x00b"}), "content_type": "application/json"},
        ]
    for probe in probes:
        target = probe.pop("path", path)
        response = send(everyone, method, target, **probe)
        assert response.status_code == 400, f"{method} {target} {probe}: {response.status_code}"
        if target.startswith("/api/"):
            assert response.get_json()["field"]
        else:
            assert "NUL character" in response.get_data(as_text=True)


POSTS = [r for r in RULES if r[1] == "POST" and not r[2].rule.startswith("/api/")]


@pytest.mark.parametrize(("endpoint", "method", "rule", "ints"), POSTS, ids=ids(POSTS))
def test_no_post_sends_the_user_off_the_site(everyone, endpoint, method, rule, ints):
    path = path_of(rule, ints)
    for data in ({"next": OFF_SITE}, {"next": "//evil.example/x"}, {"next": "https://evil.example/"}):
        response = everyone.post(f"{path}?next={OFF_SITE}", data=data)
        assert response.status_code < 500, f"{rule.rule}: {response.status_code}"
        location = urlsplit(response.headers.get("Location", "/"))
        # Anywhere on this site, as a browser reads it (it drops tabs and newlines, and reads "\" as
        # "/"); a "next" in the query is checked again where it is used.
        path = "".join(ch for ch in unquote(location.path) if ch not in "\t\r\n").replace("\\", "/")
        assert not location.scheme and not location.netloc and not path.startswith("//"), location


PAGES = [r for r in RULES if r[1] == "GET" and not r[2].rule.startswith("/api/") and r[0] != "auth.login"]
# Open to anyone by design (README "Operations"): the health checks a load balancer calls.
PAGES = [r for r in PAGES if r[0] not in ("main.healthz", "operations.healthz", "operations.readyz")]


def test_a_cookie_kept_after_sign_out_opens_no_page(app, everyone):
    stolen = app.test_client()
    stolen.set_cookie("session", everyone.get_cookie("session").value)
    assert stolen.get("/").status_code == 200
    everyone.post("/logout")
    opened = []
    for _, method, rule, ints in PAGES:
        response = stolen.open(path_of(rule, ints), method=method)
        if not (response.status_code == 302 and response.headers["Location"].startswith("/login")):
            opened.append(f"{rule.rule}: {response.status_code}")
    assert opened == []


# ---- 6. analysts read the register but do not change it (issue 17 changes the roles) -------------


ANALYST_WRITES = [
    ("/persons/new", {"surname": "Written", "forenames": "By an analyst"}),
    ("/persons/P1/edit", {"surname": "Changed", "forenames": "Jo", "version_id": "1"}),
    ("/persons/P1/events/new", {"occurred_on": "2026-11-01", "offence": "harassment", "victim_ref": "P2"}),
    ("/persons/P1/levers/new", {"lever": "benefits", "active": "y", "noted_on": "2026-11-01"}),
    ("/targets/rank", {}),
]


@pytest.mark.parametrize(("path", "data"), ANALYST_WRITES, ids=[p for p, _ in ANALYST_WRITES])
def test_an_analyst_cannot_change_the_register(client, make_user, login, path, data):
    from tests.factories import make_person

    make_person("P1", surname="Ostrick", forenames="Jo")
    make_person("P2")
    login(make_user("ana", "analyst"))
    assert client.post(path, data=data).status_code == 403
