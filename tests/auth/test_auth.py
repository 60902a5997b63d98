"""Sign-in, sign-out, throttling, tokens, CSRF and HTTP hardening."""

import pytest
import sqlalchemy as sa

from app import create_app
from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.auth import services
from app.auth.models import ApiToken, User
from app.extensions import db
from tests.factories import PASSWORD, count


def audit_actions(username=None):
    query = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if username:
        query = query.where(AuditEntry.username == username)
    return list(db.session.scalars(query))


def test_sign_in_lands_on_home_and_is_audited(client, make_user):
    make_user("casey", "officer")
    response = client.post("/login", data={"username": "Casey ", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Welcome" in client.get("/").get_data(as_text=True)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "login")).one()
    assert entry.username == "casey" and entry.remote_addr == "127.0.0.1" and entry.user_id is not None


@pytest.mark.parametrize("username", ["casey", "nobody-by-this-name"])
def test_wrong_password_or_unknown_user_get_the_same_message(client, make_user, username):
    make_user("casey", "officer")
    response = client.post("/login", data={"username": username, "password": "not the password"})
    assert response.status_code == 200
    assert "The username or password is not right." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    assert audit_actions(username) == ["login_failed"]


def test_empty_sign_in_form_names_both_fields(client):
    response = client.post("/login", data={})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your username." in text and "Enter your password." in text


def test_repeated_failures_throttle_even_the_right_password(app, client, make_user):
    make_user("casey", "officer")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": "casey", "password": "wrong"})
    response = client.post("/login", data={"username": "casey", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    # Another user from another address is unaffected.
    make_user("dana", "officer")
    other = app.test_client()
    ok = other.post("/login", data={"username": "dana", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert ok.status_code == 302


def test_failures_from_one_address_throttle_that_address(app, client, make_user):
    make_user("erin", "officer")
    for i in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        client.post("/login", data={"username": f"guess{i}", "password": "x"})
    response = client.post("/login", data={"username": "erin", "password": PASSWORD})
    assert response.status_code == 429


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user("frankie", "officer")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"username": "frankie", "password": PASSWORD})
    assert response.status_code == 200 and client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/audit/", "/audit/"), ("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/")],
)
def test_next_only_redirects_within_the_site(client, make_user, target, expected):
    make_user("gale", "analyst")
    response = client.post("/login", query_string={"next": target}, data={"username": "gale", "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_sign_out_needs_a_post_and_is_audited(client, make_user, login):
    login(make_user("harper", "officer"))
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert audit_actions("harper") == ["login", "logout"]


def test_forms_refuse_a_post_without_the_csrf_token(database, make_user):
    csrf_app = database.make_app(WTF_CSRF_ENABLED=True)
    make_user("ivy", "officer")
    with csrf_app.test_client() as c:
        response = c.post("/login", data={"username": "ivy", "password": PASSWORD})
        assert response.status_code == 400
        assert c.get("/").status_code == 302


def test_passwords_are_stored_hashed(make_user):
    user = make_user("jules", "officer")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_security_headers_and_cookie_flags(client, make_user):
    make_user("kai", "officer")
    response = client.post("/login", data={"username": "kai", "password": PASSWORD})
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_requires_a_secret_key_and_sets_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    prod = create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["REMEMBER_COOKIE_SECURE"]


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("ACHILLES_ENV", "staging")
    with pytest.raises(RuntimeError, match="ACHILLES_ENV"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_error_pages_leak_nothing(database, app, make_user, login):
    broken = database.make_app()

    @broken.route("/__boom")
    def boom():
        raise RuntimeError("secret internal detail")

    boom.allowed_roles = frozenset({"officer"})
    user = make_user("lee", "officer")
    with broken.test_client() as c:
        login(user, c)
        response = c.get("/__boom")
        assert response.status_code == 500
        assert "secret internal detail" not in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)
        missing = c.get("/no/such/page")
        assert missing.status_code == 404 and "There is no page at this address." in missing.get_data(as_text=True)


# ---- CLI: users create / users token, and bearer tokens -------------------------------------------


def test_cli_creates_a_user_with_several_roles(runner):
    result = runner.invoke(
        args=["users", "create", "Morgan", "--role", "supervisor", "--role", "analyst", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(sa.select(User).where(User.username == "morgan")).one()
    assert user.role_names == {"supervisor", "analyst"} and user.check_password("a long enough password")
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "create")).one()
    assert entry.username.startswith("cli:") and entry.object_ref == "morgan"


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "officer"], "short", "at least 12 characters"),
        (["--role", "wizard"], "a long enough password", "Invalid value for '--role'"),
        ([], "a long enough password", "Missing option '--role'"),
    ],
)
def test_cli_refuses_bad_users_and_writes_nothing(runner, args, password, message):
    result = runner.invoke(args=["users", "create", "nia", *args, "--password-stdin"], input=password + "\n")
    assert result.exit_code != 0 and message in result.output
    assert count(User) == 0


def test_cli_refuses_a_duplicate_username(runner, make_user):
    make_user("oakley", "officer")
    result = runner.invoke(
        args=["users", "create", "OAKLEY", "--role", "officer", "--password-stdin"], input="a long enough password\n"
    )
    assert result.exit_code != 0 and "already exists" in result.output
    assert count(User) == 1


def test_token_is_shown_once_stored_hashed_and_carries_the_users_roles(runner, client, make_user):
    make_user("parker", "supervisor")
    result = runner.invoke(args=["users", "token", "parker"])
    assert result.exit_code == 0
    token = result.output.strip()
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert token not in stored.token_hash and stored.prefix == token[:10]
    response = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == {"username": "parker", "roles": ["supervisor"]}
    assert "Set-Cookie" not in response.headers


def test_token_for_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "ghost"])
    assert result.exit_code != 0 and "No user called 'ghost'" in result.output


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic abc", "Bearer ", "bearer"])
def test_bad_tokens_get_401(client, header):
    response = client.get("/api/v1/whoami", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json() == {"error": "authentication required", "field": "Authorization"}


def test_revoked_token_and_inactive_user_get_401(client, make_user):
    user = make_user("quinn", "analyst")
    token = services.issue_token("quinn", actor=Actor("test"))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/whoami", headers=headers).status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/whoami", headers=headers).status_code == 401
    user.active = True
    db.session.scalars(sa.select(ApiToken)).one().revoked_at = sa.func.now()
    db.session.commit()
    assert client.get("/api/v1/whoami", headers=headers).status_code == 401


def test_api_ignores_the_session_cookie_and_pages_ignore_tokens(client, make_user, login):
    # The API is CSRF-exempt, so a browser session must not authenticate it.
    login(make_user("rowan", "supervisor"))
    assert client.get("/api/v1/whoami").status_code == 401
    token = services.issue_token("rowan", actor=Actor("test"))
    with client.application.test_client() as fresh:
        assert fresh.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 302


def test_api_errors_are_json(client, make_user):
    make_user("sam", "officer")
    token = services.issue_token("sam", actor=Actor("test"))
    response = client.get("/api/v1/no-such-thing", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and "error" in response.get_json()


def test_database_url_accepts_plain_postgresql_scheme(monkeypatch, tmp_path):
    from app.config import database_url

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert database_url(str(tmp_path)) == "postgresql+psycopg://u@h/db"


def test_demo_users_get_generated_passwords_shown_again_later(app, runner):
    first = runner.invoke(args=["users", "demo"])
    assert first.exit_code == 0, first.output
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    assert set(users) == {"supervisor", "officer", "referral", "analyst", "admin"}
    passwords = {}
    for line in first.output.splitlines():
        parts = line.split()
        if parts and parts[0] in users:
            passwords[parts[0]] = parts[1]
    assert len(set(passwords.values())) == 5
    assert all(users[name].check_password(pw) for name, pw in passwords.items())
    again = runner.invoke(args=["users", "demo"])
    assert again.exit_code == 0 and all(pw in again.output for pw in passwords.values())
    assert count(User) == 5


def test_demo_users_are_refused_in_production(database, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "y" * 40)
    prod = database.make_app(ENV="production")
    result = prod.test_cli_runner().invoke(args=["users", "demo"])
    assert result.exit_code != 0 and "never created in production" in result.output
