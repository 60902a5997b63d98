"""Fixtures: one migrated database per session (SQLite file, or PostgreSQL from TEST_DATABASE_URL),
reset to the freshly-migrated state before every test; Flask app, client, CLI runner; users; a live
server and Chromium for browser journeys.
"""

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Rows the migrations seed; restored before every test so a test that edits a catalogue leaves no trace.
SEEDED_TABLES = ["roles", "offence_categories", "order_types", "lever_types", "scoring_models", "programmes"]


def pytest_report_header(config):
    return f"database: {'PostgreSQL' if os.environ.get('TEST_DATABASE_URL') else 'SQLite'}"


class Database:
    """The session's test database and how to put it back to its just-migrated state."""

    def __init__(self, tmp: Path):
        self.url = os.environ.get("TEST_DATABASE_URL")
        self.is_postgres = bool(self.url)
        self.sqlite_path = tmp / "test.sqlite"
        self.sqlite_template = tmp / "template.sqlite"
        if not self.url:
            self.url = f"sqlite:///{self.sqlite_path}"
        self.instance_path = tmp / "instance"
        self.apps = []
        self.seed = {}

    def make_app(self, **overrides):
        config = {
            "ENV": "testing",
            "INSTANCE_PATH": str(self.instance_path),
            "SQLALCHEMY_DATABASE_URI": self.url,
            "WTF_CSRF_ENABLED": False,
            # Tests about other things open records without the reason form in the way; the form
            # itself is tested with it on (tests/audit/test_consultation.py, tests/security/).
            "ASK_CONSULTATION_REASON": False,
            "SERVER_NAME": None,
        } | overrides
        app = create_app(config)
        self.apps.append(app)
        return app

    def migrate_fresh(self, app):
        with app.app_context():
            if self.is_postgres:
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
            with db.engine.connect() as conn:
                for table in SEEDED_TABLES:
                    self.seed[table] = [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))]
            self.tables = [t.name for t in db.metadata.sorted_tables]
            db.engine.dispose()
        if not self.is_postgres:
            shutil.copyfile(self.sqlite_path, self.sqlite_template)

    def reset(self, app):
        with app.app_context():
            db.session.remove()
            if self.is_postgres:
                with db.engine.begin() as conn:
                    # The audit log refuses TRUNCATE (a trigger); a superuser, which the tests connect
                    # as and the application's role never is, may switch triggers off for one transaction.
                    conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
                    conn.execute(sa.text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY"))
                    for table in SEEDED_TABLES:
                        conn.execute(db.metadata.tables[table].insert(), self.seed[table])
                return
        for each in self.apps:
            with each.app_context():
                db.engine.dispose()
        shutil.copyfile(self.sqlite_template, self.sqlite_path)


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    return Database(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def _session_app(database):
    app = database.make_app()
    database.migrate_fresh(app)
    return app


@pytest.fixture
def app(_session_app, database):
    """The app inside an app context, on a database just as the migrations left it."""
    database.reset(_session_app)
    with _session_app.app_context():
        yield _session_app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    from tests.factories import make_user

    return make_user


@pytest.fixture
def login(client):
    """Sign a user in through the real sign-in form."""
    from tests.factories import PASSWORD

    def _login(user, test_client=None):
        c = test_client or client
        response = c.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return c

    return _login


# ---- browser journeys ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium, never a downloaded browser (this machine cannot fetch one).
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def _live_app(database, _session_app):
    return database.make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(app, _live_app):
    """The app served on a free local port with CSRF on, as a browser meets it."""
    server = make_server("127.0.0.1", 0, _live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with _live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def count_queries(app):
    """`with count_queries() as seen:` collects the SQL statements run inside the block (indico's
    fixture): a page or service whose statements grow with the data shows up as a longer list."""

    @contextmanager
    def counter():
        seen: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield seen
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)

    return counter
