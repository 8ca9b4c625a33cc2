"""human tasks: reminder and escalation days planned at creation, and when each was sent

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 07:20:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        # NULL: planned by the worker on its next round (tasks created before this migration)
        batch_op.add_column(sa.Column('chased_by_diagram', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('remind_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('escalate_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', workflows.store.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', workflows.store.db.UtcDateTime(), nullable=True))
        batch_op.create_index('ix_human_tasks_remind', ['state', 'remind_on'], unique=False)
        batch_op.create_index('ix_human_tasks_escalate', ['state', 'escalate_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_escalate')
        batch_op.drop_index('ix_human_tasks_remind')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('escalate_on')
        batch_op.drop_column('remind_on')
        batch_op.drop_column('chased_by_diagram')
