"""Tasking meetings (attendees, agenda items with plans) and task deferral kinds.

Tasks gain the kind of their deferral (snooze, action taken elsewhere, data is wrong) and the
meeting that set them. Written by hand: only the tasking tables and columns are touched.

Revision ID: a6c1e0f2d3b4
Revises: bf02e892b65a
Create Date: 2026-11-21 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a6c1e0f2d3b4"
down_revision = "bf02e892b65a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tasking_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("agenda_size", sa.Integer(), nullable=False),
        sa.Column("score_run_id", sa.Integer(), nullable=True),
        sa.Column("breaches_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("agenda_size BETWEEN 0 AND 100", name=op.f("ck_tasking_meetings_agenda_size_range")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_tasking_meetings_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["score_run_id"],
            ["score_runs.id"],
            name=op.f("fk_tasking_meetings_score_run_id_score_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_tasking_meetings_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasking_meetings")),
    )
    with op.batch_alter_table("tasking_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasking_meetings_held_on"), ["held_on"], unique=False)

    op.create_table(
        "tasking_meeting_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("agency", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR name IS NOT NULL", name=op.f("ck_tasking_meeting_attendees_user_or_name")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["tasking_meetings.id"],
            name=op.f("fk_tasking_meeting_attendees_meeting_id_tasking_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tasking_meeting_attendees_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasking_meeting_attendees")),
        sa.UniqueConstraint("meeting_id", "user_id", name=op.f("uq_tasking_meeting_attendees_meeting_id_user_id")),
    )
    with op.batch_alter_table("tasking_meeting_attendees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tasking_meeting_attendees_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "tasking_meeting_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rank_position", sa.Integer(), nullable=True),
        sa.Column("breach_count", sa.Integer(), nullable=False),
        sa.Column("tactic", sa.Text(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "reason IN ('ranked', 'breach', 'ranked_and_breach', 'added')",
            name=op.f("ck_tasking_meeting_items_reason_known"),
        ),
        sa.CheckConstraint(
            "tactic IS NULL OR tactic IN ('support', 'prevention', 'diversion', 'disruption', 'enforcement')",
            name=op.f("ck_tasking_meeting_items_tactic_known"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["tasking_meetings.id"],
            name=op.f("fk_tasking_meeting_items_meeting_id_tasking_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_tasking_meeting_items_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasking_meeting_items")),
        sa.UniqueConstraint(
            "meeting_id", "person_id", name=op.f("uq_tasking_meeting_items_meeting_id_person_id")
        ),
    )
    with op.batch_alter_table("tasking_meeting_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasking_meeting_items_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasking_meeting_items_person_id"), ["person_id"], unique=False)

    # Both new task columns are nullable, so rows already held need no default.
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deferral_kind", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tasks_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_meeting_id_tasking_meetings"),
            "tasking_meetings",
            ["meeting_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_tasks_deferral_kind_known"),
            "deferral_kind IS NULL OR deferral_kind IN ('snooze', 'action_elsewhere', 'data_wrong')",
        )


def downgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_tasks_deferral_kind_known"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_tasks_meeting_id_tasking_meetings"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tasks_meeting_id"))
        batch_op.drop_column("meeting_id")
        batch_op.drop_column("deferral_kind")

    with op.batch_alter_table("tasking_meeting_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasking_meeting_items_person_id"))
        batch_op.drop_index(batch_op.f("ix_tasking_meeting_items_meeting_id"))
    op.drop_table("tasking_meeting_items")

    with op.batch_alter_table("tasking_meeting_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasking_meeting_attendees_meeting_id"))
    op.drop_table("tasking_meeting_attendees")

    with op.batch_alter_table("tasking_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasking_meetings_held_on"))
    op.drop_table("tasking_meetings")
