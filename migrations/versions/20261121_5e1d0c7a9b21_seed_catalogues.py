"""Seed the catalogues (roles, offences with harm days, order types, levers) and scoring model v1.

The numbers are DESIGN.md's documented defaults ("CCHI-inspired", not official CCHI values).
A force loads its own by publishing a new scoring model version; v1 stays as it was.

Revision ID: 5e1d0c7a9b21
Revises: 4b27cc9e56c3
Create Date: 2026-11-21 05:20:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "5e1d0c7a9b21"
down_revision = "4b27cc9e56c3"
branch_labels = None
depends_on = None

ROLES = [
    ("supervisor", "Supervisor"),
    ("officer", "Officer"),
    ("referral", "Referral staff"),
    ("analyst", "Analyst"),
    ("admin", "Administrator"),
]

# code, label, harm days
OFFENCES = [
    ("non_crime_incident", "Non-crime incident", 0),
    ("criminal_damage", "Criminal damage", 2),
    ("malicious_communications", "Malicious communications", 5),
    ("harassment", "Harassment", 10),
    ("stalking", "Stalking", 10),
    ("common_assault", "Common assault", 10),
    ("breach_civil_order", "Breach of a civil order or conditions", 5),
    ("breach_criminal_order", "Breach of an order (criminal offence)", 30),
    ("coercive_control", "Controlling or coercive behaviour", 120),
    ("sexual_assault", "Sexual assault", 180),
    ("arson", "Arson", 185),
    ("threats_to_kill", "Threats to kill", 365),
    ("abh", "Assault occasioning actual bodily harm", 365),
    ("strangulation", "Non-fatal strangulation or suffocation", 365),
    ("stalking_fear_of_violence", "Stalking involving fear of violence", 365),
    ("false_imprisonment", "False imprisonment", 730),
    ("gbh", "Grievous bodily harm", 730),
    ("rape", "Rape", 1825),
]

# code, label, breach is a criminal offence
ORDER_TYPES = [
    ("dvpn", "Domestic Violence Protection Notice (DVPN)", False),
    ("dvpo", "Domestic Violence Protection Order (DVPO)", False),
    ("dapn", "Domestic Abuse Protection Notice (DAPN)", False),
    ("dapo", "Domestic Abuse Protection Order (DAPO)", True),
    ("non_molestation", "Non-molestation order", True),
    ("occupation", "Occupation order", False),
    ("restraining_conviction", "Restraining order on conviction", True),
    ("restraining_acquittal", "Restraining order on acquittal", True),
    ("stalking_protection", "Stalking Protection Order", True),
    ("bail_conditions", "Pre-charge bail conditions", False),
    ("licence_conditions", "Licence conditions", False),
    ("criminal_behaviour", "Criminal Behaviour Order", True),
]

# code, label, weight, derived from events rather than recorded
LEVERS = [
    ("outstanding_warrant", "Outstanding warrant", 25, False),
    ("wanted_circulated", "Wanted and circulated", 25, False),
    ("breach_unactioned", "Breach not yet actioned", 20, True),
    ("licence_recall_possible", "Licence recall possible", 15, False),
    ("firearms_certificate", "Holds a firearms or shotgun certificate", 15, False),
    ("bail_conditions", "On bail with conditions", 10, False),
    ("proceeds_of_crime", "Proceeds of crime", 10, False),
    ("drugs_intelligence", "Drugs intelligence", 10, False),
    ("driving_offences", "Driving offences", 5, False),
    ("housing_tenancy", "Housing tenancy enforcement", 5, False),
    ("immigration", "Immigration", 5, False),
    ("benefits", "Benefit fraud", 5, False),
]

MODEL_V1 = {
    "window_months": 36,
    "days_per_month": 30.44,
    # Months since the latest event, at most max_months, earn the points (first match).
    "recency": [
        {"max_months": 3, "points": 30},
        {"max_months": 6, "points": 20},
        {"max_months": 12, "points": 10},
        {"max_months": 24, "points": 5},
        {"max_months": 36, "points": 1},
    ],
    # Events in the window, at least min_events, earn the points (highest match).
    "frequency": [
        {"min_events": 1, "points": 5},
        {"min_events": 2, "points": 10},
        {"min_events": 3, "points": 15},
        {"min_events": 5, "points": 20},
        {"min_events": 10, "points": 30},
    ],
    # Total harm days below below_days earn the points (first match); null means no upper bound.
    "gravity": [
        {"below_days": 10, "points": 2},
        {"below_days": 30, "points": 5},
        {"below_days": 180, "points": 10},
        {"below_days": 365, "points": 15},
        {"below_days": 1000, "points": 20},
        {"below_days": 2000, "points": 25},
        {"below_days": None, "points": 30},
    ],
    # Distinct victims in the window, at least min_victims, earn the points (highest match).
    "victims": [
        {"min_victims": 1, "points": 0},
        {"min_victims": 2, "points": 10},
        {"min_victims": 3, "points": 20},
    ],
    "harm_days": {code: days for code, _, days in OFFENCES},
    "lever_weights": {code: weight for code, _, weight, _ in LEVERS},
    "opportunity_cap": 50,
    "breach_unactioned_days": 90,
    "breach_actioned_outcomes": ["arrest", "charge"],
    "recent_breach_days": 30,
    "escalating": {"max_months": 12, "min_events": 3},
    "serial_min_victims": 2,
}


def upgrade():
    meta = sa.MetaData()
    roles = sa.Table("roles", meta, sa.Column("name", sa.Text), sa.Column("label", sa.Text))
    offences = sa.Table(
        "offence_categories", meta, sa.Column("code", sa.Text), sa.Column("label", sa.Text), sa.Column("harm_days", sa.Integer)
    )
    order_types = sa.Table(
        "order_types", meta, sa.Column("code", sa.Text), sa.Column("label", sa.Text), sa.Column("breach_is_criminal", sa.Boolean)
    )
    levers = sa.Table(
        "lever_types", meta, sa.Column("code", sa.Text), sa.Column("label", sa.Text),
        sa.Column("weight", sa.Integer), sa.Column("derived", sa.Boolean),
    )
    models = sa.Table(
        "scoring_models", meta, sa.Column("version", sa.Integer), sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("published_by_id", sa.Integer), sa.Column("note", sa.Text), sa.Column("params", sa.JSON),
    )
    op.bulk_insert(roles, [{"name": n, "label": label} for n, label in ROLES])
    op.bulk_insert(offences, [{"code": c, "label": label, "harm_days": d} for c, label, d in OFFENCES])
    op.bulk_insert(order_types, [{"code": c, "label": label, "breach_is_criminal": b} for c, label, b in ORDER_TYPES])
    op.bulk_insert(levers, [{"code": c, "label": label, "weight": w, "derived": d} for c, label, w, d in LEVERS])
    published = datetime(2026, 11, 21, tzinfo=UTC)
    if op.get_bind().dialect.name == "sqlite":
        published = published.replace(tzinfo=None)
    op.bulk_insert(
        models,
        [{"version": 1, "published_at": published, "published_by_id": None,
          "note": "Default model v1 as documented in DESIGN.md", "params": MODEL_V1}],
    )


def downgrade():
    for table in ("scoring_models", "lever_types", "order_types", "offence_categories", "roles"):
        op.execute(sa.text(f"DELETE FROM {table}"))
