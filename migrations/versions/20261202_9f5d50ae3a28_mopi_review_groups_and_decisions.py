"""MoPI review: each offence category's review group, and the recorded review decisions.

Default groups (a force checks them against the current APP "Retention, review and disposal"):
1 certain public protection matters (rape, sexual assault, GBH, threats to kill, strangulation,
false imprisonment); 2 other sexual, violent or serious offences (ABH, arson, coercive control,
stalking, stalking with fear of violence, common assault, breach of a criminal order); 3 other
offences and incidents.

Revision ID: 9f5d50ae3a28
Revises: bb3171637001
Create Date: 2026-12-02 06:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "9f5d50ae3a28"
down_revision = "bb3171637001"
branch_labels = None
depends_on = None

GROUP_1 = ("rape", "sexual_assault", "gbh", "threats_to_kill", "strangulation", "false_imprisonment")
GROUP_2 = (
    "abh",
    "arson",
    "coercive_control",
    "stalking",
    "stalking_fear_of_violence",
    "common_assault",
    "breach_criminal_order",
)


def upgrade():
    with op.batch_alter_table("offence_categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_group", sa.Integer(), server_default="3", nullable=False))
        batch_op.create_check_constraint(op.f("ck_offence_categories_review_group_known"), "review_group IN (1, 2, 3)")
    categories = sa.table("offence_categories", sa.column("code", sa.Text), sa.column("review_group", sa.Integer))
    for group, codes in ((1, GROUP_1), (2, GROUP_2)):
        op.execute(categories.update().where(categories.c.code.in_(codes)).values(review_group=group))

    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("person_ref", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("review_group", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.Text(), nullable=False),
        sa.CheckConstraint("decision IN ('retain', 'dispose')", name=op.f("ck_review_decisions_decision_known")),
        sa.CheckConstraint("review_group IN (1, 2, 3)", name=op.f("ck_review_decisions_review_group_known")),
        sa.CheckConstraint(
            "decision = 'dispose' OR next_review_on IS NOT NULL", name=op.f("ck_review_decisions_retain_has_next_review")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_review_decisions_decided_by_id_users")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_review_decisions_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
    )
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_decisions_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("review_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_decisions_person_id"))
    op.drop_table("review_decisions")
    with op.batch_alter_table("offence_categories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_offence_categories_review_group_known"), type_="check")
        batch_op.drop_column("review_group")
