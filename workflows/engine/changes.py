"""Changing a running instance by hand: reset it to an earlier step, move it to a newer
version of its diagram (SpiffWorkflow 3's ``reset_from_task_id`` and ``bpmn.util.diff``),
skip its due timers where the flow goes on without them (``Task.cancel`` of a boundary event).

Both leave the instance settled (engine steps run until people or timers are needed) and
return the notices raised on the way, as every other call that moves an instance does.
"""
from __future__ import annotations

from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from workflows.engine.parsing import build_spec
from workflows.engine.runtime import _SERIALIZER, Notice, _settle, find_task

NOTHING = TaskState.ERROR << 4  # a reset mask no task state matches


class CannotChange(Exception):
    """The change is not possible for this instance; ``reason`` is German, without personal data."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def completed_step(workflow: BpmnWorkflow, spiff_id: str):
    task = find_task(workflow, spiff_id)
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
        if find_task(workflow, other.id) is not None:
            workflow.reset_from_task_id(other.id, remove_subprocess=False)
    _forget_dropped_waiters(workflow)
    return _settle(workflow, clock)


def _forget_dropped_waiters(workflow: BpmnWorkflow) -> None:
    """A reset drops the tasks after the step, but the engine's list of tasks waiting for an
    event (a boundary message or timer of a later step) keeps them; the next engine step would
    then update a task that has no parent any more. Only tasks still in the instance stay."""
    manager = workflow.event_manager
    for task_id, task in list(manager.tasks.items()):
        if task.parent is None or find_task(workflow, task_id) is None:
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


def skip_due_timers(workflow: BpmnWorkflow, now: datetime) -> list[str]:
    """Cancel every timer of the instance that is due by ``now``, without its side effects; the
    names of the skipped events. Only a boundary timer (a reminder or escalation on a step) can
    go: cancelling it drops its branch, the step it is attached to stays open as before. A due
    timer in the flow itself (an intermediate timer, a timer branch of an event gateway) is
    the way the case goes on, so nothing is skipped then (CannotChange with its name).

    The instance is not run on afterwards: the caller stores it, and its next timer is the
    next one the diagram has."""
    due = [task for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.READY) if _timer_due(task, now)]
    if not due:
        raise CannotChange("Im Vorgang ist zurzeit kein Zeitgeber fällig, der übersprungen werden könnte. "
                           "Versuchen Sie es erneut oder markieren Sie die Störung als erledigt.")
    for task in due:
        if not isinstance(task.task_spec, BoundaryEvent):
            raise CannotChange(
                f"Der fällige Zeitgeber „{_name(task)}“ kann nicht übersprungen werden: der Vorgang geht nur über ihn "
                "weiter. Setzen Sie den Vorgang auf einen früheren Schritt zurück oder brechen Sie ihn ab.")
    names = [_name(task) for task in due]
    for task in due:
        task.cancel()  # drops the boundary branch and takes it off the engine's waiting events
    return names


def _name(task) -> str:
    return task.task_spec.bpmn_name or task.task_spec.bpmn_id


def _timer_due(task, now: datetime) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    candidates = getattr(definition, "event_definitions", None) or [definition]  # an event gateway's branches
    if not any(isinstance(candidate, TimerEventDefinition) for candidate in candidates):
        return False
    if task.state == TaskState.READY or task._get_internal_data("event_fired", False):
        return True
    value = task._get_internal_data("event_value")
    value = value.get("next") if isinstance(value, dict) else value
    if not value:
        return False
    try:
        moment = TimerEventDefinition.get_datetime(value)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment <= now
