"""Health checks: /healthz says the process is up; /readyz says whether the database answers, its schema
is at this release's revision and the scheduler's heartbeat is recent, and answers 503 naming what failed.
"""

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.operations import heartbeat
from app.operations.models import SchedulerHeartbeat
from tests.processes import REPO, PostgresCluster, child_env, postgres_base_url, scratch_database

MIGRATIONS = str(REPO / "migrations")
CHECKS = {"database", "schema", "scheduler"}


def ready(app):
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def test_healthz_answers_without_sign_in_or_a_database(tmp_path):
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.sqlite"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_needs_a_recent_scheduler_heartbeat_where_the_scheduler_is_required(database, app):
    strict = database.make_app(READY_REQUIRE_SCHEDULER=True, READY_SCHEDULER_MAX_AGE=60)
    status, body = ready(strict)
    assert status == 503
    assert body["status"] == "not ready" and body["failed"] == ["scheduler"]
    assert body["checks"]["database"] == {"ok": True} and body["checks"]["schema"] == {"ok": True}
    assert "no scheduler heartbeat" in body["checks"]["scheduler"]["error"]

    heartbeat.beat(strict, datetime.now(UTC))
    status, body = ready(strict)
    assert status == 200, body
    assert body["status"] == "ready" and body["failed"] == []
    scheduler = body["checks"]["scheduler"]
    assert scheduler["ok"] is True and scheduler["required"] is True and scheduler["last_seen_seconds_ago"] <= 5


def test_an_old_heartbeat_makes_readyz_fail_with_its_age(database, app):
    strict = database.make_app(READY_REQUIRE_SCHEDULER=True, READY_SCHEDULER_MAX_AGE=60)
    db.session.add(
        SchedulerHeartbeat(
            hostname="sched-1",
            pid=1,
            leading_since=datetime.now(UTC) - timedelta(hours=2),
            last_seen=datetime.now(UTC) - timedelta(minutes=10),
        )
    )
    db.session.commit()
    status, body = ready(strict)
    assert status == 503 and body["failed"] == ["scheduler"]
    assert 590 <= body["checks"]["scheduler"]["last_seen_seconds_ago"] <= 620
    assert "too old" in body["checks"]["scheduler"]["error"]


def test_without_a_required_scheduler_readyz_reports_it_but_stays_ready(database, app):
    relaxed = database.make_app(READY_REQUIRE_SCHEDULER=False)
    status, body = ready(relaxed)
    assert status == 200
    assert body["checks"]["scheduler"]["ok"] is False and body["checks"]["scheduler"]["required"] is False


def test_readyz_fails_when_the_schema_is_behind_this_release(tmp_path):
    with scratch_database(tmp_path, "behind") as url:
        app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "READY_REQUIRE_SCHEDULER": False})
        with app.app_context():
            upgrade(directory=MIGRATIONS, revision="d8e3f4a5b6c7")  # the release before this one's migrations
            status, body = ready(app)
            assert status == 503 and body["failed"] == ["schema"]
            assert "flask db upgrade" in body["checks"]["schema"]["error"]
            upgrade(directory=MIGRATIONS)
            assert ready(app)[0] == 200
            db.engine.dispose()


def test_readyz_fails_on_a_database_with_no_schema(tmp_path):
    with scratch_database(tmp_path, "blank") as url:
        app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "READY_REQUIRE_SCHEDULER": False})
        status, body = ready(app)
        assert status == 503 and body["failed"] == ["schema"]
        with app.app_context():
            db.engine.dispose()


def _assert_database_down(app):
    status, body = ready(app)
    assert status == 503
    assert body["status"] == "not ready" and "database" in body["failed"]
    assert set(body["checks"]) == CHECKS
    assert body["checks"]["database"] == {"ok": False, "error": "the database did not answer"}
    # /healthz does not depend on the database: the process is still up.
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.skipif(bool(postgres_base_url()), reason="the SQLite case; the PostgreSQL run stops a server")
def test_readyz_fails_with_503_when_the_sqlite_file_cannot_be_opened(tmp_path):
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/dir/a.sqlite"})
    _assert_database_down(app)


@pytest.mark.skipif(not postgres_base_url(), reason="the PostgreSQL case; the SQLite run opens a bad path")
def test_readyz_fails_with_503_while_postgresql_is_stopped_and_recovers_when_it_is_back():
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": cluster.url(), "READY_REQUIRE_SCHEDULER": True})
        with app.app_context():
            upgrade(directory=MIGRATIONS)
        heartbeat.beat(app, datetime.now(UTC))
        assert ready(app)[0] == 200
        cluster.stop()
        _assert_database_down(app)
        cluster.start()
        status, body = ready(app)
        assert status == 200, body
        with app.app_context():
            db.engine.dispose()
    finally:
        cluster.remove()


def test_readyz_accepts_no_other_method_and_ignores_a_query_string(app, client):
    assert client.post("/readyz").status_code == 405
    assert client.get("/readyz?verbose=1&x=%ff").status_code in (200, 503)
    assert client.head("/healthz").status_code == 200


def _wait_until(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_the_scheduler_process_keeps_readyz_ready_and_its_death_shows(database, app, tmp_path):
    strict = database.make_app(READY_REQUIRE_SCHEDULER=True, READY_SCHEDULER_MAX_AGE=3)
    env = child_env(
        database.url,
        SCHEDULER_HEARTBEAT_SECONDS="1",
        READY_SCHEDULER_MAX_AGE="3",
        SCHEDULER_LOCK_FILE=str(tmp_path / "scheduler.lock"),
    )
    log = (tmp_path / "scheduler.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_until(lambda: ready(strict)[0] == 200, 20), (tmp_path / "scheduler.log").read_text()
    finally:
        process.terminate()
        process.wait(10)
    assert _wait_until(lambda: ready(strict)[0] == 503, 10)
    assert ready(strict)[1]["failed"] == ["scheduler"]


def test_an_installation_without_its_migrations_is_not_ready_rather_than_an_error(database, app, tmp_path):
    broken = database.make_app(READY_REQUIRE_SCHEDULER=False)
    broken.root_path = str(tmp_path / "app")  # as if migrations/ had not been shipped beside app/
    status, body = ready(broken)
    assert status == 503 and body["failed"] == ["schema"]
    assert "migrations cannot be read" in body["checks"]["schema"]["error"]
