"""A loop's finished rounds leave the instance: its task tree stays as large as a few rounds.

SpiffWorkflow keeps every task an instance ever ran. A loop (the LWV asks back, the
Landkreis answers, and again) adds a round of tasks below the last one, and every engine
step, dump and load walks all of them: after 100 rounds a completion cost seven times what
it did after one.

A round is cut out once ``KEEP`` newer rounds of the same loop follow it (the running one
counted) and nothing in it can still happen (every task in it completed or cancelled). A
round from which a branch still runs (an escalation that stays open until the case ends)
stays, and so does everything before it; the rounds after it are cut as any others. Cutting means: the earliest
task of the loop's entry element (``A``) is replaced in the tree by its ``KEEP``-th newest
repetition (``B``); everything below ``A`` that is not below ``B`` leaves. ``B`` is an
instance of the same element as ``A``, so the tree stays one that SpiffWorkflow itself could
have grown: every child follows its parent in the diagram; what comes before the loop (the
offer, the receipt) and what runs beside it (a parallel branch still waiting) stay.

What the cut rounds leave behind, in the root task's internal data (``SUMMARY``):
- how many tasks left;
- the elements they reached and how far (``element_states`` still colours them);
- the messages they passed (``message_passed`` still knows them).

A reset can go back to any step still in the instance: everything before the loop and the
last ``KEEP`` rounds. The administration page offers only those. A round that holds an end
event telling how the case ended (``caseOutcome``), or a running subprocess, is never cut.
"""
from __future__ import annotations

from collections import Counter

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

KEEP = 3  # rounds of a loop kept in the instance (a reset reaches back this far)
SUMMARY = "koopflow_compacted"
_GONE = TaskState.COMPLETED | TaskState.CANCELLED
CASE_OUTCOME_PROPERTY = "caseOutcome"

__all__ = ["KEEP", "SUMMARY", "compact", "summary"]


def compact(workflow: BpmnWorkflow, keep: int = KEEP) -> int:
    """Cut every finished round older than the ``keep`` newest out of the instance (the top
    workflow and each subprocess); returns how many tasks left it."""
    removed = 0
    for part in [workflow, *workflow.subprocesses.values()]:
        while (cut := _next_cut(workflow, part, keep)) is not None:
            removed += _splice(workflow, part, *cut)
    return removed


def summary(workflow: BpmnWorkflow) -> dict:
    """What left the instance: {"tasks": n, "elements": {bpmn id: state}, "messages": [names]}."""
    found = {"tasks": 0, "elements": {}, "messages": []}
    for part in [workflow, *workflow.subprocesses.values()]:
        kept = part.task_tree._get_internal_data(SUMMARY) or {}
        found["tasks"] += kept.get("tasks", 0)
        for bpmn_id, state in kept.get("elements", {}).items():
            found["elements"].setdefault(bpmn_id, state)
            if state == "completed":
                found["elements"][bpmn_id] = state
        found["messages"] += [name for name in kept.get("messages", []) if name not in found["messages"]]
    return found


def _next_cut(top: BpmnWorkflow, part, keep: int):
    """(A, B, the tasks that leave) of the first loop in ``part`` with more than ``keep``
    finished rounds on one line, or None."""
    counts = Counter(task.task_spec.name for task in part.tasks.values())
    for name, count in counts.items():
        if count <= keep:
            continue
        line = _line(part, name)
        if len(line) <= keep:
            continue
        newest_kept = line[keep - 1]
        for first in reversed(line[keep:]):  # the oldest round first; one still running stays
            leaving = _leaving(top, first, newest_kept)
            if leaving:
                return first, newest_kept, leaving
    return None


def _line(part, name: str) -> list:
    """The tasks of element ``name`` on the line of its newest one, newest first."""
    newest = None
    for task in part.tasks.values():  # created in order: a descendant after its ancestors
        if task.task_spec.name == name:
            newest = task
    line, task = [], newest
    while task is not None:
        if task.task_spec.name == name:
            line.append(task)
        task = task.parent
    return line


def _leaving(top: BpmnWorkflow, first, kept) -> list | None:
    """The tasks below ``first`` (itself included) that are not below ``kept``, if every one of
    them is over and none must stay; else None."""
    leaving, stack = [], [first]
    while stack:
        task = stack.pop()
        if task is kept:
            continue
        if task.id in top.subprocesses or not task.state & _GONE:
            return None
        properties = getattr(task.task_spec, "extensions", {}).get("properties", {})
        if properties.get(CASE_OUTCOME_PROPERTY):
            return None
        leaving.append(task)
        stack.extend(task.children)
    return leaving


def _splice(top: BpmnWorkflow, part, first, kept, leaving: list) -> int:
    parent = first.parent
    parent._children[parent._children.index(first.id)] = kept.id
    kept._parent = parent.id
    root = part.task_tree
    left = dict(root._get_internal_data(SUMMARY) or {"tasks": 0, "elements": {}, "messages": []})
    left["elements"], left["messages"] = dict(left["elements"]), list(left["messages"])
    for task in leaving:
        _note(left, task)
        del part.tasks[task.id]
        top.event_manager.tasks.pop(task.id, None)
        if part.last_task is task:
            part.last_task = kept
    left["tasks"] += len(leaving)
    root._set_internal_data(**{SUMMARY: left})
    return len(leaving)


def _note(left: dict, task) -> None:
    bpmn_id = getattr(task.task_spec, "bpmn_id", None)
    if bpmn_id is not None:
        state = "completed" if task.state == TaskState.COMPLETED else "cancelled"
        if left["elements"].get(bpmn_id) != "completed":
            left["elements"][bpmn_id] = state
    definition = getattr(task.task_spec, "event_definition", None)
    if (task.state == TaskState.COMPLETED and isinstance(definition, MessageEventDefinition)
            and definition.name not in left["messages"]):
        left["messages"].append(definition.name)
