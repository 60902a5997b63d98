"""Relationships between persons carry their dates (from, to), where the knowledge came from, its
grading (3x5x2: source 1-3, intelligence A-E, handling P or C), who recorded it and a version.

Written by hand: only person_links is touched. A relationship type outside the vocabulary of
app/catalogue.py RELATIONSHIPS becomes "other" before the CHECK is added (no app code records
relationships before this migration; this guards data loaded by hand).

Revision ID: 67ae71fefa3a
Revises: 3206753df758
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "67ae71fefa3a"
down_revision = "3206753df758"
branch_labels = None
depends_on = None

SOURCES = ("records", "victim", "subject", "third_party", "partner_agency", "officer", "intelligence_report")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.execute(
        "UPDATE person_links SET relationship_type = 'other' "
        "WHERE relationship_type NOT IN ('partner', 'ex_partner', 'family', 'other')"
    )
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("source_grade", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("intelligence_grade", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("handling_code", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version_id", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_foreign_key(
            batch_op.f("fk_person_links_recorded_by_id_users"), "users", ["recorded_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_person_links_link_type_known"), _in("relationship_type", ("partner", "ex_partner", "family", "other"))
        )
        batch_op.create_check_constraint(batch_op.f("ck_person_links_until_after_since"), "until IS NULL OR since IS NULL OR until >= since")
        batch_op.create_check_constraint(batch_op.f("ck_person_links_link_source_known"), "source IS NULL OR " + _in("source", SOURCES))
        batch_op.create_check_constraint(batch_op.f("ck_person_links_source_grade_known"), "source_grade IS NULL OR source_grade IN ('1', '2', '3')")
        batch_op.create_check_constraint(
            batch_op.f("ck_person_links_intelligence_grade_known"), "intelligence_grade IS NULL OR intelligence_grade IN ('A', 'B', 'C', 'D', 'E')"
        )
        batch_op.create_check_constraint(batch_op.f("ck_person_links_handling_code_known"), "handling_code IS NULL OR handling_code IN ('P', 'C')")
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.alter_column("version_id", server_default=None)


def downgrade():
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        for name in (
            "handling_code_known",
            "intelligence_grade_known",
            "source_grade_known",
            "link_source_known",
            "until_after_since",
            "link_type_known",
        ):
            batch_op.drop_constraint(batch_op.f(f"ck_person_links_{name}"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_person_links_recorded_by_id_users"), type_="foreignkey")
        for column in ("version_id", "recorded_by_id", "handling_code", "intelligence_grade", "source_grade", "source"):
            batch_op.drop_column(column)
        batch_op.drop_column("until")
