"""incidents (Störungen), the worker's last round per process, suspended cases

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 15:40:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('element', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('first_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.Column('last_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.Column('exception_class', sa.String(length=200), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', workflows.store.db.UtcDateTime(), nullable=True),
    sa.Column('gave_up', sa.Boolean(), nullable=False),
    sa.Column('resolved_at', workflows.store.db.UtcDateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_incidents_case_id_cases')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_incidents_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_subject'), ['subject'], unique=False)

    op.create_table('worker_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=False),
    sa.Column('finished_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.Column('duration_seconds', sa.Float(), nullable=False),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('timers_fired', sa.Integer(), nullable=False),
    sa.Column('mails_sent', sa.Integer(), nullable=False),
    sa.Column('mails_failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_rounds')),
    sa.UniqueConstraint('worker', name=op.f('uq_worker_rounds_worker'))
    )
    with op.batch_alter_table('worker_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_rounds_finished_at'), ['finished_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', workflows.store.db.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('suspended_at')
    with op.batch_alter_table('worker_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_rounds_finished_at'))
    op.drop_table('worker_rounds')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_subject'))
        batch_op.drop_index(batch_op.f('ix_incidents_status'))
        batch_op.drop_index(batch_op.f('ix_incidents_case_id'))
    op.drop_table('incidents')
