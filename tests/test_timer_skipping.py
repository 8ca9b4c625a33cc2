"""Skipping a due timer (the engine half of "skip the failing timer" on a Störung): a
reminder on a step can go and the step stays open; a timer the flow itself waits at cannot."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from workflows.clock import FixedClock
from workflows.engine import runtime
from workflows.engine.changes import CannotChange, skip_due_timers

DATA = Path(__file__).parent / "data"


def started(name: str, clock):
    workflow, _ = runtime.start((DATA / f"{name}.bpmn").read_bytes(), f"{name}.bpmn", name, {}, clock)
    return runtime.load(runtime.dump(workflow), {})  # as stored between two worker rounds


def test_a_due_reminder_on_a_step_is_skipped_and_the_step_stays_open():
    clock = FixedClock(datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc))
    workflow = started("timer_cycle", clock)
    clock.set(datetime(2025, 1, 2, 12, 1, tzinfo=timezone.utc))

    assert skip_due_timers(workflow, clock.now()) != []
    assert runtime.fire_timers(workflow, clock) == []  # no reminder, now or later
    clock.set(datetime(2025, 1, 9, tzinfo=timezone.utc))
    assert runtime.fire_timers(workflow, clock) == []
    assert [t.bpmn_id for t in runtime.ready_human_tasks(workflow)] == ["work"]


def test_nothing_due_and_a_timer_in_the_flow_itself_are_refused():
    clock = FixedClock(datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc))
    workflow = started("timer_kinds", clock)
    with pytest.raises(CannotChange, match="kein Zeitgeber fällig"):
        skip_due_timers(workflow, clock.now())

    clock.set(datetime(2025, 1, 11, 12, 1, tzinfo=timezone.utc))  # the intermediate duration timer is due
    with pytest.raises(CannotChange, match="geht nur über ihn weiter"):
        skip_due_timers(workflow, clock.now())
    runtime.fire_timers(workflow, clock)  # untouched: it still fires
    assert runtime.next_due(workflow) is not None
