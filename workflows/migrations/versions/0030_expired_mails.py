"""sent mails expire after the agreement's sent_mails_kept_days; their count is kept

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-03 19:20:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0030'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('expired_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expired_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expired_mails')))
    op.create_index('ix_outbox_mails_sent', 'outbox_mails', ['status', 'sent_at'])


def downgrade() -> None:
    op.drop_index('ix_outbox_mails_sent', table_name='outbox_mails')
    op.drop_table('expired_mails')
