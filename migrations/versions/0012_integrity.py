"""Integrity checks: their runs (with the cursor a run carries on from) and the problems they found

Revision ID: 0012_integrity
Revises: 0011_task_queue
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_integrity'
down_revision = '0011_task_queue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integrity_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pass_number', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('running', sa.Boolean(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('after_id', sa.Integer(), nullable=False),
    sa.Column('sections_checked', sa.Integer(), nullable=False),
    sa.Column('versions_checked', sa.Integer(), nullable=False),
    sa.Column('groups_checked', sa.Integer(), nullable=False),
    sa.Column('new_problems', sa.Integer(), nullable=False),
    sa.CheckConstraint("phase IN ('sections', 'versions', 'groups', 'done')",
                       name=op.f('ck_integrity_runs_phase_known')),
    sa.CheckConstraint("outcome IN ('running', 'stopped', 'finished', 'abandoned')",
                       name=op.f('ck_integrity_runs_outcome_known')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_integrity_runs_started_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrity_runs')),
    sa.UniqueConstraint('running', name=op.f('uq_integrity_runs_running'))
    )
    op.create_table('integrity_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('object', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['integrity_runs.id'], name=op.f('fk_integrity_problems_run_id_integrity_runs'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrity_problems'))
    )
    with op.batch_alter_table('integrity_problems', schema=None) as batch_op:
        batch_op.create_index('ix_integrity_problems_object_kind', ['object', 'kind'], unique=False)
        batch_op.create_index('ix_integrity_problems_resolved_at', ['resolved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('integrity_problems', schema=None) as batch_op:
        batch_op.drop_index('ix_integrity_problems_resolved_at')
        batch_op.drop_index('ix_integrity_problems_object_kind')
    op.drop_table('integrity_problems')
    op.drop_table('integrity_runs')
