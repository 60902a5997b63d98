"""The managed cohort (MATAC) and agenda reviews: persons adopted with a reason and leaving with
one; agenda items brought back by a review date and linked to the person's previous plan.

Written by hand: only the tasking tables are touched.

Revision ID: 8d2e4b7a5c13
Revises: 3f6a1c9e2b71
Create Date: 2026-12-02 09:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "8d2e4b7a5c13"
down_revision = "3f6a1c9e2b71"
branch_labels = None
depends_on = None

OLD_REASONS = "reason IN ('ranked', 'breach', 'ranked_and_breach', 'added')"
NEW_REASONS = "reason IN ('ranked', 'breach', 'ranked_and_breach', 'added', 'review', 'cohort')"


def upgrade():
    op.create_table(
        "cohort_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("adopted_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("adopted_priority", sa.Integer(), nullable=True),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column("exit_reason", sa.Text(), nullable=True),
        sa.Column("exit_note", sa.Text(), nullable=True),
        sa.Column("exited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "exit_reason IS NULL OR exit_reason IN ('desisted', 'custody', 'moved_away', 'programme_completed', "
            "'other')",
            name=op.f("ck_cohort_members_exit_reason_known"),
        ),
        sa.CheckConstraint("(exited_on IS NULL) = (exit_reason IS NULL)", name=op.f("ck_cohort_members_exit_has_reason")),
        sa.CheckConstraint(
            "exited_on IS NULL OR exited_on >= adopted_on", name=op.f("ck_cohort_members_exit_after_adoption")
        ),
        sa.ForeignKeyConstraint(["adopted_by_id"], ["users.id"], name=op.f("fk_cohort_members_adopted_by_id_users")),
        sa.ForeignKeyConstraint(["exited_by_id"], ["users.id"], name=op.f("fk_cohort_members_exited_by_id_users")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_cohort_members_person_id_persons")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_cohort_members_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_members")),
    )
    with op.batch_alter_table("cohort_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_members_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "uq_cohort_members_open_person",
            ["person_id"],
            unique=True,
            sqlite_where=sa.text("exited_on IS NULL"),
            postgresql_where=sa.text("exited_on IS NULL"),
        )

    with op.batch_alter_table("tasking_meeting_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_due", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("previous_item_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tasking_meeting_items_previous_item_id_tasking_meeting_items"),
            "tasking_meeting_items",
            ["previous_item_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_constraint(batch_op.f("ck_tasking_meeting_items_reason_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_tasking_meeting_items_reason_known"), NEW_REASONS)


def downgrade():
    with op.batch_alter_table("tasking_meeting_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_tasking_meeting_items_reason_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_tasking_meeting_items_reason_known"), OLD_REASONS)
        batch_op.drop_constraint(
            batch_op.f("fk_tasking_meeting_items_previous_item_id_tasking_meeting_items"), type_="foreignkey"
        )
        batch_op.drop_column("previous_item_id")
        batch_op.drop_column("review_due")
    with op.batch_alter_table("cohort_members", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cohort_members_open_person",
            sqlite_where=sa.text("exited_on IS NULL"),
            postgresql_where=sa.text("exited_on IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_cohort_members_person_id"))
    op.drop_table("cohort_members")
