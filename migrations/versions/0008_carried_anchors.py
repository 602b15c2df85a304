"""Comments keep where their quoted words stand in the section's latest revision (carried at each save)

Revision ID: 0008_carried_anchors
Revises: 0007_comment_indexes
Create Date: 2026-11-23 13:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_carried_anchors'
down_revision = '0007_comment_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('located_revision', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('located_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('located_end', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('located_state', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('located_state')
        batch_op.drop_column('located_end')
        batch_op.drop_column('located_start')
        batch_op.drop_column('located_revision')
