"""Server-side sessions (revocable, with an idle limit), the sign-in cool-down and demo accounts.

Revision ID: 21d58b787998
Revises: 06237b02e188
Create Date: 2026-12-02 05:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "21d58b787998"
down_revision = "06237b02e188"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("remote_addr", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)
    # Plain ADD COLUMN (with a default, SQLite allows NOT NULL): a batch copy of `users` would drop a
    # table that other tables' rows refer to, which SQLite refuses once the database holds records.
    op.add_column("users", sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("users", sa.Column("lockout_cleared_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("login_attempts", sa.Column("throttled", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_column("throttled")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("lockout_cleared_at")
        batch_op.drop_column("is_demo")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")
