"""Referrals: the programme catalogue (seeded), programme referrals with their moves, screening and
attendance; forum referrals (MARAC with its criterion, MATAC, MASIP); Clare's Law cases.

Written by hand (the tasking migration before it is another part's): only the referral tables are
touched. The CHECK constraints spell out the vocabularies of app/referrals/models.py.

Revision ID: c7d2e1f3a4b5
Revises: a6c1e0f2d3b4
Create Date: 2026-11-21 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c7d2e1f3a4b5"
down_revision = "a6c1e0f2d3b4"
branch_labels = None
depends_on = None

# code, label, provider, eligibility notes (reference/domain.md §5). A force adds its own rows.
PROGRAMMES = [
    (
        "drive",
        "Drive",
        "Drive Partnership (Respect, SafeLives and Social Finance)",
        "For high-risk, high-harm and serial perpetrators, usually identified through MARAC. Intensive "
        "one-to-one case management that combines behaviour-change support, disruption with police and "
        "social care, and work for the victim's safety alongside an IDVA. The person's consent is not needed.",
    ),
    (
        "respect_dvpp",
        "Respect-accredited domestic violence perpetrator programme (DVPP)",
        "Community provider accredited to the Respect Standard",
        "Voluntary community behaviour-change programme: weekly groups of about two and a half hours for "
        "20 to 48 weeks, with an integrated support service for partners and ex-partners. The person must "
        "be willing to attend; screening assesses suitability and risk.",
    ),
    (
        "bbr",
        "Building Better Relationships (BBR)",
        "Probation Service (HMPPS)",
        "Accredited group programme for men convicted of an offence of intimate partner violence and "
        "assessed as medium to high risk (SARA). Entered through a court order requirement, a licence "
        "condition or a family court direction; partner link workers support partners and ex-partners.",
    ),
    (
        "local",
        "Local perpetrator programme (PCC-funded)",
        "Local provider commissioned by the Police and Crime Commissioner",
        "A 10 to 12 week course, one-to-one or in a group, for perpetrators identified and referred by the "
        "proactive domestic abuse teams. Voluntary; screening checks suitability, risk and support for the partner.",
    ),
]


def upgrade():
    op.create_table('programmes',
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('provider', sa.Text(), nullable=True),
    sa.Column('eligibility', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_programmes'))
    )
    op.create_table('clare_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.Text(), nullable=False),
    sa.Column('route', sa.Text(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('person_at_risk_id', sa.Integer(), nullable=True),
    sa.Column('person_at_risk_name', sa.Text(), nullable=True),
    sa.Column('applicant_name', sa.Text(), nullable=True),
    sa.Column('applicant_relationship', sa.Text(), nullable=True),
    sa.Column('application_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('initial_contact_on', sa.Date(), nullable=True),
    sa.Column('checks_on', sa.Date(), nullable=True),
    sa.Column('checks_detail', sa.Text(), nullable=True),
    sa.Column('face_to_face_on', sa.Date(), nullable=True),
    sa.Column('forum_decision_on', sa.Date(), nullable=True),
    sa.Column('forum_name', sa.Text(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('disclosure_on', sa.Date(), nullable=True),
    sa.Column('disclosed_to', sa.Text(), nullable=True),
    sa.Column('disclosed_what', sa.Text(), nullable=True),
    sa.Column('disclosed_how', sa.Text(), nullable=True),
    sa.Column('disclosed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closure', sa.Text(), nullable=True),
    sa.Column('closure_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("applicant_relationship IS NULL OR applicant_relationship IN ('self', 'parent', 'family', 'friend', 'professional', 'other')", name=op.f('ck_clare_cases_applicant_relationship_known')),
    sa.CheckConstraint("closure IS NULL OR closure IN ('disclosed', 'not_disclosed', 'withdrawn')", name=op.f('ck_clare_cases_closure_known')),
    sa.CheckConstraint("decision IS NULL OR (rationale IS NOT NULL AND rationale <> '' AND decided_on IS NOT NULL)", name=op.f('ck_clare_cases_decision_has_rationale')),
    sa.CheckConstraint("decision IS NULL OR decision IN ('disclose', 'not_disclose')", name=op.f('ck_clare_cases_decision_known')),
    sa.CheckConstraint("disclosure_on IS NULL OR (decision = 'disclose' AND disclosed_to IS NOT NULL AND disclosed_what IS NOT NULL AND disclosed_by_id IS NOT NULL)", name=op.f('ck_clare_cases_disclosure_after_decision')),
    sa.CheckConstraint("route = 'know' OR (applicant_name IS NOT NULL AND applicant_relationship IS NOT NULL)", name=op.f('ck_clare_cases_applicant_for_right_to_ask')),
    sa.CheckConstraint("route IN ('ask', 'know')", name=op.f('ck_clare_cases_route_known')),
    sa.CheckConstraint('(closed_on IS NULL) = (closure IS NULL)', name=op.f('ck_clare_cases_closed_with_closure')),
    sa.CheckConstraint('person_at_risk_id IS NOT NULL OR person_at_risk_name IS NOT NULL', name=op.f('ck_clare_cases_person_at_risk_named')),
    sa.CheckConstraint('person_at_risk_id IS NULL OR person_at_risk_id <> subject_id', name=op.f('ck_clare_cases_subject_not_at_risk')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_clare_cases_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_clare_cases_decided_by_id_users')),
    sa.ForeignKeyConstraint(['disclosed_by_id'], ['users.id'], name=op.f('fk_clare_cases_disclosed_by_id_users')),
    sa.ForeignKeyConstraint(['person_at_risk_id'], ['persons.id'], name=op.f('fk_clare_cases_person_at_risk_id_persons')),
    sa.ForeignKeyConstraint(['subject_id'], ['persons.id'], name=op.f('fk_clare_cases_subject_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clare_cases')),
    sa.UniqueConstraint('ref', name=op.f('uq_clare_cases_ref'))
    )
    with op.batch_alter_table('clare_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clare_cases_application_on'), ['application_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_clare_cases_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_clare_cases_person_at_risk_id'), ['person_at_risk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clare_cases_subject_id'), ['subject_id'], unique=False)

    op.create_table('forum_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.Text(), nullable=False),
    sa.Column('forum', sa.Text(), nullable=False),
    sa.Column('person_at_risk_id', sa.Integer(), nullable=True),
    sa.Column('perpetrator_id', sa.Integer(), nullable=True),
    sa.Column('criterion', sa.Text(), nullable=True),
    sa.Column('matched_rules', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('meeting_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(forum = 'marac' AND criterion IS NOT NULL AND person_at_risk_id IS NOT NULL) OR (forum <> 'marac' AND criterion IS NULL AND perpetrator_id IS NOT NULL)", name=op.f('ck_forum_referrals_forum_shape')),
    sa.CheckConstraint("criterion IS NULL OR criterion IN ('visible_high_risk', 'professional_judgement', 'potential_escalation', 'repeat')", name=op.f('ck_forum_referrals_criterion_known')),
    sa.CheckConstraint("forum IN ('marac', 'matac', 'masip')", name=op.f('ck_forum_referrals_forum_known')),
    sa.CheckConstraint('person_at_risk_id IS NULL OR perpetrator_id IS NULL OR person_at_risk_id <> perpetrator_id', name=op.f('ck_forum_referrals_two_different_persons')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_forum_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['perpetrator_id'], ['persons.id'], name=op.f('fk_forum_referrals_perpetrator_id_persons')),
    sa.ForeignKeyConstraint(['person_at_risk_id'], ['persons.id'], name=op.f('fk_forum_referrals_person_at_risk_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_referrals')),
    sa.UniqueConstraint('ref', name=op.f('uq_forum_referrals_ref'))
    )
    with op.batch_alter_table('forum_referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_referrals_forum'), ['forum'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_referrals_perpetrator_id'), ['perpetrator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_referrals_person_at_risk_id'), ['person_at_risk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_referrals_referred_on'), ['referred_on'], unique=False)

    op.create_table('programme_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.Text(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('programme_code', sa.Text(), nullable=True),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('identified_on', sa.Date(), nullable=False),
    sa.Column('state_on', sa.Date(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('screening', sa.JSON(), nullable=True),
    sa.Column('screening_notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("source IN ('suggested', 'manual')", name=op.f('ck_programme_referrals_source_known')),
    sa.CheckConstraint("state IN ('identified', 'referred', 'screened', 'accepted', 'declined', 'started', 'completed', 'dropped_out', 'withdrawn')", name=op.f('ck_programme_referrals_state_known')),
    sa.CheckConstraint("state IN ('identified', 'withdrawn') OR programme_code IS NOT NULL", name=op.f('ck_programme_referrals_programme_once_referred')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_programme_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_programme_referrals_person_id_persons')),
    sa.ForeignKeyConstraint(['programme_code'], ['programmes.code'], name=op.f('fk_programme_referrals_programme_code_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_referrals')),
    sa.UniqueConstraint('ref', name=op.f('uq_programme_referrals_ref'))
    )
    with op.batch_alter_table('programme_referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_referrals_identified_on'), ['identified_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_referrals_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_referrals_state'), ['state'], unique=False)

    op.create_table('referral_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('session_on', sa.Date(), nullable=False),
    sa.Column('attendance', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.Text(), nullable=False),
    sa.CheckConstraint("attendance IN ('attended', 'missed', 'excused')", name=op.f('ck_referral_attendance_attendance_known')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_referral_attendance_by_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['programme_referrals.id'], name=op.f('fk_referral_attendance_referral_id_programme_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_attendance'))
    )
    with op.batch_alter_table('referral_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_attendance_referral_id'), ['referral_id'], unique=False)

    op.create_table('referral_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.Text(), nullable=True),
    sa.Column('to_state', sa.Text(), nullable=False),
    sa.Column('moved_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint("from_state IS NULL OR from_state IN ('identified', 'referred', 'screened', 'accepted', 'declined', 'started', 'completed', 'dropped_out', 'withdrawn')", name=op.f('ck_referral_moves_from_state_known')),
    sa.CheckConstraint("to_state IN ('identified', 'referred', 'screened', 'accepted', 'declined', 'started', 'completed', 'dropped_out', 'withdrawn')", name=op.f('ck_referral_moves_to_state_known')),
    sa.CheckConstraint("to_state NOT IN ('declined', 'dropped_out', 'withdrawn') OR (reason IS NOT NULL AND reason <> '')", name=op.f('ck_referral_moves_reason_given')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_referral_moves_by_id_users')),
    sa.ForeignKeyConstraint(['referral_id'], ['programme_referrals.id'], name=op.f('fk_referral_moves_referral_id_programme_referrals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_moves'))
    )
    with op.batch_alter_table('referral_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_moves_referral_id'), ['referral_id'], unique=False)

    programmes = sa.table(
        "programmes",
        sa.column("code", sa.Text),
        sa.column("label", sa.Text),
        sa.column("provider", sa.Text),
        sa.column("eligibility", sa.Text),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        programmes,
        [
            {"code": code, "label": label, "provider": provider, "eligibility": eligibility, "active": True}
            for code, label, provider, eligibility in PROGRAMMES
        ],
    )


def downgrade():
    with op.batch_alter_table('referral_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_moves_referral_id'))

    op.drop_table('referral_moves')
    with op.batch_alter_table('referral_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_attendance_referral_id'))

    op.drop_table('referral_attendance')
    with op.batch_alter_table('programme_referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_referrals_state'))
        batch_op.drop_index(batch_op.f('ix_programme_referrals_person_id'))
        batch_op.drop_index(batch_op.f('ix_programme_referrals_identified_on'))

    op.drop_table('programme_referrals')
    with op.batch_alter_table('forum_referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_referrals_referred_on'))
        batch_op.drop_index(batch_op.f('ix_forum_referrals_person_at_risk_id'))
        batch_op.drop_index(batch_op.f('ix_forum_referrals_perpetrator_id'))
        batch_op.drop_index(batch_op.f('ix_forum_referrals_forum'))

    op.drop_table('forum_referrals')
    with op.batch_alter_table('clare_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clare_cases_subject_id'))
        batch_op.drop_index(batch_op.f('ix_clare_cases_person_at_risk_id'))
        batch_op.drop_index(batch_op.f('ix_clare_cases_closed_on'))
        batch_op.drop_index(batch_op.f('ix_clare_cases_application_on'))

    op.drop_table('clare_cases')
    op.drop_table('programmes')
