"""case start token and school end: the start form's one-time token, so a second submit finds
the case; when to warn about the school end of a handover not yet taken over (the date itself is 0013's school_end_on), when warned

Revision ID: 0012
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cases_start_token'), ['start_token'])
        batch_op.add_column(sa.Column('school_end_warn_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('school_end_warned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_school_end_warn_on'), ['school_end_warn_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_school_end_warn_on'))
        batch_op.drop_column('school_end_warned_at')
        batch_op.drop_column('school_end_warn_on')
        batch_op.drop_constraint(batch_op.f('uq_cases_start_token'), type_='unique')
        batch_op.drop_column('start_token')
