"""Running an instance: start, find the human tasks, complete one, fire timers, store, load.

Every call that moves an instance takes the clock (SpiffWorkflow's timers read it, see
``timers.py``) and returns the notices the diagram raised on the way: events carrying the
extension property ``notify`` (e.g. a reminder or an escalation) that the caller records.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from workflows.engine import compaction, spec_cache, stored_state
from workflows.engine.parsing import build_spec
from workflows.engine.scripting import script_engine
from workflows.engine.spec_cache import SharedSpecWorkflowConverter
from workflows.engine.timers import engine_clock, next_due

_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(
    {**SPIFF_CONFIG, BpmnWorkflow: SharedSpecWorkflowConverter}))
NOTIFY_PROPERTY = "notify"
NOTIFY_ROLE_PROPERTY = "notifyRole"
CASE_OUTCOME_PROPERTY = "caseOutcome"  # on an end event: how the case ended if it ends there

__all__ = ["ReadyTask", "Notice", "start", "load", "dump", "dump_instance", "definition_spec", "fits_spec",
           "compact", "find_task", "to_store", "readable", "with_functions", "joined_state", "complete", "fire_timers",
           "ready_human_tasks", "is_completed", "next_due", "task_data", "data_after", "forget",
           "Outcome", "outcome", "message_passed", "last_value", "waiting_for_message", "deliver_message", "cancel", "open_work"]


@dataclass(frozen=True)
class ReadyTask:
    spiff_id: str
    bpmn_id: str
    name: str


@dataclass(frozen=True)
class Notice:
    """Something a diagram says happened: ``kind`` (reminder, escalation …) for ``role``."""

    kind: str
    role: str | None
    name: str


def start(xml: bytes, filename: str, process_key: str, functions: dict, clock,
          data: dict | None = None) -> tuple[BpmnWorkflow, list[Notice]]:
    spec, subprocess_specs = build_spec(xml, filename, process_key)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(functions))
    if data:
        workflow.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
    return workflow, _settle(workflow, clock)


def load(state: bytes, functions: dict, spec: str | None = None) -> BpmnWorkflow:
    """The instance in a stored ``state`` (``to_store``; plain ``dump_instance`` too), joined with
    its definition version's ``spec`` (``definition_spec``); a state stored with its spec
    (``dump``) is read as it is."""
    dct = json.loads(stored_state.unpack(state), cls=_SERIALIZER.json_decoder_cls)
    if "spec" not in dct and dct.get(_SERIALIZER.VERSION_KEY) != _SERIALIZER.VERSION:
        dct = spec_cache.joined(dct, json.loads(spec))  # an older format: SpiffWorkflow migrates it whole
    _SERIALIZER.migrate(dct)
    workflow = _SERIALIZER.registry.restore(dct, spec_text=spec)
    return with_functions(workflow, functions)


def with_functions(workflow: BpmnWorkflow, functions: dict) -> BpmnWorkflow:
    """The instance, its scripts calling these diagram functions (they read the command's clock)."""
    workflow.script_engine = script_engine(functions)
    return workflow


def dump(workflow: BpmnWorkflow) -> bytes:
    """The instance with its spec, exactly as SpiffWorkflow's own serializer writes it."""
    return _SERIALIZER.serialize_json(workflow).encode("utf-8")


def dump_instance(workflow: BpmnWorkflow) -> bytes:
    """The instance without its spec, as JSON (``to_store`` packs it for the case row; ``load``
    joins the spec again)."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True  # as BpmnWorkflowSerializer.serialize_json does
    try:
        dct = _converter().to_dict(workflow, with_spec=False)
        dct["typename"] = registry.typenames[BpmnWorkflow]  # as the registry adds it
        dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
        return json.dumps(dct, cls=_SERIALIZER._encoder_cls).encode("utf-8")
    finally:
        registry._encoder_mode = False


def definition_spec(xml: bytes, filename: str, process_key: str) -> str:
    """The spec text stored once per definition version and joined with its instances on load."""
    return spec_cache.spec_text(_converter(), *build_spec(xml, filename, process_key))


def fits_spec(workflow: BpmnWorkflow, spec: str) -> bool:
    """Whether the instance can be stored without its spec, to be joined with ``spec`` on load."""
    return spec_cache.fits(workflow, spec, _converter())


def compact(workflow: BpmnWorkflow) -> int:
    """Cut a running instance's loop rounds older than the last few out of it (``compaction``);
    how many tasks left it."""
    return 0 if workflow.is_completed() else compaction.compact(workflow)


def to_store(workflow: BpmnWorkflow, spec: str) -> bytes:
    """What a case row stores: the instance without its spec if it fits its version's ``spec``
    (else with its own), packed (``stored_state``)."""
    return stored_state.pack(dump_instance(workflow) if fits_spec(workflow, spec) else dump(workflow))


def readable(state: bytes) -> bytes:
    """A stored state as the JSON SpiffWorkflow wrote (without the version's spec): for people and tools."""
    return stored_state.unpack(state)


def joined_state(state: bytes, spec: str | None) -> bytes:
    """A stored state as SpiffWorkflow's own serializer writes it: JSON, with its spec."""
    state = stored_state.unpack(state)
    dct = json.loads(state)
    if "spec" in dct:
        return state
    return json.dumps(spec_cache.joined(dct, json.loads(spec))).encode("utf-8")


def _converter() -> SharedSpecWorkflowConverter:
    """The converter instance the serializer registered for BpmnWorkflow (its to_dict, bound)."""
    registered = _SERIALIZER.registry.convert_to_dict[_SERIALIZER.registry.typenames[BpmnWorkflow]]
    return registered.args[1].__self__


def find_task(workflow: BpmnWorkflow, spiff_id) -> Task | None:
    """The instance's task ``spiff_id`` (str or UUID), or None: never was, reset away, or cut
    out with its loop round (``compaction``)."""
    try:
        return workflow.get_task_from_id(spiff_id if isinstance(spiff_id, UUID) else UUID(spiff_id))
    except TaskNotFoundException:
        return None


def complete(workflow: BpmnWorkflow, spiff_id: str, data: dict, clock) -> list[Notice]:
    task = find_task(workflow, spiff_id)
    if task is None or task.state != TaskState.READY:
        raise LookupError(spiff_id)
    task.data.update(data)
    with engine_clock(clock):
        task.run()
    return _settle(workflow, clock)


def task_data(workflow: BpmnWorkflow, spiff_id: str) -> dict:
    """The data a task ended with: its form's values and what the process carried into it."""
    return dict(workflow.get_task_from_id(UUID(spiff_id)).data)


def data_after(workflow: BpmnWorkflow, spiff_id: str) -> dict:
    """A completed task's data, updated by what the engine did right after it (e.g. a script
    that computed a figure), as the instance's waiting tasks now carry it."""
    data = task_data(workflow, spiff_id)
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        data.update(task.data)
    return data


def current_data(workflow: BpmnWorkflow) -> dict:
    """What the instance holds now: its own data, updated by that of its waiting tasks."""
    data = dict(workflow.data)
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        data.update(task.data)
    return data


def forget(workflow: BpmnWorkflow, keys: set[str]) -> None:
    """Remove these data keys from every task of the instance (data minimisation)."""
    if not keys:
        return
    for task in workflow.get_tasks():
        for key in keys & task.data.keys():
            del task.data[key]
    for key in keys & workflow.data.keys():
        del workflow.data[key]


def fire_timers(workflow: BpmnWorkflow, clock) -> list[Notice]:
    """Let every timer that is due by the clock fire, and run on from there."""
    return _settle(workflow, clock)


def _settle(workflow: BpmnWorkflow, clock) -> list[Notice]:
    """Run engine steps until only people or timers can move the instance on.

    Messages between pools are delivered synchronously within ``do_engine_steps``; due
    timers are noticed there too (with our clock).
    """
    notices: list[Notice] = []

    def collect(task) -> None:
        properties = task.task_spec.extensions.get("properties", {}) if hasattr(task.task_spec, "extensions") else {}
        if properties.get(NOTIFY_PROPERTY):
            notices.append(Notice(properties[NOTIFY_PROPERTY], properties.get(NOTIFY_ROLE_PROPERTY),
                                  task.task_spec.bpmn_name or task.task_spec.bpmn_id))

    with engine_clock(clock):
        workflow.do_engine_steps(did_complete_task=collect)
        # A timer found due at the end of one pass becomes READY but runs only in the next.
        while any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
            workflow.do_engine_steps(did_complete_task=collect)
    # A terminate end event ends its own pool and is then also offered to the whole instance,
    # where nothing catches it; it is no message to anyone outside, so it is not kept.
    workflow.bpmn_events = [e for e in workflow.bpmn_events
                            if not isinstance(e.event_definition, TerminateEventDefinition)]
    return notices


def ready_human_tasks(workflow: BpmnWorkflow) -> list[ReadyTask]:
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    return [ReadyTask(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id) for t in tasks]


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


@dataclass(frozen=True)
class Outcome:
    """How an instance ended, read from the end events it reached that carry ``caseOutcome``."""

    kind: str  # e.g. declined, withdrawn
    data: dict  # the data the end event held (the reason travels in it)


def outcome(workflow: BpmnWorkflow) -> Outcome | None:
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        properties = getattr(task.task_spec, "extensions", {}).get("properties", {})
        if properties.get(CASE_OUTCOME_PROPERTY):
            return Outcome(properties[CASE_OUTCOME_PROPERTY], dict(task.data))
    return None


def waiting_for_message(workflow: BpmnWorkflow, name: str) -> list[str]:
    """The bpmn ids of the elements that would catch message ``name`` now (empty: none waits)."""
    return [bpmn_id for bpmn_id, _ in _message_catchers(workflow, name)]


def _message_catchers(workflow: BpmnWorkflow, name: str):
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        # an event-based gateway waits for its branches' events at once
        for candidate in getattr(definition, "event_definitions", None) or [definition]:
            if isinstance(candidate, MessageEventDefinition) and candidate.name == name:
                yield task.task_spec.bpmn_id, candidate


def deliver_message(workflow: BpmnWorkflow, name: str, payload: dict, clock) -> list[Notice]:
    """Hand the instance message ``name`` from outside (a person's command on the case page)."""
    catchers = list(_message_catchers(workflow, name))
    if not catchers:
        raise LookupError(name)
    with engine_clock(clock):
        workflow.send_event(BpmnEvent(catchers[0][1], payload))
    return _settle(workflow, clock)


def cancel(workflow: BpmnWorkflow) -> None:
    """End the instance where it stands: every task, every waiting timer and message."""
    workflow.cancel()


def open_work(workflow: BpmnWorkflow) -> list[str]:
    """What still waits in the instance (bpmn ids of ready or waiting tasks): nothing, once it ended."""
    return sorted({t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
                   if getattr(t.task_spec, "bpmn_id", None)})


def message_passed(workflow: BpmnWorkflow, name: str) -> bool:
    """Whether an element of the instance has thrown or caught message ``name`` (in a round
    cut out of it as well: ``compaction``)."""
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return True
    return name in compaction.summary(workflow)["messages"]


def last_value(workflow: BpmnWorkflow, key: str):
    """The value ``key`` has in the instance's data (the newest task that carries it), or None."""
    carrying = [task for task in workflow.get_tasks() if key in task.data]
    if not carrying:
        return workflow.data.get(key)
    return max(carrying, key=lambda t: t.last_state_change).data[key]  # the first newest, as a stable sort
