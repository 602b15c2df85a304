"""The task queue: outbox states and tries, export attempts and HTML, periodic slots and failed tasks

Revision ID: 0011_task_queue
Revises: 0010_audit_checkpoints
Create Date: 2026-12-07 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_task_queue'
down_revision = '0010_audit_checkpoints'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('task_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('slot', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_runs')),
    sa.UniqueConstraint('name', 'slot', name=op.f('uq_task_runs_name_slot'))
    )
    op.create_index(op.f('ix_task_runs_started_at'), 'task_runs', ['started_at'], unique=False)
    op.create_table('task_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('arguments', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_failures'))
    )
    op.create_index(op.f('ix_task_failures_name'), 'task_failures', ['name'], unique=False)
    op.create_index(op.f('ix_task_failures_failed_at'), 'task_failures', ['failed_at'], unique=False)
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('status', sa.String(length=8), nullable=False, server_default='queued'))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('handed_over_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('next_try_at', sa.DateTime(), nullable=True))
        batch.create_index(batch.f('ix_outbox_messages_status'), ['status'], unique=False)
        batch.create_check_constraint(op.f('ck_outbox_messages_status_known'),
                                      "status IN ('queued', 'sending', 'sent', 'failed', 'logged')")
    # What the rows already say: sent by SMTP, written to the log, failed, or (neither) still waiting.
    op.execute("UPDATE outbox_messages SET status = 'sent' WHERE transport = 'smtp' AND sent_at IS NOT NULL")
    op.execute("UPDATE outbox_messages SET status = 'logged' WHERE transport = 'log'")
    op.execute("UPDATE outbox_messages SET status = 'failed' WHERE sent_at IS NULL AND error IS NOT NULL")
    with op.batch_alter_table('exports') as batch:
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('html', sa.Text(), nullable=True))
    # The defaults served the rows already there; new rows get theirs from the models, as everywhere.
    with op.batch_alter_table('exports') as batch:
        batch.alter_column('attempts', server_default=None)
    with op.batch_alter_table('outbox_messages') as batch:
        batch.alter_column('status', server_default=None)
        batch.alter_column('attempts', server_default=None)


def downgrade():
    with op.batch_alter_table('exports') as batch:
        batch.drop_column('html')
        batch.drop_column('attempts')
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_constraint(op.f('ck_outbox_messages_status_known'), type_='check')
        batch.drop_index(batch.f('ix_outbox_messages_status'))
        batch.drop_column('next_try_at')
        batch.drop_column('handed_over_at')
        batch.drop_column('claimed_at')
        batch.drop_column('attempts')
        batch.drop_column('status')
    op.drop_index(op.f('ix_task_failures_failed_at'), table_name='task_failures')
    op.drop_index(op.f('ix_task_failures_name'), table_name='task_failures')
    op.drop_table('task_failures')
    op.drop_index(op.f('ix_task_runs_started_at'), table_name='task_runs')
    op.drop_table('task_runs')
