"""Sections count the changes to their discussion

Revision ID: 0009_discussion_version
Revises: 0008_carried_anchors
Create Date: 2026-11-23 20:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_discussion_version'
down_revision = '0008_carried_anchors'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discussion_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('sections', schema=None) as batch_op:
        batch_op.drop_column('discussion_version')
