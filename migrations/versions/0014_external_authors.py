"""Comments and suggested changes from a Word file keep their Word author's name when not a member

Revision ID: 0014_external_authors
Revises: 0013_endorsement_deadline
Create Date: 2026-12-08 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_external_authors'
down_revision = '0013_endorsement_deadline'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments') as batch_op:
        batch_op.add_column(sa.Column('external_author', sa.String(length=200), nullable=True))
    with op.batch_alter_table('amendments') as batch_op:
        batch_op.add_column(sa.Column('external_author', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('amendments') as batch_op:
        batch_op.drop_column('external_author')
    with op.batch_alter_table('comments') as batch_op:
        batch_op.drop_column('external_author')
