"""The v2 migration on a database that already holds data: v2 becomes current only where the current
model is the untouched seeded v1; the stored runs and their rows survive (on SQLite too, where the
tables are rebuilt), and the latest full run, with the re-scores after it, become the current scores."""

import json

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.test_migrations import MIGRATIONS, empty_database_url  # noqa: F401  (the fixture)

BEFORE_V2 = "251d557a2990"  # custody periods, the step before scoring model v2


def _insert(conn, table: str, **values):
    columns = ", ".join(values)
    conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in values)})"), values)


def _person(conn, pid: int, ref: str):
    _insert(conn, "persons", id=pid, ref=ref, surname="Migrated", forenames="Sam", version_id=1,
            created_at="2026-11-01 00:00:00", updated_at="2026-11-01 00:00:00")  # fmt: skip


def _run(conn, rid: int, as_of: str, *, partial=False, model=1):
    _insert(conn, "score_runs", id=rid, as_of=as_of, model_version=model, trigger="breach" if partial else "nightly",
            started_at="2026-11-01 00:00:00", ranked_count=0, partial=partial)  # fmt: skip


def _row(conn, rid: int, run: int, person: int, priority: int, position=None):
    _insert(conn, "score_rows", id=rid, run_id=run, person_id=person, position=position, priority=priority,
            harm=priority, opportunity=0, r=30, f=5, g=priority - 35, v=0, harm_days=10, events_in_window=1,
            victims_in_window=1, latest_event_on="2026-10-01", levers="{}", flags="[]")  # fmt: skip


@pytest.fixture
def app_before_v2(empty_database_url):  # noqa: F811
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE_V2)
        yield app
        db.session.remove()
        db.engine.dispose()


def _models(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.text("SELECT version, rules, is_current FROM scoring_models ORDER BY 1"))]


def test_an_untouched_v1_gives_way_to_v2_and_the_runs_become_the_current_scores(app_before_v2):
    with db.engine.begin() as conn:
        _person(conn, 1, "P1")
        _person(conn, 2, "P2")
        _run(conn, 1, "2026-10-30")
        _row(conn, 1, 1, 1, 60, position=1)
        _row(conn, 2, 1, 2, 50, position=2)
        _run(conn, 2, "2026-10-31")  # the latest full run
        _row(conn, 3, 2, 1, 61, position=1)
        _row(conn, 4, 2, 2, 51, position=2)
        _run(conn, 3, "2026-10-31", partial=True)  # a breach re-scored P2 after it
        _row(conn, 5, 3, 2, 90)
        _run(conn, 4, "2026-10-01")  # a run for an older day, stored last: history only
        _row(conn, 6, 4, 1, 10, position=1)
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as conn:
        assert _models(conn) == [(1, 1, False), (2, 2, True)]
        assert conn.execute(sa.text("SELECT count(*) FROM score_rows")).scalar() == 6  # nothing lost
        current = conn.execute(sa.text("SELECT person_id, run_id, priority FROM current_scores ORDER BY 1")).all()
        assert [tuple(r) for r in current] == [(1, 2, 61), (2, 3, 90)]
        listed = conn.execute(sa.text("SELECT id FROM score_runs WHERE listed ORDER BY id")).scalars().all()
        assert listed == [1, 2, 4]
        # The new triggers are allowed from now on.
        _run(conn, 5, "2026-11-02", partial=True)
        conn.execute(sa.text("UPDATE score_runs SET trigger = 'custody' WHERE id = 5"))


def _v1_params(conn) -> dict:
    """Version 1's numbers as stored (PostgreSQL's driver reads JSON as a dict, SQLite's as text)."""
    raw = conn.execute(sa.text("SELECT params FROM scoring_models WHERE version = 1")).scalar()
    return raw if isinstance(raw, dict) else json.loads(raw)


def test_a_force_that_published_its_own_numbers_keeps_them_current(app_before_v2):
    with db.engine.begin() as conn:
        params = _v1_params(conn)
        params["opportunity_cap"] = 40
        _insert(conn, "scoring_models", version=2, published_at="2026-11-20 00:00:00", note="force numbers",
                params=json.dumps(params))  # fmt: skip
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as conn:
        assert _models(conn) == [(1, 1, False), (2, 1, True), (3, 2, False)]
        note = conn.execute(sa.text("SELECT note FROM scoring_models WHERE version = 3")).scalar()
        assert note.startswith("Default model v2")


def test_a_changed_v1_is_not_untouched(app_before_v2):
    with db.engine.begin() as conn:
        params = _v1_params(conn)
        params["recency"][0]["points"] = 31
        conn.execute(sa.text("UPDATE scoring_models SET params = :p"), {"p": json.dumps(params)})
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as conn:
        assert _models(conn) == [(1, 1, True), (2, 2, False)]
