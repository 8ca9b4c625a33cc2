"""Running an instance: start, find the human tasks, complete one, store and load state."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from workflows.engine.parsing import build_spec

_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


@dataclass(frozen=True)
class ReadyTask:
    spiff_id: str
    bpmn_id: str
    name: str


def start(xml: bytes, filename: str, process_key: str, data: dict | None = None) -> BpmnWorkflow:
    spec, subprocess_specs = build_spec(xml, filename, process_key)
    workflow = BpmnWorkflow(spec, subprocess_specs)
    if data:
        workflow.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
    settle(workflow)
    return workflow


def settle(workflow: BpmnWorkflow) -> None:
    """Run engine steps until only people or timers can move the instance on.

    Messages between pools are delivered synchronously within ``do_engine_steps``.
    """
    workflow.do_engine_steps()


def ready_human_tasks(workflow: BpmnWorkflow) -> list[ReadyTask]:
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    return [ReadyTask(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id) for t in tasks]


def complete(workflow: BpmnWorkflow, spiff_id: str, data: dict) -> None:
    task = workflow.get_task_from_id(UUID(spiff_id))
    if task is None or task.state != TaskState.READY:
        raise LookupError(spiff_id)
    task.data.update(data)
    task.run()
    settle(workflow)


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def dump(workflow: BpmnWorkflow) -> bytes:
    return _SERIALIZER.serialize_json(workflow).encode("utf-8")


def load(state: bytes) -> BpmnWorkflow:
    return _SERIALIZER.deserialize_json(state.decode("utf-8"))
