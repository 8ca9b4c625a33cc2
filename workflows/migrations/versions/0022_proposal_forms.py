"""process change proposals carry the forms they change (file name -> JSON Schema or UI schema)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_proposals', schema=None) as batch_op:
        # proposals made before this migration changed the diagram only: no forms of their own
        batch_op.add_column(sa.Column('forms', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('process_proposals', schema=None) as batch_op:
        batch_op.drop_column('forms')
