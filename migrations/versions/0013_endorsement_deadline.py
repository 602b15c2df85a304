"""Endorsement deadlines, and the reminders sent before them

Revision ID: 0013_endorsement_deadline
Revises: 0012_integrity
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_endorsement_deadline'
down_revision = '0012_integrity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('endorsement_deadlines',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_endorsement_deadlines_set_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_endorsement_deadlines_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_endorsement_deadlines'))
    )
    op.create_table('endorsement_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('mails', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_endorsement_reminders_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_endorsement_reminders')),
    sa.UniqueConstraint('version_id', 'deadline', 'days_before', name=op.f('uq_endorsement_reminders_version_id_deadline_days_before'))
    )


def downgrade():
    op.drop_table('endorsement_reminders')
    op.drop_table('endorsement_deadlines')
