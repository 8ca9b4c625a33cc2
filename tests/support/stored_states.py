"""Reading a case's stored state as SpiffWorkflow alone would: its own serializer, the stored
bytes with the spec of the case's version, and what a step of the case carries."""
from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from tests.support.flows import open_task
from workflows.cases.instances import load_workflow
from workflows.engine import runtime
from workflows.store.cases import Case
from workflows.store.definitions import stored_spec
from workflows.store.tasks import HumanTask

SPIFFWORKFLOW = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def stored(kf, case_id: int) -> tuple[bytes, str | None]:
    """The case's stored state and the spec of its version."""
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        return case.state, stored_spec(session, case.definition_id)


def received_question(kf, case_id: int) -> dict:
    """The question the answer task of this case carries."""
    task_id = open_task(kf, case_id, "answer_question")
    with kf.db.transaction() as session:
        workflow = load_workflow(session, session.get(Case, case_id), kf.clock)
        return runtime.task_data(workflow, session.get(HumanTask, task_id).spiff_task_id)["received_question"]
