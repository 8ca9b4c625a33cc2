"""the school-leaver cohort: every person of a delivered § 8 b list, tracked to the takeover

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 12:00:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # lists delivered before this migration are not tracked: their handovers run as before
    op.create_table(
        'cohort_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.String(length=64), nullable=False),
        sa.Column('list_case_id', sa.Integer(), nullable=False),
        sa.Column('list_year', sa.Integer(), nullable=False),
        sa.Column('row_index', sa.Integer(), nullable=False),
        sa.Column('listed_on', sa.Date(), nullable=False),
        sa.Column('person_key', sa.String(length=64), nullable=False),
        sa.Column('expected_school_end', sa.Date(), nullable=False),
        sa.Column('education', sa.String(length=20), nullable=False),
        sa.Column('handover_case_id', sa.Integer(), nullable=True),
        sa.Column('takeover_confirmed_on', sa.Date(), nullable=True),
        sa.Column('earlier_entry_id', sa.Integer(), nullable=True),
        sa.Column('relisted', sa.Boolean(), nullable=False),
        sa.Column('next_chase_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id']),
        sa.ForeignKeyConstraint(['list_case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['handover_case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['earlier_entry_id'], ['cohort_entries.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('list_case_id', 'row_index'),
    )
    op.create_index('ix_cohort_entries_person', 'cohort_entries', ['agreement_id', 'person_key'])
    op.create_index('ix_cohort_entries_year', 'cohort_entries', ['agreement_id', 'list_year'])
    op.create_index('ix_cohort_entries_handover_case_id', 'cohort_entries', ['handover_case_id'])
    op.create_index('ix_cohort_entries_next_chase_on', 'cohort_entries', ['next_chase_on'])
    op.create_table(
        'cohort_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('milestone', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('sent_at', workflows.store.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['cohort_entries.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('entry_id', 'milestone', 'kind'),
    )
    op.create_index('ix_cohort_notices_entry_id', 'cohort_notices', ['entry_id'])


def downgrade() -> None:
    op.drop_index('ix_cohort_notices_entry_id', table_name='cohort_notices')
    op.drop_table('cohort_notices')
    op.drop_index('ix_cohort_entries_next_chase_on', table_name='cohort_entries')
    op.drop_index('ix_cohort_entries_handover_case_id', table_name='cohort_entries')
    op.drop_index('ix_cohort_entries_year', table_name='cohort_entries')
    op.drop_index('ix_cohort_entries_person', table_name='cohort_entries')
    op.drop_table('cohort_entries')
