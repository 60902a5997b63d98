"""Every route names the roles that may use it; everyone else is refused.

Parametrised over the app's URL map, so routes added later are covered without editing this file.
"""

import pytest

from app import create_app
from app.catalogue import ROLES

PUBLIC_ENDPOINTS = {"auth.login", "main.healthz"}
SKIPPED_ENDPOINTS = {"static", "bootstrap.static"}


def _routes():
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        values = {
            arg: 1 if type(rule._converters[arg]).__name__ == "IntegerConverter" else "X1" for arg in rule.arguments
        }
        _, path = rule.build(values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path, getattr(view, "allowed_roles", None)))
    return routes


ROUTES = _routes()
PROTECTED = [r for r in ROUTES if r[0] not in PUBLIC_ENDPOINTS]


def test_every_route_declares_its_roles_or_is_deliberately_public():
    undeclared = sorted({endpoint for endpoint, _, _, roles in ROUTES if not roles} - PUBLIC_ENDPOINTS)
    assert undeclared == []
    assert all(set(roles) <= set(ROLES) for _, _, _, roles in PROTECTED), "a route names an unknown role"


@pytest.mark.parametrize(("endpoint", "method", "path", "roles"), PROTECTED, ids=[f"{r[1]} {r[2]}" for r in PROTECTED])
def test_anonymous_users_are_refused(client, endpoint, method, path, roles):
    response = client.open(path, method=method)
    if path.startswith("/api/"):
        assert response.status_code == 401
        assert response.get_json()["error"]
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("endpoint", "method", "path", "roles"), PROTECTED, ids=[f"{r[1]} {r[2]}" for r in PROTECTED])
def test_roles_not_named_are_refused(app, client, make_user, login, endpoint, method, path, roles):
    from app.audit.services import Actor
    from app.auth.services import issue_token

    for role in sorted(set(ROLES) - set(roles)):
        user = make_user(f"only-{role}", role)
        if path.startswith("/api/"):
            token = issue_token(user.username, actor=Actor("test"))
            response = client.open(path, method=method, headers={"Authorization": f"Bearer {token}"})
        else:
            with app.test_client() as fresh:
                login(user, fresh)
                response = fresh.open(path, method=method)
        assert response.status_code == 403, f"{role} reached {method} {path}"


def test_an_undeclared_route_is_refused_even_to_a_signed_in_user(app, database, make_user, login):
    other = database.make_app()

    @other.route("/__undeclared")
    def undeclared():
        return "should never be served"

    user = make_user("admin1", *ROLES)
    with other.test_client() as c:
        login(user, c)
        assert c.get("/").status_code == 200
        assert c.get("/__undeclared").status_code == 403
