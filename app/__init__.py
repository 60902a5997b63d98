"""Achilles: the application factory. Nothing here runs at import time."""

import importlib

import sqlalchemy as sa
from flask import Flask

from app.config import load_config
from app.extensions import bootstrap, csrf, db, login_manager, migrate


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app. `overrides` replaces settings (tests); INSTANCE_PATH moves instance/."""
    overrides = dict(overrides or {})
    app = Flask(__name__, instance_relative_config=True, instance_path=overrides.pop("INSTANCE_PATH", None))
    app.config.update(load_config(app.instance_path, overrides))
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table on the metadata before anything uses it)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, render_item=render_migration_item)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)


def render_migration_item(type_, obj, autogen_context):
    """Write our UTC column type as a plain timestamptz, so migrations never import app code."""
    from app.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite ignores foreign keys unless told on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# Each part of the product and the modules that add routes to its blueprint.
BLUEPRINTS = {
    "main": ["routes"],
    "auth": ["routes"],
    "audit": ["routes"],
    "offenders": ["routes"],
    "orders": ["routes"],
    "tasking": ["routes", "tasks"],
    "referrals": ["routes"],
    "alerts": ["routes"],
    "imports": ["routes"],
    "api": ["routes", "targets", "breaches"],
}


def register_blueprints(app: Flask) -> None:
    # Route modules are imported here, not by their packages, so that importing a package's
    # models never drags in its routes (and the import cycles that would follow).
    for part, route_modules in BLUEPRINTS.items():
        for name in route_modules:
            importlib.import_module(f"app.{part}.{name}")
        app.register_blueprint(importlib.import_module(f"app.{part}").bp)
    csrf.exempt(app.blueprints["api"])  # bearer-token API: no cookies, so no CSRF


def register_security(app: Flask) -> None:
    from app import security

    security.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from app.main import errors

    errors.init_app(app)


# The main menu, in order; each link shows only to users whose roles open it.
# Endpoints that do not exist yet are simply not shown.
NAV_LINKS = [
    ("main.index", "Home"),
    ("tasking.targets", "Targets"),
    ("offenders.index", "Persons"),
    ("orders.index", "Orders"),
    ("orders.log_breach", "Log a breach"),
    ("tasking.my_tasks", "My tasks"),
    ("tasking.board", "Task board"),
    ("tasking.meetings", "Tasking meetings"),
    ("tasking.hidden_harm", "Hidden harm"),
    ("tasking.outcomes", "Outcomes"),
    ("alerts.index", "Alerts"),
    ("referrals.index", "Referrals"),
    ("imports.upload", "Import"),
    ("tasking.model_versions", "Scoring model"),
    ("auth.users", "Users"),
    ("audit.index", "Audit log"),
]


def register_template_helpers(app: Flask) -> None:
    from app import catalogue
    from app.base import today
    from app.security import can

    def nav_links():
        return [(endpoint, label) for endpoint, label in NAV_LINKS if can(endpoint)]

    app.jinja_env.globals.update(catalogue=catalogue, can=can, nav_links=nav_links, today=today)


def register_commands(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.imports.cli import demo_data_command, import_data_command
    from app.scheduler_cli import scheduler_cli
    from app.tasking.cli import rank_command

    app.cli.add_command(users_cli)
    app.cli.add_command(import_data_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(rank_command)
    app.cli.add_command(scheduler_cli)
