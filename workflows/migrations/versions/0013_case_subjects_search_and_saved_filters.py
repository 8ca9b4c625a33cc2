"""case subjects, search terms, inbox sort keys, saved filters, absences and drafts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 15:45:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('school_end_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_school_end_on'), ['school_end_on'], unique=False)

    op.create_table('case_search_terms',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_search_terms_case_id_cases')),
    sa.PrimaryKeyConstraint('case_id', 'term', name=op.f('pk_case_search_terms'))
    )
    op.create_index('ix_case_search_terms_term', 'case_search_terms', ['term', 'case_id'], unique=False)

    with op.batch_alter_table('human_task_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', workflows.store.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('case_number', sa.String(length=40), nullable=True))
    # the copies are filled for the rows already there, so old tasks sort like new ones
    op.execute("UPDATE human_task_groups SET created_at = (SELECT created_at FROM human_tasks "
               "WHERE human_tasks.id = human_task_groups.task_id), case_number = (SELECT cases.case_number "
               "FROM human_tasks JOIN cases ON cases.id = human_tasks.case_id "
               "WHERE human_tasks.id = human_task_groups.task_id)")
    op.create_index('ix_human_task_groups_inbox_since', 'human_task_groups',
                    ['org_unit_id', 'is_open', 'created_at', 'task_id'], unique=False)
    op.create_index('ix_human_task_groups_inbox_case', 'human_task_groups',
                    ['org_unit_id', 'is_open', 'case_number', 'task_id'], unique=False)

    op.create_table('saved_filters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_filters_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_saved_filters_user_id_name'))
    )
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_filters_user_id'), ['user_id'], unique=False)

    op.create_table('absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_absences_period')),
    sa.ForeignKeyConstraint(['deputy_id'], ['users.id'], name=op.f('fk_absences_deputy_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_absences_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absences'))
    )
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absences_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absences_user_id'), ['user_id'], unique=False)

    op.create_table('task_drafts',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('saved_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], name=op.f('fk_task_drafts_task_id_human_tasks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('task_id', 'user_id', name=op.f('pk_task_drafts'))
    )


def downgrade() -> None:
    op.drop_table('task_drafts')
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absences_user_id'))
        batch_op.drop_index(batch_op.f('ix_absences_deputy_id'))
    op.drop_table('absences')
    with op.batch_alter_table('saved_filters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filters_user_id'))
    op.drop_table('saved_filters')
    op.drop_index('ix_human_task_groups_inbox_case', table_name='human_task_groups')
    op.drop_index('ix_human_task_groups_inbox_since', table_name='human_task_groups')
    with op.batch_alter_table('human_task_groups', schema=None) as batch_op:
        batch_op.drop_column('case_number')
        batch_op.drop_column('created_at')
    op.drop_index('ix_case_search_terms_term', table_name='case_search_terms')
    op.drop_table('case_search_terms')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_school_end_on'))
        batch_op.drop_column('school_end_on')
        batch_op.drop_column('subject')
