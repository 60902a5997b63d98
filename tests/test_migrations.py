"""Every schema change is a migration: one head, an empty database upgrades, and the models match."""

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db

MIGRATIONS = str(Path(__file__).parent.parent / "migrations")


def test_there_is_exactly_one_head():
    config = Config(str(Path(MIGRATIONS) / "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database on the engine under test."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"achilles_empty_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_an_empty_database_upgrades_seeds_the_catalogues_and_matches_the_models(empty_database_url):
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            counts = {
                table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("roles", "offence_categories", "order_types", "lever_types", "scoring_models")
            }
            assert counts == {
                "roles": 5,
                "offence_categories": 18,
                "order_types": 12,
                "lever_types": 12,
                "scoring_models": 2,  # v1 and v2
            }
            harm = dict(conn.execute(sa.text("SELECT code, harm_days FROM offence_categories")).all())
            assert harm["rape"] == 1825 and harm["non_crime_incident"] == 0 and harm["breach_criminal_order"] == 30
            criminal = dict(conn.execute(sa.text("SELECT code, breach_is_criminal FROM order_types")).all())
            assert {c for c, is_criminal in criminal.items() if is_criminal} == {
                "non_molestation",
                "restraining_conviction",
                "restraining_acquittal",
                "stalking_protection",
                "dapo",
                "criminal_behaviour",
            }
            weights = dict(conn.execute(sa.text("SELECT code, weight FROM lever_types")).all())
            assert (
                weights["outstanding_warrant"] == 25 and weights["benefits"] == 5 and weights["breach_unactioned"] == 20
            )
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
        downgrade(directory=MIGRATIONS, revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_upgrading_a_database_that_holds_users_gives_them_version_1(empty_database_url):
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0cfc2d6ee694")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (username, display_name, password_hash, active, created_at, updated_at) "
                    "VALUES ('old', 'Old User', 'x', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_id FROM users WHERE username = 'old'")).scalar() == 1
        db.engine.dispose()
