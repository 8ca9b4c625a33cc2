"""A case's state is stored compressed; states stored as plain JSON before are still read, and
migration 0027 packs them (its downgrade gives back the JSON SpiffWorkflow wrote)."""
from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import question
from tests.support.stored_states import SPIFFWORKFLOW, received_question, stored
from workflows.engine import runtime
from workflows.schema import alembic_config, upgrade
from workflows.store.cases import Case
from workflows.tasks import complete_task


def test_a_case_stores_its_instance_compressed_in_a_fraction_of_its_json(kf):
    case_id = offered_handover(kf)
    state, spec = stored(kf, case_id)
    instance = runtime.readable(state)
    assert not state.startswith(b"{")  # no longer JSON in the column
    assert len(state) * 3 < len(instance)
    assert "spec" not in json.loads(instance)
    # expanded and joined with its spec it is what SpiffWorkflow's own serializer reads and writes
    full = runtime.joined_state(state, spec)
    assert SPIFFWORKFLOW.serialize_json(SPIFFWORKFLOW.deserialize_json(full.decode("utf-8"))).encode("utf-8") == full


def test_a_state_stored_as_plain_json_is_still_read_and_the_next_command_stores_it_compressed(kf):
    case_id = offered_handover(kf)
    state, _ = stored(kf, case_id)
    with kf.db.transaction() as session:
        session.get(Case, case_id).state = runtime.readable(state)  # as stored before 0027
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Welche Werkstatt?"))
    assert received_question(kf, case_id) == {"question": "Welche Werkstatt?"}
    after, _ = stored(kf, case_id)
    assert not after.startswith(b"{") and json.loads(runtime.readable(after))["root"]


def test_the_migration_expands_every_state_on_downgrade_and_compresses_it_again_on_upgrade(kf):
    case_id = offered_handover(kf)
    state, spec = stored(kf, case_id)
    kf.db.dispose()
    with kf.db.engine.connect() as connection, connection.begin():
        config = alembic_config(kf.db.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0026")
        plain = connection.execute(text("SELECT state FROM cases WHERE id = :id"), {"id": case_id}).scalar()
    assert plain == runtime.readable(state) and json.loads(plain)["root"]
    upgrade(kf.db)
    assert stored(kf, case_id) == (state, spec)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Welche Werkstatt?"))
    assert received_question(kf, case_id) == {"question": "Welche Werkstatt?"}
