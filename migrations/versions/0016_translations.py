"""Translations: a document may translate another; each of its sections follows a revision of the original's

Revision ID: 0016_translations
Revises: 0015_languages
Create Date: 2026-12-07 21:00:00

Both links cascade: documents and sections are only ever deleted with their group or document, and a
translation left without its original would pass for an authoritative text.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_translations'
down_revision = '0015_languages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents') as batch_op:
        batch_op.add_column(sa.Column('translation_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_documents_translation_of_id_documents', 'documents',
                                    ['translation_of_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_documents_translation_of_id', ['translation_of_id'])
        batch_op.create_unique_constraint('uq_documents_translation_language', ['translation_of_id', 'language'])
    with op.batch_alter_table('sections') as batch_op:
        batch_op.add_column(sa.Column('original_section_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('translates_revision', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_sections_original_section_id_sections', 'sections',
                                    ['original_section_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_sections_original_section_id', ['original_section_id'])


def downgrade():
    with op.batch_alter_table('sections') as batch_op:
        batch_op.drop_index('ix_sections_original_section_id')
        batch_op.drop_constraint('fk_sections_original_section_id_sections', type_='foreignkey')
        batch_op.drop_column('translates_revision')
        batch_op.drop_column('original_section_id')
    with op.batch_alter_table('documents') as batch_op:
        batch_op.drop_constraint('uq_documents_translation_language', type_='unique')
        batch_op.drop_index('ix_documents_translation_of_id')
        batch_op.drop_constraint('fk_documents_translation_of_id_documents', type_='foreignkey')
        batch_op.drop_column('translation_of_id')
