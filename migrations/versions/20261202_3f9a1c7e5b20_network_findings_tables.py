"""The network findings, computed by a job and read by the pages: runs, linked networks and their
members, serial perpetrators, repeat victims, Right-to-Know candidates, and the change log.

Revision ID: 3f9a1c7e5b20
Revises: 6baaeb4dd877
Create Date: 2026-12-02 05:16:13.406064

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f9a1c7e5b20'
down_revision = '6baaeb4dd877'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('network_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_changes'))
    )
    with op.batch_alter_table('network_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_changes_changed_at'), ['changed_at'], unique=False)

    op.create_table('network_components',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('suspects', sa.Integer(), nullable=False),
    sa.Column('victims', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('harm_days', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_components'))
    )
    with op.batch_alter_table('network_components', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_components_size'), ['size'], unique=False)

    op.create_table('network_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('persons', sa.Integer(), nullable=True),
    sa.Column('networks', sa.Integer(), nullable=True),
    sa.Column('serial', sa.Integer(), nullable=True),
    sa.Column('repeat_victims', sa.Integer(), nullable=True),
    sa.Column('candidates', sa.Integer(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.CheckConstraint("status IN ('running', 'done', 'failed')", name=op.f('ck_network_runs_status_known')),
    sa.CheckConstraint("trigger IN ('nightly', 'import', 'manual')", name=op.f('ck_network_runs_trigger_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_runs'))
    )
    with op.batch_alter_table('network_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_runs_status'), ['status'], unique=False)

    op.create_table('network_members',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('harm_days', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('suspect', 'victim', 'both', 'linked')", name=op.f('ck_network_members_role_known')),
    sa.ForeignKeyConstraint(['network_id'], ['network_components.id'], name=op.f('fk_network_members_network_id_network_components'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_network_members_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_network_members'))
    )
    with op.batch_alter_table('network_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_members_network_id'), ['network_id'], unique=False)

    op.create_table('network_repeat_victims',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('suspects', sa.Integer(), nullable=False),
    sa.Column('recent_events', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_network_repeat_victims_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_network_repeat_victims'))
    )
    op.create_table('network_rtk_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suspect_id', sa.Integer(), nullable=False),
    sa.Column('new_partner_id', sa.Integer(), nullable=False),
    sa.Column('latest_event_id', sa.Integer(), nullable=True),
    sa.Column('partner_since', sa.Date(), nullable=False),
    sa.Column('known_from', sa.Text(), nullable=False),
    sa.Column('last_seen_on', sa.Date(), nullable=False),
    sa.Column('events_against', sa.Integer(), nullable=False),
    sa.Column('latest_on', sa.Date(), nullable=True),
    sa.Column('relationship', sa.Text(), nullable=True),
    sa.Column('new_partner_first_on', sa.Date(), nullable=True),
    sa.Column('earlier_victim_ids', sa.JSON(), nullable=False),
    sa.Column('earlier_events', sa.Integer(), nullable=False),
    sa.Column('earlier_harm_days', sa.Integer(), nullable=False),
    sa.Column('earlier', sa.JSON(), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['new_partner_id'], ['persons.id'], name=op.f('fk_network_rtk_candidates_new_partner_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['suspect_id'], ['persons.id'], name=op.f('fk_network_rtk_candidates_suspect_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_rtk_candidates'))
    )
    with op.batch_alter_table('network_rtk_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_network_rtk_candidates_last_seen_on'), ['last_seen_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_rtk_candidates_new_partner_id'), ['new_partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_network_rtk_candidates_suspect_id'), ['suspect_id'], unique=False)

    op.create_table('network_serial_perpetrators',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('victims', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_network_serial_perpetrators_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_network_serial_perpetrators'))
    )


def downgrade():
    op.drop_table('network_serial_perpetrators')
    with op.batch_alter_table('network_rtk_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_rtk_candidates_suspect_id'))
        batch_op.drop_index(batch_op.f('ix_network_rtk_candidates_new_partner_id'))
        batch_op.drop_index(batch_op.f('ix_network_rtk_candidates_last_seen_on'))

    op.drop_table('network_rtk_candidates')
    op.drop_table('network_repeat_victims')
    with op.batch_alter_table('network_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_members_network_id'))

    op.drop_table('network_members')
    with op.batch_alter_table('network_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_runs_status'))

    op.drop_table('network_runs')
    with op.batch_alter_table('network_components', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_components_size'))

    op.drop_table('network_components')
    with op.batch_alter_table('network_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_network_changes_changed_at'))

    op.drop_table('network_changes')
