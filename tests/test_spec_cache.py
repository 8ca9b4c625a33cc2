"""Stored instances stay exactly what SpiffWorkflow writes, though their specs are shared."""
from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import question
from workflows.cases.instances import load_workflow
from workflows.engine import runtime
from workflows.store.cases import Case
from workflows.store.tasks import HumanTask
from workflows.tasks import complete_task

SPIFFWORKFLOW = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def test_a_case_state_is_byte_for_byte_what_spiffworkflow_itself_reads_and_writes(kf):
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        state = session.get(Case, case_id).state
        ours = load_workflow(session, session.get(Case, case_id), kf.clock)
    theirs = SPIFFWORKFLOW.deserialize_json(state.decode("utf-8"))
    assert runtime.dump(ours) == SPIFFWORKFLOW.serialize_json(theirs).encode("utf-8") == state


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


def received_question(kf, case_id: int) -> dict:
    """The question the answer task of this case carries."""
    task_id = open_task(kf, case_id, "answer_question")
    with kf.db.transaction() as session:
        workflow = load_workflow(session, session.get(Case, case_id), kf.clock)
        return runtime.task_data(workflow, session.get(HumanTask, task_id).spiff_task_id)["received_question"]
