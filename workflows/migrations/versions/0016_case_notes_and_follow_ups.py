"""internal case notes per agency and personal follow-ups (Wiedervorlagen) on tasks

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-02 17:15:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0016'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.String(length=64), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_case_notes_agency_id_agencies')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_notes_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    op.create_index('ix_case_notes_case_agency', 'case_notes', ['case_id', 'agency_id'], unique=False)

    op.create_table('task_follow_ups',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], name=op.f('fk_task_follow_ups_task_id_human_tasks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_follow_ups_user_id_users')),
    sa.PrimaryKeyConstraint('task_id', 'user_id', name=op.f('pk_task_follow_ups'))
    )
    with op.batch_alter_table('task_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_follow_ups_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_follow_ups_user_id'))
    op.drop_table('task_follow_ups')
    op.drop_index('ix_case_notes_case_agency', table_name='case_notes')
    op.drop_table('case_notes')
