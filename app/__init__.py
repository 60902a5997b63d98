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
    register_operations(app)
    register_url_converters(app)
    register_blueprints(app)
    register_signals()
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


def register_url_converters(app: Flask) -> None:
    from app import security

    security.init_url_converters(app)  # before any route is added


# Each part of the product and the modules that add routes to its blueprint.
BLUEPRINTS = {
    "main": ["routes", "outcomes"],
    "auth": ["routes", "account"],
    "audit": ["routes"],
    "offenders": [
        "persons.routes",
        "events.routes",
        "levers.routes",
        "relationships.routes",
        "retention.routes",
        "merge.routes",
        "custody.routes",
    ],
    "network": ["routes"],
    "profile": ["routes"],
    "orders": ["routes"],
    "ranking": ["targets.routes", "model_versions.routes", "backtest.routes"],
    "tasking": ["tasks.routes", "board.routes", "meetings.routes", "cohort.routes"],
    "referrals": ["programmes.routes", "forums.routes", "clares_law.routes"],
    "victims": ["page.routes", "dash.routes", "idva.routes", "visits.routes", "hub.routes", "feedback.routes"],
    "alerts": ["routes"],
    "imports": ["routes"],
    "api": ["routes", "targets", "breaches", "openapi"],
    "operations": ["routes"],
    "analysis": ["routes"],
}


def register_blueprints(app: Flask) -> None:
    # Route modules are imported here, not by their packages, so that importing a package's
    # models never drags in its routes (and the import cycles that would follow).
    for part, route_modules in BLUEPRINTS.items():
        for name in route_modules:
            importlib.import_module(f"app.{part}.{name}")
        app.register_blueprint(importlib.import_module(f"app.{part}").bp)
    csrf.exempt(app.blueprints["api"])  # bearer-token API: no cookies, so no CSRF


def register_signals() -> None:
    # The parts that answer a lower part's signals (app.signals) connect their receivers here.
    from app.network import incremental as network
    from app.network import merge as network_merge
    from app.orders import merge as orders_merge
    from app.ranking import merge as ranking_merge
    from app.ranking import services as ranking
    from app.referrals import merge as referrals_merge
    from app.tasking import merge as tasking_merge
    from app.tasking.tasks import requests as tasks
    from app.victims import merge as victims_merge
    from app.victims.dash import services as dash

    ranking.connect_signals()
    tasks.connect_signals()
    dash.connect_signals()
    network.connect_signals()
    # Each part answers for its own rows when persons merge or a record is disposed of.
    for part in (orders_merge, ranking_merge, tasking_merge, referrals_merge, victims_merge, network_merge):
        part.connect_signals()


def register_operations(app: Flask) -> None:
    from app import operations

    operations.init_app(app)  # before security, so even a refused request gets its request id


def register_security(app: Flask) -> None:
    from app import security
    from app.auth import login

    login.init_app(app)
    security.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from app.main import errors

    errors.init_app(app)


# The main menu: sections of (endpoint, label). Links show only to users whose roles open them;
# a section left with one link shows as that link, an empty one not at all.
NAV_SECTIONS = [
    ("Targets", [("ranking.targets", "Target list")]),
    ("Log a breach", [("orders.log_breach", "Log a breach")]),
    (
        "Register",
        [
            ("profile.index", "Persons"),
            ("orders.index", "Orders"),
            ("network.networks", "Linked networks"),
            ("referrals.right_to_know", "Right-to-Know candidates"),
        ],
    ),
    (
        "Tasking",
        [
            ("tasking.my_tasks", "My tasks"),
            ("tasking.board", "Task board"),
            ("tasking.meetings", "Tasking meetings"),
            ("tasking.cohort_index", "Managed cohort"),
            ("main.outcomes", "Outcomes"),
        ],
    ),
    (
        "Victims",
        [
            ("victims.find", "Find a victim"),
            ("victims.hidden_harm", "Hidden-harm visits"),
            ("victims.hub_index", "DA Hub responses"),
            ("victims.hub_figures", "DA Hub figures"),
            ("victims.feedback_figures", "Victim feedback"),
        ],
    ),
    (
        "Referrals",
        [
            ("referrals.index", "Programme referrals"),
            ("referrals.forums_index", "MARAC, MATAC and MASIP"),
            ("referrals.clare_index", "Clare's Law cases"),
        ],
    ),
    ("Analysis", [("analysis.problem_profile", "Perpetrator problem profile")]),
    ("Alerts", [("alerts.index", "Alerts")]),
    (
        "Admin",
        [
            ("imports.upload", "Import"),
            ("ranking.model_versions", "Scoring model"),
            ("ranking.backtest", "Backtest"),
            ("auth.users", "Users"),
            ("audit.index", "Audit log"),
        ],
    ),
]


def register_template_helpers(app: Flask) -> None:
    from app import catalogue
    from app.base import local_datetime, today, uk_date
    from app.security import can
    from app.web import plain_value

    def nav_sections():
        """[(section label, [(endpoint, label), ...]), ...] for the signed-in user."""
        sections = []
        for label, links in NAV_SECTIONS:
            allowed = [(endpoint, text) for endpoint, text in links if can(endpoint)]
            if allowed:
                sections.append((label, allowed))
        return sections

    app.jinja_env.globals.update(catalogue=catalogue, can=can, nav_sections=nav_sections, today=today)
    app.jinja_env.filters.update(ukdate=uk_date, local_datetime=local_datetime, plain_value=plain_value)


def register_commands(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.demo.cli import demo_data_command
    from app.imports.cli import import_data_command
    from app.network.cli import network_findings_command
    from app.ranking.backtest.cli import backtest_command
    from app.ranking.cli import rank_command
    from app.scheduler.cli import scheduler_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(import_data_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(rank_command)
    app.cli.add_command(backtest_command)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(network_findings_command)
