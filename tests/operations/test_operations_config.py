"""Operational settings from the environment: bad values stop the start, the trusted proxy gives audit
entries the officer's address, and SECRET_KEY can be rotated without signing everyone out.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import create_app
from app.audit.models import AuditEntry
from app.extensions import db
from app.operations import heartbeat
from tests.factories import make_person


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
        ("READY_REQUIRE_SCHEDULER", "perhaps", "READY_REQUIRE_SCHEDULER"),
        ("READY_SCHEDULER_MAX_AGE", "soon", "READY_SCHEDULER_MAX_AGE"),
        ("READY_SCHEDULER_MAX_AGE", "20", "READY_SCHEDULER_MAX_AGE must be longer"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT"),
    ],
)
def test_a_bad_setting_stops_the_start_and_names_itself(monkeypatch, name, value, named):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=named):
        create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_defaults_are_json_logs_a_required_scheduler_and_hidden_sql_parameters(monkeypatch):
    for name in ("LOG_FORMAT", "READY_REQUIRE_SCHEDULER", "TRUSTED_PROXY_COUNT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    app = create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["LOG_FORMAT"] == "json" and app.config["READY_REQUIRE_SCHEDULER"] is True
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    development = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert development.config["LOG_FORMAT"] == "text" and development.config["READY_REQUIRE_SCHEDULER"] is False


def _viewed_from(app, login, user, headers) -> str:
    client = app.test_client()
    login(user, client)
    assert client.get("/persons/P1", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "view").order_by(AuditEntry.id.desc())
    ).first()
    return entry.remote_addr


def test_behind_a_trusted_proxy_the_audit_log_keeps_the_officers_address(database, app, make_user, login):
    make_person("P1")
    user = make_user("cleeve", "officer")
    forwarded = {"X-Forwarded-For": "10.20.30.40", "X-Forwarded-Proto": "https"}
    assert _viewed_from(database.make_app(TRUSTED_PROXY_COUNT=1), login, user, forwarded) == "10.20.30.40"
    # Without a trusted proxy the header is only a claim by the client, and is ignored.
    assert _viewed_from(database.make_app(), login, user, forwarded) == "127.0.0.1"


def test_secret_key_rotation_keeps_sessions_signed_with_the_old_key_while_it_is_a_fallback(
    database, app, make_user, login
):
    user = make_user("dunmore", "officer")
    before = database.make_app(SECRET_KEY="old-key-" + "a" * 56)
    signed_in = before.test_client()
    login(user, signed_in)
    cookie = signed_in.get_cookie("session").value

    def home_with(app):
        client = app.test_client()
        client.set_cookie("session", cookie)
        return client.get("/").status_code

    assert (
        home_with(database.make_app(SECRET_KEY="new-key-" + "b" * 56, SECRET_KEY_FALLBACKS=["old-key-" + "a" * 56]))
        == 200
    )
    assert home_with(database.make_app(SECRET_KEY="new-key-" + "b" * 56, SECRET_KEY_FALLBACKS=[])) == 302


def test_api_tokens_rotate_by_revoking_the_old_ones_and_issuing_a_new_one(app, client, make_user, runner):
    make_user("feed", "officer")
    old = runner.invoke(args=["users", "token", "feed"]).output.strip()
    assert client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {old}"}).status_code == 200

    revoked = runner.invoke(args=["users", "revoke-tokens", "feed"])
    assert revoked.exit_code == 0 and "1 API token(s) revoked for feed" in revoked.output
    new = runner.invoke(args=["users", "token", "feed"]).output.strip()

    assert client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    unknown = runner.invoke(args=["users", "revoke-tokens", "nobody"])
    assert unknown.exit_code == 1 and "No user called 'nobody'" in unknown.output


def test_scheduler_status_shows_the_heartbeat(app, runner):
    assert "heartbeat: none recorded" in runner.invoke(args=["scheduler", "status"]).output
    heartbeat.beat(app, datetime.now(UTC))
    assert "s ago" in runner.invoke(args=["scheduler", "status"]).output
