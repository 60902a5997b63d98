"""Readiness: does the database answer, is its schema at this code's revision, is the scheduler alive?

Each check is one small query on its own short transaction (with a statement timeout on
PostgreSQL), so `/readyz` can be called every few seconds. The answer names each check and says
what failed in words an operator can act on; it never holds personal data, connection details or
error messages from the database (those go to the log, by type only).
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask

from app.extensions import db
from app.operations.heartbeat import last_beat

log = logging.getLogger("achilles.readiness")
STATEMENT_TIMEOUT_MS = 2000


@dataclass
class Readiness:
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check["ok"] and check.get("required", True)]

    @property
    def ready(self) -> bool:
        return not self.failed

    def as_json(self) -> dict:
        return {"status": "ready" if self.ready else "not ready", "failed": self.failed, "checks": self.checks}


def schema_heads(app: Flask) -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code, read once per process."""
    heads = app.extensions.get("achilles_schema_heads")
    if heads is None:
        directory = str(Path(app.root_path).parent / "migrations")
        config = Config()
        config.set_main_option("script_location", directory)
        heads = frozenset(ScriptDirectory.from_config(config).get_heads())
        app.extensions["achilles_schema_heads"] = heads
    return heads


def _run(connection: sa.Connection, query):
    """Run one check's query in its own transaction, so one failure cannot poison the next check."""
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        return query(connection)


def _schema_check(connection: sa.Connection, app: Flask) -> dict:
    try:
        heads = schema_heads(app)
    except Exception as exc:  # a broken installation is "not ready", never a 500
        log.error("readiness: the migrations shipped with the code cannot be read (%s)", type(exc).__name__)
        return {"ok": False, "error": "this installation's migrations cannot be read: reinstall the release"}
    try:
        revisions = _run(connection, lambda c: set(c.scalars(sa.text("SELECT version_num FROM alembic_version"))))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("readiness: schema revision unreadable (%s)", type(exc).__name__)
        return {"ok": False, "error": "the database has no schema revision: run `flask db upgrade`"}
    if revisions != heads:
        return {"ok": False, "error": "the database schema is not at this release's revision: run `flask db upgrade`"}
    return {"ok": True}


def _scheduler_check(connection: sa.Connection, required: bool, max_age: int) -> dict:
    check = {"ok": False, "required": required, "max_age_seconds": max_age}
    try:
        beat = _run(connection, last_beat)
    except sa.exc.SQLAlchemyError as exc:
        log.warning("readiness: scheduler heartbeat unreadable (%s)", type(exc).__name__)
        return check | {"error": "the scheduler heartbeat could not be read"}
    if beat is None:
        return check | {"error": "no scheduler heartbeat recorded: is `flask scheduler run` running?"}
    check["last_seen_seconds_ago"] = max(0, round(beat.age_seconds))
    if beat.age_seconds > max_age:
        return check | {"error": "the scheduler's last heartbeat is too old: is `flask scheduler run` running?"}
    return check | {"ok": True}


def _connect() -> sa.Connection | None:
    """A connection that has answered SELECT 1, or None."""
    connection = None
    try:
        connection = db.engine.connect()
        _run(connection, lambda c: c.execute(sa.text("SELECT 1")).scalar())
        return connection
    except Exception as exc:  # whatever stops the database answering means "not ready", never a 500
        log.warning("readiness: the database did not answer (%s)", type(exc).__name__)
        if connection is not None:
            connection.close()
        return None


def check_readiness(app: Flask) -> Readiness:
    """Run every check against the app's database; never raises."""
    readiness = Readiness()
    required = app.config["READY_REQUIRE_SCHEDULER"]
    connection = _connect()
    if connection is None:
        not_checked = {"ok": False, "error": "not checked: the database did not answer"}
        readiness.checks = {
            "database": {"ok": False, "error": "the database did not answer"},
            "schema": not_checked,
            "scheduler": not_checked | {"required": required},
        }
        return readiness
    with connection:
        readiness.checks["database"] = {"ok": True}
        readiness.checks["schema"] = _schema_check(connection, app)
        readiness.checks["scheduler"] = _scheduler_check(connection, required, app.config["READY_SCHEDULER_MAX_AGE"])
    return readiness
