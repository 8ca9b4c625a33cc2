"""the case history is history_events: 'audit' names only the audit log

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:20:00
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_CONSTRAINTS = ("pk_{t}", "fk_{t}_actor_id_users", "fk_{t}_case_id_cases")


def upgrade() -> None:
    _rename("audit_events", "history_events")


def downgrade() -> None:
    _rename("history_events", "audit_events")


def _rename(old: str, new: str) -> None:
    """A rename, not a copy: the rows stay where they are. SQLite keeps the constraint names
    inside the table's text (nothing refers to them); PostgreSQL renames them too."""
    op.drop_index(f"ix_{old}_at", table_name=old)
    op.drop_index(f"ix_{old}_case_id", table_name=old)
    op.rename_table(old, new)
    op.create_index(f"ix_{new}_at", new, ["at"])
    op.create_index(f"ix_{new}_case_id", new, ["case_id"])
    if op.get_bind().dialect.name == "postgresql":
        for name in _CONSTRAINTS:
            op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT {name.format(t=old)} TO {name.format(t=new)}")
        op.execute(f"ALTER SEQUENCE {old}_id_seq RENAME TO {new}_id_seq")
