"""the SpiffWorkflow spec is stored once per process version, not in every case's state

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 12:00:00

Each version's spec is built from its diagram (as new cases get it) and stored in
``definition_specs``; a case's state loses its copy of the spec where every step and
subprocess it knows of is in its version's spec (else it keeps it and is read as before).
The downgrade joins the spec back into every state and drops the table.

Mails already sent lose their text (as every mail does once sent, ``workflows.mail.sending``);
the downgrade cannot bring it back.
"""
import json

import sqlalchemy as sa
from alembic import op

from workflows.engine import runtime, spec_cache
from workflows.errors import DefinitionError

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

DEFINITIONS = sa.table('process_definitions', sa.column('id', sa.Integer), sa.column('process_key', sa.String),
                       sa.column('filename', sa.String), sa.column('bpmn_xml', sa.Text))
MAILS = sa.table('outbox_mails', sa.column('status', sa.String), sa.column('text_body', sa.Text),
                 sa.column('html_body', sa.Text), sa.column('calendar_attachment', sa.Text))
CASES = sa.table('cases', sa.column('id', sa.Integer), sa.column('definition_id', sa.Integer),
                 sa.column('state', sa.LargeBinary))


def upgrade() -> None:
    specs_table = op.create_table(
        'definition_specs',
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('spec', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'],
                                name=op.f('fk_definition_specs_definition_id_process_definitions')),
        sa.PrimaryKeyConstraint('definition_id', name=op.f('pk_definition_specs')),
    )
    connection = op.get_bind()
    specs = {}
    for row in connection.execute(sa.select(DEFINITIONS)).all():
        try:
            text = runtime.definition_spec(row.bpmn_xml.encode(), row.filename, row.process_key)
        except DefinitionError:
            continue  # its cases keep their own spec
        connection.execute(specs_table.insert().values(definition_id=row.id, spec=text))
        specs[row.id] = json.loads(text)
    for case_id, definition_id in connection.execute(sa.select(CASES.c.id, CASES.c.definition_id)).all():
        state = connection.scalar(sa.select(CASES.c.state).where(CASES.c.id == case_id))
        full = _parsed(state)
        if full is None or "spec" not in full or definition_id not in specs:
            continue
        instance, own = spec_cache.split(full)
        if spec_cache.fits_dicts(own, specs[definition_id]):
            connection.execute(CASES.update().where(CASES.c.id == case_id)
                               .values(state=json.dumps(instance).encode("utf-8")))
    connection.execute(MAILS.update().where(MAILS.c.status == 'sent')
                       .values(text_body='', html_body='', calendar_attachment=None))


def downgrade() -> None:
    connection = op.get_bind()
    specs_table = sa.table('definition_specs', sa.column('definition_id', sa.Integer), sa.column('spec', sa.Text))
    specs = {row.definition_id: row.spec for row in connection.execute(sa.select(specs_table)).all()}
    xml = {row.id: row for row in connection.execute(sa.select(DEFINITIONS)).all()}
    for case_id, definition_id in connection.execute(sa.select(CASES.c.id, CASES.c.definition_id)).all():
        state = connection.scalar(sa.select(CASES.c.state).where(CASES.c.id == case_id))
        instance = _parsed(state)
        if instance is None or "spec" in instance:
            continue
        if definition_id not in specs:  # no case of it stored since the upgrade, none migrated
            row = xml[definition_id]
            specs[definition_id] = runtime.definition_spec(row.bpmn_xml.encode(), row.filename, row.process_key)
        full = spec_cache.joined(instance, json.loads(specs[definition_id]))
        connection.execute(CASES.update().where(CASES.c.id == case_id).values(state=json.dumps(full).encode("utf-8")))
    op.drop_table('definition_specs')


def _parsed(state: bytes | None) -> dict | None:
    """The state as a dict; None for a case without one (e.g. erased after its retention period)."""
    if not state:
        return None
    try:
        return json.loads(state)
    except ValueError:
        return None
