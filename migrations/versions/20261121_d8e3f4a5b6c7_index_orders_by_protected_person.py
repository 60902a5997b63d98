"""Index order_protected_persons by person, for "orders protecting this person" on profiles.

Revision ID: d8e3f4a5b6c7
Revises: c7d2e1f3a4b5
Create Date: 2026-11-21 07:12:00
"""

from alembic import op

revision = "d8e3f4a5b6c7"
down_revision = "c7d2e1f3a4b5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_protected_persons", schema=None) as batch_op:
        batch_op.create_index("ix_order_protected_persons_person_id", ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("order_protected_persons", schema=None) as batch_op:
        batch_op.drop_index("ix_order_protected_persons_person_id")
