"""The audit log: a coded reason for each consultation, and no way round append-only by REPLACE
(SQLite) or TRUNCATE (PostgreSQL).

On SQLite `INSERT OR REPLACE` / `REPLACE INTO` with an existing id deletes the old row without
firing DELETE triggers (recursive triggers are off), so an INSERT naming an id already held is
refused outright. On PostgreSQL row triggers do not see TRUNCATE: a statement trigger refuses it.
Only a superuser can get round either (session_replication_role = replica), which is why the
application's database role must not be one (README, "Security").

Revision ID: 520d57bd29da
Revises: 21d58b787998
Create Date: 2026-12-02 05:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "520d57bd29da"
down_revision = "21d58b787998"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (not a batch copy, which on SQLite would rebuild the table and drop its triggers).
    op.add_column("audit_entries", sa.Column("reason_code", sa.Text(), nullable=True))
    op.create_index(op.f("ix_audit_entries_reason_code"), "audit_entries", ["reason_code"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_entries_no_replace BEFORE INSERT ON audit_entries "
            "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_entries WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_replace")
    op.drop_index(op.f("ix_audit_entries_reason_code"), table_name="audit_entries")
    op.drop_column("audit_entries", "reason_code")
