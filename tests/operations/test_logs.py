"""Structured logs: a JSON line per request with the request id (also in the response and the audit entry),
no names, references or query strings; job runs in the same format; plain text when asked.
"""

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.operations.logs import configure_logging
from app.scheduler import services as scheduler
from app.security import public
from tests.factories import make_person
from tests.processes import REPO, child_env, free_port

REQUEST_FIELDS = {"time", "level", "logger", "message", "request_id", "user_id", "route", "method", "status"}


@pytest.fixture
def json_app(database, app, _session_app):
    json_app = database.make_app(LOG_FORMAT="json")
    yield json_app
    configure_logging(_session_app)  # back to the suite's format


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def request_lines(text: str) -> list[dict]:
    return [line for line in json_lines(text) if line["logger"] == "achilles.request"]


def test_a_request_writes_one_json_line_with_its_id_and_the_route_not_the_path(json_app, make_user, login, capsys):
    user = make_user("ashdown", "officer")
    client = json_app.test_client()
    login(user, client)
    make_person("P4711", surname="Varnholt", forenames="Quentin")
    capsys.readouterr()

    response = client.get("/persons/P4711?reason=Varnholt+breach")

    assert response.status_code == 200
    err = capsys.readouterr().err
    (line,) = request_lines(err)
    assert set(line) >= REQUEST_FIELDS | {"duration_ms"}
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert (line["user_id"], line["route"], line["method"], line["status"]) == (user.id, "/persons/<ref>", "GET", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert datetime.fromisoformat(line["time"].replace("Z", "+00:00")).tzinfo is not None
    # No name, reference or search term anywhere in what the request logged.
    for secret in ("P4711", "Varnholt", "Quentin", "ashdown", "reason"):
        assert secret not in err
    # The audit entry of the view carries the same request id.
    (view,) = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "view"))
    assert view.request_id == response.headers["X-Request-ID"]


def test_a_search_term_in_the_query_string_is_never_logged(json_app, make_user, login, capsys):
    client = json_app.test_client()
    login(make_user("bexley", "officer"), client)
    capsys.readouterr()
    assert client.get("/persons/?q=Ostrakova").status_code == 200
    err = capsys.readouterr().err
    assert "Ostrakova" not in err
    (line,) = request_lines(err)
    assert line["route"] == "/persons/"


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("4c0e6e1b8f1f4d0c9b2b8b2b5c1d9e7a", True),  # nginx's $request_id
        ("0b8f6a52-3f0c-4a8e-9d6e-1c7f4c8b2a10", True),  # a UUID
        ("short", False),
        ("x" * 65, False),
        ("abc def ghi jkl", False),
        ('fake"}{"level":"ERROR', False),
    ],
)
def test_a_well_formed_incoming_request_id_is_kept_and_anything_else_replaced(json_app, capsys, incoming, kept):
    capsys.readouterr()
    response = json_app.test_client().get("/login", headers={"X-Request-ID": incoming})
    assert response.status_code == 200
    returned = response.headers["X-Request-ID"]
    assert (returned == incoming) is kept
    if not kept:
        assert re.fullmatch(r"[0-9a-f]{32}", returned)
    (line,) = request_lines(capsys.readouterr().err)
    assert line["request_id"] == returned and line["user_id"] is None


def test_a_refused_request_still_gets_an_id_and_a_line(json_app, capsys):
    capsys.readouterr()
    response = json_app.test_client().get("/persons/")
    assert response.status_code == 302
    (line,) = request_lines(capsys.readouterr().err)
    assert (line["status"], line["user_id"], line["request_id"]) == (302, None, response.headers["X-Request-ID"])


def test_an_unexpected_error_logs_the_request_id_and_shows_it_as_a_reference(database, app, _session_app, capsys):
    broken = database.make_app(LOG_FORMAT="json")

    @broken.route("/__broken/<ref>")
    @public
    def broken_view(ref):
        raise RuntimeError("synthetic failure")

    try:
        capsys.readouterr()
        response = broken.test_client().get("/__broken/P999?q=Tarvell")
        assert response.status_code == 500
        request_id = response.headers["X-Request-ID"]
        assert request_id in response.get_data(as_text=True)  # the reference the user can quote
        err = capsys.readouterr().err
        lines = json_lines(err)
        (error,) = [line for line in lines if line["level"] == "ERROR"]
        assert error["request_id"] == request_id and "synthetic failure" in error["exception"]
        assert error["message"] == "unhandled error on /__broken/<ref>"
        assert "P999" not in err and "Tarvell" not in err
        assert request_lines(err)[0]["status"] == 500
    finally:
        configure_logging(_session_app)


def test_health_checks_are_not_logged_while_healthy(json_app, capsys):
    capsys.readouterr()
    assert json_app.test_client().get("/healthz").status_code == 200
    assert request_lines(capsys.readouterr().err) == []


def test_text_format_for_development(database, app, _session_app, capsys):
    database.make_app(LOG_FORMAT="text").test_client().get("/login")
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "achilles.request" in line)
    assert "GET /login 200" in line and "request_id=" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_a_scheduled_job_run_is_logged_in_the_same_json_format(json_app, capsys):
    capsys.readouterr()
    now = datetime(2026, 11, 21, 3, 30, tzinfo=UTC)
    assert scheduler.run_job(json_app, "prune_login_attempts", now=now)
    assert not scheduler.run_job(json_app, "prune_login_attempts", now=now)
    done, skipped = [line for line in json_lines(capsys.readouterr().err) if line.get("job") == "prune_login_attempts"]
    assert (done["logger"], done["status"], done["period"]) == ("achilles.scheduler", "done", "2026-11-21")
    assert isinstance(done["duration_ms"], float) and isinstance(done["job_run_id"], int)
    assert "request_id" not in done
    assert skipped["status"] == "skipped"


def test_every_line_a_scheduler_command_writes_to_stderr_is_json(database, app):
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run-job", "prune_login_attempts"],
        cwd=REPO,
        env=child_env(database.url, LOG_FORMAT="json"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = json_lines(done.stderr)
    assert lines and any(line.get("status") == "done" for line in lines)


def test_gunicorn_with_the_deploy_config_logs_json_request_lines(database, app, tmp_path):
    port = free_port()
    env = child_env(
        database.url,
        ACHILLES_ENV="production",
        SECRET_KEY="test-only-" + "0" * 54,
        LOG_FORMAT="json",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:create_app()"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        response = _get_when_up(f"http://127.0.0.1:{port}/login?next=/persons/%3Fq%3DBraxell")
        assert response.status == 200
        request_id = response.headers["X-Request-ID"]
        time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
    text = log.read_text()
    app_lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    (line,) = [line for line in app_lines if line.get("logger") == "achilles.request"]
    assert (line["request_id"], line["route"], line["status"]) == (request_id, "/login", 200)
    assert "Braxell" not in text and "next=" not in text


def _get_when_up(url: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)  # noqa: S310 (a local test server)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
