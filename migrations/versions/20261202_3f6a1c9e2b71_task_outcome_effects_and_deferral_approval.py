"""Tasks: the lever a lever-action task is about, the record that raised it, what its outcome did,
and who put it aside and who approved that.

Written by hand: only the tasks table is touched.

Revision ID: 3f6a1c9e2b71
Revises: 53196a43de7a
Create Date: 2026-12-02 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "3f6a1c9e2b71"
down_revision = "53196a43de7a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deferred_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deferral_pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("deferral_approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("deferral_approved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lever", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("raised_from", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("outcome_effects", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tasks_raised_from"), ["raised_from"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_tasks_deferred_by_id_users"), "users", ["deferred_by_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_deferral_approved_by_id_users"), "users", ["deferral_approved_by_id"], ["id"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_tasks_lever_lever_types"), "lever_types", ["lever"], ["code"])


def downgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tasks_lever_lever_types"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_tasks_deferral_approved_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_tasks_deferred_by_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tasks_raised_from"))
        for column in (
            "outcome_effects",
            "raised_from",
            "lever",
            "deferral_approved_at",
            "deferral_approved_by_id",
            "deferral_pending",
            "deferred_by_id",
        ):
            batch_op.drop_column(column)
