"""Users carry a version for optimistic locking (two admins editing one user).

Revision ID: bf02e892b65a
Revises: 0cfc2d6ee694
Create Date: 2026-11-21 05:17:32.161980
"""
import sqlalchemy as sa
from alembic import op

revision = "bf02e892b65a"
down_revision = "0cfc2d6ee694"
branch_labels = None
depends_on = None


def upgrade():
    # Existing users start at version 1; the default is dropped afterwards (the ORM sets it).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("version_id", server_default=None)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("version_id")
