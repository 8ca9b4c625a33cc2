"""personal follow-ups (Wiedervorlagen) on whole cases, beside those on tasks

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 12:00:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_follow_ups',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_follow_ups_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_follow_ups_user_id_users')),
    sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_follow_ups'))
    )
    with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_follow_ups_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_follow_ups_user_id'))
    op.drop_table('case_follow_ups')
