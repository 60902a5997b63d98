"""Scoring model v2 (rule set 2) seeded as a published version; which version is current; every
person's current score; re-score triggers for events, levers and custody; v2's breakdown columns.

v2 becomes the current model on a new install, and on an install whose current model is still the
untouched seeded v1 (version 1, the only one, with the numbers the catalogue migration seeded).
Anywhere else the admins' latest version stays current and v2 is published beside it, to be chosen
by publishing from it.

Revision ID: 53196a43de7a
Revises: 251d557a2990
Create Date: 2026-12-02 06:10:00
"""

import copy
import json
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "53196a43de7a"
down_revision = "251d557a2990"
branch_labels = None
depends_on = None

OLD_TRIGGERS = "trigger IN ('nightly', 'manual', 'breach', 'import')"
NEW_TRIGGERS = "trigger IN ('nightly', 'manual', 'breach', 'import', 'event', 'lever', 'custody')"

# The numbers the catalogue migration (5e1d0c7a9b21) seeded as version 1, to recognise an untouched v1.
MODEL_V1 = {
    "window_months": 36,
    "days_per_month": 30.44,
    "recency": [
        {"max_months": 3, "points": 30},
        {"max_months": 6, "points": 20},
        {"max_months": 12, "points": 10},
        {"max_months": 24, "points": 5},
        {"max_months": 36, "points": 1},
    ],
    "frequency": [
        {"min_events": 1, "points": 5},
        {"min_events": 2, "points": 10},
        {"min_events": 3, "points": 15},
        {"min_events": 5, "points": 20},
        {"min_events": 10, "points": 30},
    ],
    "gravity": [
        {"below_days": 10, "points": 2},
        {"below_days": 30, "points": 5},
        {"below_days": 180, "points": 10},
        {"below_days": 365, "points": 15},
        {"below_days": 1000, "points": 20},
        {"below_days": 2000, "points": 25},
        {"below_days": None, "points": 30},
    ],
    "victims": [
        {"min_victims": 1, "points": 0},
        {"min_victims": 2, "points": 10},
        {"min_victims": 3, "points": 20},
    ],
    "harm_days": {
        "non_crime_incident": 0,
        "criminal_damage": 2,
        "malicious_communications": 5,
        "harassment": 10,
        "stalking": 10,
        "common_assault": 10,
        "breach_civil_order": 5,
        "breach_criminal_order": 30,
        "coercive_control": 120,
        "sexual_assault": 180,
        "arson": 185,
        "threats_to_kill": 365,
        "abh": 365,
        "strangulation": 365,
        "stalking_fear_of_violence": 365,
        "false_imprisonment": 730,
        "gbh": 730,
        "rape": 1825,
    },
    "lever_weights": {
        "outstanding_warrant": 25,
        "wanted_circulated": 25,
        "breach_unactioned": 20,
        "licence_recall_possible": 15,
        "firearms_certificate": 15,
        "bail_conditions": 10,
        "proceeds_of_crime": 10,
        "drugs_intelligence": 10,
        "driving_offences": 5,
        "housing_tenancy": 5,
        "immigration": 5,
        "benefits": 5,
    },
    "opportunity_cap": 50,
    "breach_unactioned_days": 90,
    "breach_actioned_outcomes": ["arrest", "charge"],
    "recent_breach_days": 30,
    "escalating": {"max_months": 12, "min_events": 3},
    "serial_min_victims": 2,
}

# DESIGN.md "Scoring model v2": v1's numbers, gravity bands to 8,000 days (harm 0-120), victims
# counted from age 16, and the release-due flag 28 days ahead. The frequency bands now count incidents.
MODEL_V2 = copy.deepcopy(MODEL_V1)
MODEL_V2["gravity"] = [
    {"below_days": 10, "points": 2},
    {"below_days": 30, "points": 5},
    {"below_days": 180, "points": 10},
    {"below_days": 365, "points": 15},
    {"below_days": 1000, "points": 20},
    {"below_days": 2000, "points": 25},
    {"below_days": 4000, "points": 30},
    {"below_days": 8000, "points": 35},
    {"below_days": None, "points": 40},
]
MODEL_V2["victim_min_age"] = 16
MODEL_V2["release_due_days"] = 28


def _params(value):
    return json.loads(value) if isinstance(value, str) else value


@contextmanager
def _sqlite_tables_rebuilt_safely():
    """SQLite changes a CHECK constraint by rebuilding the table (batch mode: copy, drop, rename).
    With foreign keys on, dropping score_runs would delete every stored score row (ON DELETE
    CASCADE) and dropping scoring_models is refused outright; the pragma only takes effect outside
    a transaction. So on SQLite the work so far is committed, foreign keys are switched off for the
    rebuild, checked afterwards, and switched back on (SQLite's documented way to alter a table).
    Had the pragma no effect, the drop would fail loudly rather than delete anything."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    if bind.connection.dbapi_connection.in_transaction:
        bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
        problems = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign keys broken by the rebuild: {problems[:5]}")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    with _sqlite_tables_rebuilt_safely():
        with op.batch_alter_table("scoring_models", schema=None) as batch_op:
            batch_op.add_column(sa.Column("rules", sa.Integer(), server_default="1", nullable=False))
            batch_op.add_column(sa.Column("is_current", sa.Boolean(), server_default=sa.false(), nullable=False))
            batch_op.create_check_constraint("rules_known", "rules IN (1, 2)")
        with op.batch_alter_table("score_runs", schema=None) as batch_op:
            batch_op.add_column(sa.Column("listed", sa.Boolean(), server_default=sa.false(), nullable=False))
            batch_op.drop_constraint(op.f("ck_score_runs_trigger_known"), type_="check")
            batch_op.create_check_constraint("trigger_known", NEW_TRIGGERS)
    op.create_index(
        "uq_scoring_models_one_current",
        "scoring_models",
        ["is_current"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    with op.batch_alter_table("score_rows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incidents_in_window", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recency_days", sa.Integer(), nullable=True))
    op.create_table(
        "current_scores",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("score_row_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("harm", sa.Integer(), nullable=False),
        sa.Column("opportunity", sa.Integer(), nullable=False),
        sa.Column("r", sa.Integer(), nullable=False),
        sa.Column("f", sa.Integer(), nullable=False),
        sa.Column("g", sa.Integer(), nullable=False),
        sa.Column("v", sa.Integer(), nullable=False),
        sa.Column("harm_days", sa.Integer(), nullable=False),
        sa.Column("events_in_window", sa.Integer(), nullable=False),
        sa.Column("victims_in_window", sa.Integer(), nullable=False),
        sa.Column("incidents_in_window", sa.Integer(), nullable=True),
        sa.Column("recency_days", sa.Integer(), nullable=True),
        sa.Column("latest_event_on", sa.Date(), nullable=False),
        sa.Column("levers", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_current_scores_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["score_runs.id"], name=op.f("fk_current_scores_run_id_score_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["score_row_id"],
            ["score_rows.id"],
            name=op.f("fk_current_scores_score_row_id_score_rows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_current_scores")),
    )
    with op.batch_alter_table("current_scores", schema=None) as batch_op:
        batch_op.create_index("ix_current_scores_order", ["priority", "harm", "latest_event_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_current_scores_run_id"), ["run_id"], unique=False)

    _seed_v2_and_the_current_list()


def _seed_v2_and_the_current_list():
    bind = op.get_bind()
    meta = sa.MetaData()
    models = sa.Table(
        "scoring_models",
        meta,
        sa.Column("version", sa.Integer),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("published_by_id", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("params", sa.JSON),
        sa.Column("rules", sa.Integer),
        sa.Column("is_current", sa.Boolean),
    )
    runs = sa.Table(
        "score_runs",
        meta,
        sa.Column("id", sa.Integer),
        sa.Column("as_of", sa.Date),
        sa.Column("partial", sa.Boolean),
        sa.Column("listed", sa.Boolean),
    )
    held = bind.execute(sa.select(models.c.version, models.c.params).order_by(models.c.version)).all()
    untouched = len(held) == 1 and held[0][0] == 1 and _params(held[0][1]) == MODEL_V1
    new_version = (held[-1][0] if held else 0) + 1
    published = datetime(2026, 12, 2, tzinfo=UTC)
    if bind.dialect.name == "sqlite":
        published = published.replace(tzinfo=None)
    op.bulk_insert(
        models,
        [
            {
                "version": new_version,
                "published_at": published,
                "published_by_id": None,
                "note": "Default model v2 as documented in DESIGN.md (street time, incidents, victims aged 16 or over, "
                "gravity to 8,000 harm days, custody flags)",
                "params": MODEL_V2,
                "rules": 2,
                "is_current": False,
            }
        ],
    )
    # Until now the latest version was the current one.
    current = new_version if untouched or not held else held[-1][0]
    bind.execute(sa.update(models).where(models.c.version == current).values(is_current=True))
    # Every full run stored so far was the list of its day; the latest of them is the current list.
    latest = bind.execute(
        sa.select(runs.c.id).where(runs.c.partial.is_(False)).order_by(runs.c.as_of.desc(), runs.c.id.desc()).limit(1)
    ).scalar()
    bind.execute(sa.update(runs).where(runs.c.partial.is_(False)).values(listed=True))
    if latest is None:
        return
    # Its rows become the current scores, then each re-score stored after it, oldest first (a
    # re-score that left the person unranked stored no row, so it cannot be replayed here).
    copy_rows = (
        "INSERT INTO current_scores (person_id, score_row_id, run_id, priority, harm, opportunity, r, f, g, v, "
        "harm_days, events_in_window, victims_in_window, incidents_in_window, recency_days, latest_event_on, "
        "levers, flags) SELECT person_id, id, run_id, priority, harm, opportunity, r, f, g, v, harm_days, "
        "events_in_window, victims_in_window, incidents_in_window, recency_days, latest_event_on, levers, flags "
        "FROM score_rows WHERE run_id = :run"
    )
    bind.execute(sa.text(copy_rows), {"run": latest})
    base = bind.execute(sa.select(runs.c.as_of).where(runs.c.id == latest)).scalar()
    later = (
        bind.execute(
            sa.select(runs.c.id)
            .where(runs.c.partial.is_(True))
            .where(sa.or_(runs.c.as_of > base, sa.and_(runs.c.as_of == base, runs.c.id > latest)))
            .order_by(runs.c.as_of, runs.c.id)
        )
        .scalars()
        .all()
    )
    for run_id in later:
        bind.execute(
            sa.text(
                "DELETE FROM current_scores WHERE person_id IN (SELECT person_id FROM score_rows WHERE run_id = :run)"
            ),
            {"run": run_id},
        )
        bind.execute(sa.text(copy_rows), {"run": run_id})


def downgrade():
    bind = op.get_bind()
    op.drop_table("current_scores")
    with op.batch_alter_table("score_rows", schema=None) as batch_op:
        batch_op.drop_column("recency_days")
        batch_op.drop_column("incidents_in_window")
    # Runs of the triggers added here, and of rule set 2, cannot be kept under the old schema.
    bind.execute(sa.text("DELETE FROM score_runs WHERE trigger IN ('event', 'lever', 'custody')"))
    bind.execute(
        sa.text("DELETE FROM score_runs WHERE model_version IN (SELECT version FROM scoring_models WHERE rules = 2)")
    )
    bind.execute(sa.text("DELETE FROM scoring_models WHERE rules = 2"))
    op.drop_index("uq_scoring_models_one_current", table_name="scoring_models")
    with _sqlite_tables_rebuilt_safely():
        with op.batch_alter_table("score_runs", schema=None) as batch_op:
            batch_op.drop_constraint(op.f("ck_score_runs_trigger_known"), type_="check")
            batch_op.create_check_constraint("trigger_known", OLD_TRIGGERS)
            batch_op.drop_column("listed")
        with op.batch_alter_table("scoring_models", schema=None) as batch_op:
            batch_op.drop_constraint(op.f("ck_scoring_models_rules_known"), type_="check")
            batch_op.drop_column("is_current")
            batch_op.drop_column("rules")
