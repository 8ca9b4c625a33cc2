"""process versions with a number, origin, change note and effective date; process change proposals

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-02 19:05:00
"""
import sqlalchemy as sa
from alembic import op

import workflows.store.db

revision = '0020'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=20), nullable=False, server_default='file'))
        batch_op.add_column(sa.Column('change_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('brought_in_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('effective_from', workflows.store.db.UtcDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_process_definitions_brought_in_by_id_users'), 'users',
                                    ['brought_in_by_id'], ['id'])
    # Fassung 1, 2, … per process in the order the versions were first seen
    definitions = sa.table('process_definitions', sa.column('id', sa.Integer), sa.column('process_key', sa.String),
                           sa.column('first_seen_at', workflows.store.db.UtcDateTime), sa.column('number', sa.Integer))
    connection = op.get_bind()
    rows = connection.execute(sa.select(definitions.c.id, definitions.c.process_key)
                              .order_by(definitions.c.process_key, definitions.c.first_seen_at, definitions.c.id)).all()
    counters: dict[str, int] = {}
    for row_id, key in rows:
        counters[key] = counters.get(key, 0) + 1
        connection.execute(definitions.update().where(definitions.c.id == row_id).values(number=counters[key]))

    op.create_table('process_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('base_definition_id', sa.Integer(), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', workflows.store.db.UtcDateTime(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('consents', sa.JSON(), nullable=False),
    sa.Column('decided_at', workflows.store.db.UtcDateTime(), nullable=True),
    sa.Column('definition_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['base_definition_id'], ['process_definitions.id'],
                            name=op.f('fk_process_proposals_base_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'],
                            name=op.f('fk_process_proposals_definition_id_process_definitions')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_process_proposals_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_proposals'))
    )
    with op.batch_alter_table('process_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_proposals_process_key'), ['process_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('process_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_proposals_process_key'))
    op.drop_table('process_proposals')
    with op.batch_alter_table('process_definitions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_definitions_brought_in_by_id_users'), type_='foreignkey')
        batch_op.drop_column('effective_from')
        batch_op.drop_column('brought_in_by_id')
        batch_op.drop_column('change_note')
        batch_op.drop_column('origin')
        batch_op.drop_column('number')
