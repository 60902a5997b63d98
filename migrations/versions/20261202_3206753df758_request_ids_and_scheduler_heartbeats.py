"""Audit entries carry the request id; the scheduler writes a heartbeat.

Revision ID: 3206753df758
Revises: d8e3f4a5b6c7
Create Date: 2026-12-02 05:00:00

The audit column is added with a plain ALTER TABLE, never a batch copy: on SQLite a batch copy
re-creates the table and would drop its append-only triggers (and on both engines the rows would
be rewritten). Adding a nullable column touches no existing row.

Downgrades are not supported on a database that holds records (restore the backup taken before
the upgrade); downgrade() exists so an empty development database can be taken back.
"""

import sqlalchemy as sa
from alembic import op

revision = "3206753df758"
down_revision = "d8e3f4a5b6c7"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("audit_entries", sa.Column("request_id", sa.Text(), nullable=True))
    op.create_index(op.f("ix_audit_entries_request_id"), "audit_entries", ["request_id"], unique=False)
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("hostname", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("leading_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hostname", name=op.f("pk_scheduler_heartbeats")),
    )


def downgrade():
    op.drop_table("scheduler_heartbeats")
    op.drop_index(op.f("ix_audit_entries_request_id"), table_name="audit_entries")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) keeps the table, and so its triggers.
    op.drop_column("audit_entries", "request_id")
