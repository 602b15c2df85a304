"""Signing: a version's reminder days, who was asked, delegations, who decided, job titles

Revision ID: 0018_signing_schedule
Revises: 0017_organisation_contacts
Create Date: 2026-12-08 00:00:00

The new columns of existing tables are empty or NULL for existing rows: endorsements made before were
neither delegated nor told who decided, and people have no job title until they give one.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_signing_schedule'
down_revision = '0017_organisation_contacts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('endorsement_schedules',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('reminder_days', sa.String(length=40), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_endorsement_schedules_set_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_endorsement_schedules_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_endorsement_schedules'))
    )
    op.create_table('organisations_asked',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisations_asked_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_organisations_asked_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', 'organisation_id', name=op.f('pk_organisations_asked'))
    )
    op.create_table('endorsement_delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('delegated_by_id', sa.Integer(), nullable=True),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('mandate', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name=op.f('fk_endorsement_delegations_delegate_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegated_by_id'], ['users.id'], name=op.f('fk_endorsement_delegations_delegated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_endorsement_delegations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_endorsement_delegations_revoked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_endorsement_delegations_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsement_delegations'))
    )
    with op.batch_alter_table('endorsement_delegations') as batch_op:
        batch_op.create_index('ix_endorsement_delegations_version_id', ['version_id'])
        batch_op.create_index('uq_endorsement_delegations_active', ['version_id', 'organisation_id', 'delegate_id'],
                              unique=True, sqlite_where=sa.text('revoked_at IS NULL'),
                              postgresql_where=sa.text('revoked_at IS NULL'))
    with op.batch_alter_table('endorsements') as batch_op:
        batch_op.add_column(sa.Column('delegated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mandate', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decided_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key('fk_endorsements_delegated_by_id_users', 'users', ['delegated_by_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('job_title', sa.String(length=200), nullable=False, server_default=''))
    # The empty default filled the existing rows; new rows get theirs from the application, as elsewhere.
    with op.batch_alter_table('endorsements') as batch_op:
        batch_op.alter_column('mandate', server_default=None)
        batch_op.alter_column('decided_by', server_default=None)
    with op.batch_alter_table('users') as batch_op:
        batch_op.alter_column('job_title', server_default=None)


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('job_title')
    with op.batch_alter_table('endorsements') as batch_op:
        batch_op.drop_constraint('fk_endorsements_delegated_by_id_users', type_='foreignkey')
        batch_op.drop_column('decided_on')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('mandate')
        batch_op.drop_column('delegated_by_id')
    op.drop_table('endorsement_delegations')
    op.drop_table('organisations_asked')
    op.drop_table('endorsement_schedules')
