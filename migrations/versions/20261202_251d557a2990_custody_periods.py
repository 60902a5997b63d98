"""Custody periods per person (remand, sentence, recall): from, to or still in, expected release.

Revision ID: 251d557a2990
Revises: 3f9a1c7e5b20
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "251d557a2990"
down_revision = "3f9a1c7e5b20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "custody_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("custody_from", sa.Date(), nullable=False),
        sa.Column("custody_to", sa.Date(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("expected_release_on", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("release_task_for", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "custody_to IS NULL OR custody_to >= custody_from", name=op.f("ck_custody_periods_ends_after_start")
        ),
        sa.CheckConstraint("kind IN ('remand', 'sentence', 'recall')", name=op.f("ck_custody_periods_kind_known")),
        sa.CheckConstraint("source IN ('import', 'manual')", name=op.f("ck_custody_periods_source_known")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_custody_periods_person_id_persons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_periods")),
        sa.UniqueConstraint("person_id", "custody_from", name=op.f("uq_custody_periods_person_id_custody_from")),
    )


def downgrade():
    op.drop_table("custody_periods")
