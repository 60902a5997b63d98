"""One open programme referral per person and programme, held by the database (partial unique
indexes): parallel "identify" requests used to make several.

Duplicates made before would stop the upgrade: see `upgrade` for how to find them first.

Revision ID: bb3171637001
Revises: 520d57bd29da
Create Date: 2026-12-02 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "bb3171637001"
down_revision = "520d57bd29da"
branch_labels = None
depends_on = None

OPEN = "state IN ('identified', 'referred', 'screened', 'accepted', 'started')"


def upgrade():
    """Duplicates made before this migration would stop it; find them with
    SELECT person_id, programme_code, count(*) FROM programme_referrals WHERE <OPEN>
    GROUP BY person_id, programme_code HAVING count(*) > 1
    and withdraw all but one through the app before upgrading."""
    with op.batch_alter_table("programme_referrals", schema=None) as batch_op:
        for name, columns, chosen in (
            ("uq_programme_referrals_open_per_programme", ["person_id", "programme_code"], "IS NOT NULL"),
            ("uq_programme_referrals_open_unchosen", ["person_id"], "IS NULL"),
        ):
            where = sa.text(f"{OPEN} AND programme_code {chosen}")
            batch_op.create_index(name, columns, unique=True, sqlite_where=where, postgresql_where=where)


def downgrade():
    with op.batch_alter_table("programme_referrals", schema=None) as batch_op:
        batch_op.drop_index("uq_programme_referrals_open_unchosen")
        batch_op.drop_index("uq_programme_referrals_open_per_programme")
