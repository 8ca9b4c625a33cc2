"""a case's state is stored zlib-compressed (docs/decisions/0012)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 15:40:00

Every plain-JSON state is packed as ``workflows.engine.stored_state`` writes new ones; the
downgrade unpacks them into the plain JSON SpiffWorkflow wrote. An empty state (retention) or
one that is neither stays as it is. One row at a time: a state can be large.
"""
import sqlalchemy as sa
from alembic import op

from workflows.engine import stored_state

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

CASES = sa.table('cases', sa.column('id', sa.Integer), sa.column('state', sa.LargeBinary))


def upgrade() -> None:
    _rewrite(lambda state: stored_state.pack(state) if state[:1] == b"{" else None)


def downgrade() -> None:
    _rewrite(lambda state: stored_state.unpack(state) if stored_state.is_packed(state) else None)


def _rewrite(convert) -> None:
    connection = op.get_bind()
    for case_id in connection.scalars(sa.select(CASES.c.id).order_by(CASES.c.id)).all():
        state = connection.scalar(sa.select(CASES.c.state).where(CASES.c.id == case_id))
        new = convert(bytes(state)) if state else None
        if new is not None:
            connection.execute(CASES.update().where(CASES.c.id == case_id).values(state=new))
