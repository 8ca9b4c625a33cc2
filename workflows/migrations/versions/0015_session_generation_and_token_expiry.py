"""sessions end server-side (users.session_generation); API tokens expire and show last use;
review comments are kept per agreement

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:00:00
"""
import sqlalchemy as sa
from alembic import op

from workflows.store.db import UtcDateTime

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("last_used_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("review_comments") as batch:
        batch.add_column(sa.Column("agreement_id", sa.String(100), nullable=True))
    # tokens issued before expiry existed keep expires_at NULL: they expire a year after
    # created_at (workflows/people/sessions.py)


def downgrade() -> None:
    with op.batch_alter_table("review_comments") as batch:
        batch.drop_column("agreement_id")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
