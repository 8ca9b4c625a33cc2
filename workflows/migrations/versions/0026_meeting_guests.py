"""ad-hoc participants of a meeting (org units of either partner, contacts), besides the body's own

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 12:30:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0026'
# the brief names 0022; this branch already holds 0023 (case follow-ups), and two heads would
# leave the schema unmigrated: chained to 0023 here, the lead re-chains at merge
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting_guests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.String(length=64), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_guests_case_id_cases')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_meeting_guests_contact_id_contacts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_meeting_guests_invited_by_id_users')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_meeting_guests_org_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_guests'))
    )
    with op.batch_alter_table('meeting_guests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_guests_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meeting_guests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_guests_case_id'))
    op.drop_table('meeting_guests')
