"""Every route against the hand-written policy table (routes.csv), by real requests.

The expected answers come from the table, which is written from the README's roles: never from
the app's own `@roles_required` declarations. So a role wrongly added to a route fails here even
though the app enforces what it declares.
"""

import pytest
from werkzeug.exceptions import HTTPException

from app.audit.services import Actor
from app.auth.services import issue_token
from tests.policy.policy_table import ASSET_RULES, BY_KEY, ROLES, ROUTES, rule_of

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_routes(app) -> dict[tuple[str, str], str]:
    """(method, rule) → endpoint, for every route the app serves."""
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule in ASSET_RULES:
            continue
        for method in rule.methods - IGNORED_METHODS:
            routes[(method, rule.rule)] = rule.endpoint
    return routes


def test_the_table_names_every_route_of_the_app_and_no_other(app):
    served = set(app_routes(app))
    listed = set(BY_KEY)
    assert sorted(served - listed) == [], "routes the app serves that routes.csv does not name: add them"
    assert sorted(listed - served) == [], "routes.csv names routes the app does not serve"


def test_the_app_declares_exactly_the_roles_the_table_names(app):
    wrong = []
    for (method, rule), endpoint in sorted(app_routes(app).items()):
        view = app.view_functions[endpoint]
        route = BY_KEY.get((method, rule))
        if route is None:
            continue  # reported by the test above
        if route.is_public:
            if not getattr(view, "is_public", False):
                wrong.append(f"{route}: the table says public, the app does not")
            continue
        declared = frozenset(getattr(view, "allowed_roles", None) or ())
        if declared != route.roles:
            wrong.append(
                f"{route}: app allows {sorted(declared)}, the table {sorted(route.roles)}"
                f" (extra {sorted(declared - route.roles)}, missing {sorted(route.roles - declared)})"
            )
    assert not wrong, "\n".join(wrong)


def test_every_path_built_from_the_table_reaches_its_own_rule(app):
    # Guards the walks below: a refusal must come from the route the table names, not a neighbour.
    wrong = []
    for route in ROUTES:
        try:
            served_by = rule_of(app, route.path(), route.method)
        except HTTPException as exc:
            served_by = f"nothing ({exc.code})"
        if served_by != route.rule:
            wrong.append(f"{route}: {route.path()} is served by {served_by}")
    assert not wrong, "\n".join(wrong)


def test_anonymous_users_are_sent_to_sign_in_and_api_callers_get_401(client):
    wrong = []
    for route in ROUTES:
        if route.is_public:
            continue
        response = client.open(route.path(), method=route.method)
        if route.is_api:
            ok = response.status_code == 401 and response.is_json and response.get_json().get("error")
        else:
            ok = response.status_code == 302 and response.headers["Location"].startswith("/login")
        if not ok:
            wrong.append(f"{route}: {response.status_code} {response.headers.get('Location', '')}")
    assert wrong == []


def test_public_routes_answer_anonymous_users(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.post("/login", data={"username": "nobody", "password": "wrong password"}).status_code in (200, 400)


# Routes that end the user's session (README "Security"): they answer with the sign-in page.
SIGN_OUT_RULES = ("/account/sign-out-everywhere", "/logout")


def _walk(app, make_user, login, role: str):
    """Every non-public route requested by a user holding only `role`: [(route, status, location)]."""
    user = make_user(f"only-{role}", role)
    token = issue_token(user.username, actor=Actor("test-setup"))
    web = login(user, app.test_client())
    answers = []
    # Signing out ends the walk, so those routes go last.
    for route in sorted((r for r in ROUTES if not r.is_public), key=lambda r: r.rule in SIGN_OUT_RULES):
        if route.is_api:
            response = app.test_client().open(
                route.path(), method=route.method, headers={"Authorization": f"Bearer {token}"}
            )
        else:
            response = web.open(route.path(), method=route.method)
        answers.append((route, response.status_code, response.headers.get("Location", "")))
    return answers


@pytest.mark.parametrize("role", ROLES)
def test_a_role_gets_exactly_the_routes_the_table_gives_it(app, make_user, login, role):
    refused_wrongly, let_through = [], []
    for route, status, location in _walk(app, make_user, login, role):
        # Signing out answers with the sign-in page; anywhere else that means "sign in first".
        refused = status in (401, 403) or (location.startswith("/login") and route.rule not in SIGN_OUT_RULES)
        if role in route.roles and refused:
            # The records named do not exist, so most answers are 404 or 400: anything but a refusal.
            refused_wrongly.append(f"{route}: {status} {location}")
        elif role not in route.roles and status != 403:
            let_through.append(f"{route}: {status} {location}")
    assert not let_through, f"{role} was let through:\n" + "\n".join(let_through)
    assert not refused_wrongly, f"{role} was refused:\n" + "\n".join(refused_wrongly)
