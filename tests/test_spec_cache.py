"""A case stores only its instance; its version's spec is stored once and joined on load. Joined,
a stored state is byte for byte what SpiffWorkflow itself reads and writes."""
from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import func, select, text

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import PREPARE_JSON, question
from tests.support.stored_states import SPIFFWORKFLOW, received_question, stored
from workflows.cases.instances import load_workflow, version_spec
from workflows.cases.starting import start_case
from workflows.engine import runtime
from workflows.schema import alembic_config, upgrade
from workflows.store.cases import Case
from workflows.store.definitions import DefinitionSpec, ProcessDefinition, stored_spec
from workflows.tasks import complete_task


def assert_spiffworkflow_reads_what_we_store(kf, case_id: int) -> None:
    state, spec = stored(kf, case_id)
    assert "spec" not in json.loads(runtime.readable(state))  # the case holds its instance only
    full = runtime.joined_state(state, spec)
    theirs = SPIFFWORKFLOW.deserialize_json(full.decode("utf-8"))
    assert SPIFFWORKFLOW.serialize_json(theirs).encode("utf-8") == full
    with kf.db.transaction() as session:
        ours = load_workflow(session, session.get(Case, case_id), kf.clock)
    assert runtime.dump(ours) == full
    assert runtime.dump_instance(ours) == runtime.readable(state)
    assert runtime.to_store(ours, spec) == state
    assert [t.task_spec.name for t in ours.get_tasks()] == [t.task_spec.name for t in theirs.get_tasks()]


def test_a_stored_state_joined_with_its_spec_is_byte_for_byte_what_spiffworkflow_reads_and_writes(kf):
    started = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")
    assert_spiffworkflow_reads_what_we_store(kf, started.case_id)
    # the offer starts the other partner's pool by a message: SpiffWorkflow connects it in the spec
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, started.case_id, "prepare_handover"),
                  PREPARE_JSON)
    assert_spiffworkflow_reads_what_we_store(kf, started.case_id)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, started.case_id, "review_handover"),
                  question("Liegt das Gutachten vor?"))
    assert_spiffworkflow_reads_what_we_store(kf, started.case_id)


def test_the_spec_is_stored_once_per_version_however_many_cases_run_on_it(kf):
    cases = [offered_handover(kf) for _ in range(3)]
    with kf.db.transaction() as session:
        definitions = {session.get(Case, case_id).definition_id for case_id in cases}
        assert session.scalar(select(func.count()).select_from(DefinitionSpec)
                              .where(DefinitionSpec.definition_id.in_(definitions))) == 1
        spec_size = len(session.get(DefinitionSpec, definitions.pop()).spec)
    assert all(len(stored(kf, case_id)[0]) < spec_size for case_id in cases)


def test_a_spec_stored_by_a_command_that_rolled_back_is_stored_by_the_next_one(kf):
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:  # a version no case has been stored on yet
        old = session.get(ProcessDefinition, session.get(Case, case_id).definition_id)
        copy = ProcessDefinition(**{c.key: getattr(old, c.key) for c in ProcessDefinition.__table__.columns
                                    if c.key != "id"} | {"content_hash": "unstored", "is_current": False,
                                                        "number": (old.number or 0) + 100})
        session.add(copy)
        session.flush()
        version = copy.id
    with pytest.raises(RuntimeError), kf.db.transaction() as session:
        version_spec(session, session.get(ProcessDefinition, version))  # the first case of it …
        raise RuntimeError("… fails after its spec was written")
    with kf.db.transaction() as session:
        assert stored_spec(session, version) is None  # not remembered as stored
        spec = version_spec(session, session.get(ProcessDefinition, version))
    with kf.db.transaction() as session:
        assert session.get(DefinitionSpec, version).spec == spec
        assert stored_spec(session, version) == spec


def test_two_cases_of_one_diagram_share_the_spec_and_move_on_independently(kf):
    first, second = offered_handover(kf), offered_handover(kf)
    with kf.db.transaction() as session:
        one, two = (load_workflow(session, session.get(Case, case_id), kf.clock) for case_id in (first, second))
    assert one.spec is two.spec

    lwv = actor(kf, "lwv.fachdienst")
    complete_task(kf.db, kf.clock, lwv, open_task(kf, first, "review_handover"), question("Liegt das Gutachten vor?"))
    assert open_task(kf, first, "answer_question")
    assert open_task(kf, second, "review_handover")  # the other case still waits for its review
    complete_task(kf.db, kf.clock, lwv, open_task(kf, second, "review_handover"), question("Welche Werkstatt?"))
    assert [received_question(kf, case_id) for case_id in (first, second)] == [
        {"question": "Liegt das Gutachten vor?"}, {"question": "Welche Werkstatt?"}]


def test_a_state_stored_with_its_spec_before_the_migration_is_still_read_and_then_stored_without(kf):
    case_id = offered_handover(kf)
    state, spec = stored(kf, case_id)
    with kf.db.transaction() as session:
        session.get(Case, case_id).state = runtime.joined_state(state, spec)  # as SpiffWorkflow wrote it
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Welche Werkstatt?"))
    assert received_question(kf, case_id) == {"question": "Welche Werkstatt?"}
    assert_spiffworkflow_reads_what_we_store(kf, case_id)


def test_the_migration_puts_the_spec_back_into_every_state_on_downgrade_and_takes_it_out_on_upgrade(kf):
    case_id = offered_handover(kf)
    state, spec = stored(kf, case_id)
    kf.db.dispose()
    with kf.db.engine.connect() as connection, connection.begin():
        config = alembic_config(kf.db.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0022")
        full = connection.execute(text("SELECT state FROM cases WHERE id = :id"), {"id": case_id}).scalar()
    assert full == runtime.joined_state(state, spec)
    SPIFFWORKFLOW.deserialize_json(full.decode("utf-8"))  # what SpiffWorkflow alone reads
    upgrade(kf.db)
    assert stored(kf, case_id) == (state, spec)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Welche Werkstatt?"))
    assert received_question(kf, case_id) == {"question": "Welche Werkstatt?"}
