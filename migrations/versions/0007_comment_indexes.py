"""Partial indexes for open and resolved thread roots (the document page reads open threads only)

Revision ID: 0007_comment_indexes
Revises: 0006_exports
Create Date: 2026-11-23 14:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_comment_indexes'
down_revision = '0006_exports'
branch_labels = None
depends_on = None

OPEN_ROOT = 'parent_id IS NULL AND resolved_at IS NULL'
RESOLVED_ROOT = 'parent_id IS NULL AND resolved_at IS NOT NULL'


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_open_roots', ['section_id', 'parent_id', 'resolved_at'], unique=False,
                              sqlite_where=sa.text(OPEN_ROOT), postgresql_where=sa.text(OPEN_ROOT))
        batch_op.create_index('ix_comments_resolved_roots', ['section_id'], unique=False,
                              sqlite_where=sa.text(RESOLVED_ROOT), postgresql_where=sa.text(RESOLVED_ROOT))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_resolved_roots')
        batch_op.drop_index('ix_comments_open_roots')
