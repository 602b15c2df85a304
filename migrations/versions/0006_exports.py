"""Stored exports: rendered PDFs (sealed finals, drafts, comparisons), one per key

Revision ID: 0006_exports
Revises: 0005_roadmap_actions
Create Date: 2026-11-23 13:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_exports'
down_revision = '0005_roadmap_actions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('endorsement_ids', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('render_seconds', sa.Float(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('sealed', 'draft', 'redline')", name=op.f('ck_exports_kind_known')),
    sa.CheckConstraint("status IN ('rendering', 'ready', 'failed')", name=op.f('ck_exports_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exports_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_exports_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_exports_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_exports_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exports')),
    sa.UniqueConstraint('key', name=op.f('uq_exports_key'))
    )
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exports_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exports_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exports_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_exports_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exports_version_id'))
        batch_op.drop_index(batch_op.f('ix_exports_sha256'))
        batch_op.drop_index(batch_op.f('ix_exports_group_id'))
        batch_op.drop_index(batch_op.f('ix_exports_document_id'))

    op.drop_table('exports')
