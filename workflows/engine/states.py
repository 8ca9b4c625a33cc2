"""Where an instance stands, element by element: {bpmn id: state} for drawing it.

Read from the deserialized SpiffWorkflow instance (``runtime.load``); nothing is run. A
diagram element can have several tasks (a loop, a re-opened step); the most telling state
wins: active before waiting before completed before cancelled.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from workflows.engine.compaction import summary

ACTIVE, WAITING, COMPLETED, CANCELLED = "active", "waiting", "completed", "cancelled"
_RANK = {ACTIVE: 4, WAITING: 3, COMPLETED: 2, CANCELLED: 1}


@dataclass(frozen=True)
class ElementState:
    state: str  # active | waiting | completed | cancelled
    due: datetime | None = None  # a waiting timer: when it fires (UTC)


def element_states(workflow) -> dict[str, ElementState]:
    """{bpmn id: ElementState} of every diagram element the instance has reached (in a loop
    round cut out of it as well: ``compaction``)."""
    states: dict[str, ElementState] = {bpmn_id: ElementState(state)
                                       for bpmn_id, state in summary(workflow)["elements"].items()}
    for task in workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        state = _state_of(task)
        if bpmn_id is None or state is None:
            continue
        found = ElementState(state, _timer_due(task) if state == WAITING else None)
        known = states.get(bpmn_id)
        if known is None or _RANK[found.state] > _RANK[known.state]:
            states[bpmn_id] = found
    return states


def _state_of(task) -> str | None:
    if task.state & (TaskState.READY | TaskState.STARTED | TaskState.ERROR):
        return ACTIVE
    if task.state == TaskState.WAITING:
        return WAITING
    if task.state == TaskState.COMPLETED:
        return COMPLETED
    if task.state == TaskState.CANCELLED:
        return CANCELLED
    return None  # FUTURE, LIKELY, MAYBE: not reached (yet)


def _timer_due(task) -> datetime | None:
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    if not value:
        return None
    return TimerEventDefinition.get_datetime(value).astimezone(timezone.utc)
