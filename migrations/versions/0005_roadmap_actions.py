"""Roadmaps: actions with owners and timeframes, their copies in versions, follow-up entries

Revision ID: 0005_roadmap_actions
Revises: 0004_comments
Create Date: 2026-11-23 13:06:52.105936

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_roadmap_actions'
down_revision = '0004_comments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roadmap_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lead_user_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('start_precision', sa.String(length=8), server_default='day', nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_precision', sa.String(length=8), server_default='day', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='planned', nullable=False),
    sa.Column('revision', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("due_precision IN ('day', 'quarter')", name=op.f('ck_roadmap_actions_due_precision_known')),
    sa.CheckConstraint("start_precision IN ('day', 'quarter')", name=op.f('ck_roadmap_actions_start_precision_known')),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'at_risk', 'dropped')", name=op.f('ck_roadmap_actions_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_roadmap_actions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_roadmap_actions_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lead_user_id'], ['users.id'], name=op.f('fk_roadmap_actions_lead_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_roadmap_actions_section_id_sections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap_actions'))
    )
    with op.batch_alter_table('roadmap_actions', schema=None) as batch_op:
        batch_op.create_index('ix_roadmap_actions_document_position', ['document_id', 'position'], unique=False)

    op.create_table('action_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('previous_status', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IS NULL OR status IN ('planned', 'in_progress', 'done', 'at_risk', 'dropped')", name=op.f('ck_action_updates_status_known')),
    sa.ForeignKeyConstraint(['action_id'], ['roadmap_actions.id'], name=op.f('fk_action_updates_action_id_roadmap_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_action_updates_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_action_updates_version_id_versions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_updates'))
    )
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_updates_action_id'), ['action_id'], unique=False)

    op.create_table('roadmap_action_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['roadmap_actions.id'], name=op.f('fk_roadmap_action_owners_action_id_roadmap_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_roadmap_action_owners_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap_action_owners')),
    sa.UniqueConstraint('action_id', 'organisation_id', name=op.f('uq_roadmap_action_owners_action_id_organisation_id'))
    )
    with op.batch_alter_table('roadmap_action_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadmap_action_owners_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roadmap_action_owners_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('version_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['roadmap_actions.id'], name=op.f('fk_version_actions_action_id_roadmap_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['versions.id'], name=op.f('fk_version_actions_version_id_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_actions')),
    sa.UniqueConstraint('version_id', 'action_id', name=op.f('uq_version_actions_version_id_action_id'))
    )
    with op.batch_alter_table('version_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_actions_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('version_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_actions_version_id'))

    op.drop_table('version_actions')
    with op.batch_alter_table('roadmap_action_owners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadmap_action_owners_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_roadmap_action_owners_action_id'))

    op.drop_table('roadmap_action_owners')
    with op.batch_alter_table('action_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_updates_action_id'))

    op.drop_table('action_updates')
    with op.batch_alter_table('roadmap_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_roadmap_actions_document_position')

    op.drop_table('roadmap_actions')
