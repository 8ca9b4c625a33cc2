"""Changing a running instance by hand: reset it to an earlier step, move it to a newer
version of its diagram (SpiffWorkflow 3's ``reset_from_task_id`` and ``bpmn.util.diff``).

Both leave the instance settled (engine steps run until people or timers are needed) and
return the notices raised on the way, as every other call that moves an instance does.
"""
from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from workflows.engine.parsing import build_spec
from workflows.engine.runtime import _SERIALIZER, Notice, _settle

NOTHING = TaskState.ERROR << 4  # a reset mask no task state matches


class CannotChange(Exception):
    """The change is not possible for this instance; ``reason`` is German, without personal data."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def completed_step(workflow: BpmnWorkflow, spiff_id: str):
    task = workflow.get_task_from_id(UUID(spiff_id))
    if task is None or task.state != TaskState.COMPLETED:
        raise CannotChange("Auf diesen Schritt kann der Vorgang nicht zurückgesetzt werden: er ist nicht "
                           "(mehr) als erledigter Schritt im Ablauf des Vorgangs vorhanden.")
    return task


def reset_to(workflow: BpmnWorkflow, spiff_id: str, clock) -> list[Notice]:
    """Make the completed step ``spiff_id`` ready again; everything after it is undone."""
    task = completed_step(workflow, spiff_id)
    moment = task.last_state_change
    # In a collaboration the other pools went on from messages sent after the step: each goes
    # back to the first of its steps done after it (a message catch waits for the message again).
    others = []
    for subprocess in workflow.subprocesses.values():
        if subprocess is task.workflow:
            continue
        later = [t for t in subprocess.get_tasks(state=TaskState.COMPLETED, skip_subprocesses=True)
                 if t.last_state_change > moment]
        if later:
            others.append(min(later, key=lambda t: t.last_state_change))
    workflow.reset_from_task_id(task.id)  # the top workflow finds and resets steps of subprocesses too
    for other in others:
        if workflow.get_task_from_id(other.id) is not None:
            workflow.reset_from_task_id(other.id, remove_subprocess=False)
    _forget_removed_waiting_events(workflow)
    return _settle(workflow, clock)


def _forget_removed_waiting_events(workflow: BpmnWorkflow) -> None:
    """SpiffWorkflow 3.2's reset removes the undone tasks from the tree but leaves those that
    waited for an event (e.g. an event-based gateway waiting for an answer or a withdrawal) in
    the workflow's event manager, where the next timer refresh trips over them."""
    manager = workflow.event_manager
    for task_id, task in list(manager.tasks.items()):
        if task.workflow.get_task_from_id(task_id) is None:
            manager.tasks.pop(task_id, None)


def migration_problems(workflow: BpmnWorkflow, xml: bytes, filename: str, process_key: str) -> list[str]:
    """Why the instance cannot move to the diagram ``xml`` (empty: it can)."""
    return _diff(workflow, xml, filename, process_key)[-1]


def migrate(workflow: BpmnWorkflow, xml: bytes, filename: str, process_key: str, clock) -> list[Notice]:
    """Move the instance to the diagram ``xml``: its steps are matched by element id (or by
    their place in the flow); waiting and ready steps are predicted anew from the new diagram.
    Raises CannotChange when a step the instance has been through is gone."""
    spec, dependencies, top, subprocess_diffs, problems = _diff(workflow, xml, filename, process_key)
    if problems:
        raise CannotChange(" ".join(problems))
    # Steps are moved onto the new specs in place; none is reset (migrate_workflow's default
    # resets ready and waiting tasks, which would restart a running pool); a step's successors
    # follow the new diagram from the moment it completes. A collaboration's top level (its
    # pools) stays as it is: the engine connected the pools started by a message to it while
    # running, which a freshly parsed diagram lacks; _diff has made sure its pools are the same.
    if not workflow.subprocesses:
        migrate_workflow(top, workflow, spec, reset_mask=NOTHING)
    for sp_id, sp_diff in subprocess_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        migrate_workflow(sp_diff, subprocess, dependencies[subprocess.spec.name], reset_mask=NOTHING)
    workflow.subprocess_specs = dependencies
    return _settle(workflow, clock)


def _diff(workflow: BpmnWorkflow, xml: bytes, filename: str, process_key: str):
    spec, dependencies = build_spec(xml, filename, process_key)
    top, subprocess_diffs = diff_workflow(_SERIALIZER.registry, workflow, spec, dependencies)
    problems = []
    removed = [*top.removed]
    if workflow.subprocesses and set(workflow.spec.task_specs) != set(spec.task_specs):
        problems.append("Die Beteiligten (Pools) des Ablaufs haben sich geändert.")
    for sp_id, sp_diff in subprocess_diffs.items():
        if sp_diff is None:
            problems.append(f"Der Teilprozess „{workflow.subprocesses[sp_id].spec.name}“ fehlt in der neuen Fassung.")
        else:
            removed += sp_diff.removed
    names = sorted({t.task_spec.bpmn_name or t.task_spec.bpmn_id or t.task_spec.name for t in removed
                    if getattr(t.task_spec, "bpmn_id", None)})
    if names:
        problems.append("Diese Schritte, die der Vorgang schon durchlaufen hat oder vor sich hat, gibt es in der "
                        f"neuen Fassung nicht mehr: {', '.join(names)}.")
    elif removed:
        problems.append("Der Ablauf des Vorgangs lässt sich der neuen Fassung nicht zuordnen.")
    return spec, dependencies, top, subprocess_diffs, problems
