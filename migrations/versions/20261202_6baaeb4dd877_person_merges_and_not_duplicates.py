"""Merges of duplicate persons (undoable, the merged-away record kept) and pairs found not to be
duplicates.

Revision ID: 6baaeb4dd877
Revises: 9f5d50ae3a28
Create Date: 2026-12-02 06:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = "6baaeb4dd877"
down_revision = "9f5d50ae3a28"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_person_id", sa.Integer(), nullable=False),
        sa.Column("into_person_id", sa.Integer(), nullable=False),
        sa.Column("from_ref", sa.Text(), nullable=False),
        sa.Column("into_ref", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.Column("merged_by_name", sa.Text(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_name", sa.Text(), nullable=True),
        sa.CheckConstraint("from_person_id <> into_person_id", name=op.f("ck_person_merges_not_self")),
        sa.ForeignKeyConstraint(
            ["from_person_id"], ["persons.id"], name=op.f("fk_person_merges_from_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["into_person_id"], ["persons.id"], name=op.f("fk_person_merges_into_person_id_persons")
        ),
        sa.ForeignKeyConstraint(["merged_by_id"], ["users.id"], name=op.f("fk_person_merges_merged_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merges")),
    )
    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merges_from_person_id"), ["from_person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_merges_into_person_id"), ["into_person_id"], unique=False)
        live = sa.text("undone_at IS NULL")
        batch_op.create_index(
            "uq_person_merges_from_live", ["from_person_id"], unique=True, sqlite_where=live, postgresql_where=live
        )
    op.create_table(
        "not_duplicates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_a_id", sa.Integer(), nullable=False),
        sa.Column("person_b_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_name", sa.Text(), nullable=False),
        sa.CheckConstraint("person_a_id < person_b_id", name=op.f("ck_not_duplicates_ordered_pair")),
        sa.ForeignKeyConstraint(["person_a_id"], ["persons.id"], name=op.f("fk_not_duplicates_person_a_id_persons")),
        sa.ForeignKeyConstraint(["person_b_id"], ["persons.id"], name=op.f("fk_not_duplicates_person_b_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_not_duplicates")),
        sa.UniqueConstraint("person_a_id", "person_b_id", name=op.f("uq_not_duplicates_person_a_id_person_b_id")),
    )
    with op.batch_alter_table("not_duplicates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_not_duplicates_person_a_id"), ["person_a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_not_duplicates_person_b_id"), ["person_b_id"], unique=False)


def downgrade():
    with op.batch_alter_table("not_duplicates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_not_duplicates_person_b_id"))
        batch_op.drop_index(batch_op.f("ix_not_duplicates_person_a_id"))
    op.drop_table("not_duplicates")
    with op.batch_alter_table("person_merges", schema=None) as batch_op:
        batch_op.drop_index("uq_person_merges_from_live")
        batch_op.drop_index(batch_op.f("ix_person_merges_into_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_merges_from_person_id"))
    op.drop_table("person_merges")
