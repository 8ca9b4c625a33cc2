"""SpiffWorkflow's intermediate duration and date timers read KoopFlow's clock, and the
case's next-due moment is what the worker's sweep looks for. No test sleeps."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from workflows.clock import BERLIN, FixedClock
from workflows.engine import runtime

DIAGRAM = (Path(__file__).parent / "data" / "timer_kinds.bpmn").read_bytes()


def test_duration_then_date_timer_fire_when_the_clock_passes_them():
    clock = FixedClock(datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc))
    workflow, _ = runtime.start(DIAGRAM, "timer_kinds.bpmn", "timer_kinds", {}, clock)
    assert runtime.next_due(workflow) == datetime(2025, 1, 11, 12, 0, tzinfo=timezone.utc)

    clock.set(datetime(2025, 1, 11, 11, 59, tzinfo=timezone.utc))
    runtime.fire_timers(workflow, clock)
    assert runtime.next_due(workflow) == datetime(2025, 1, 11, 12, 0, tzinfo=timezone.utc)  # not yet

    clock.set(datetime(2025, 1, 11, 12, 1, tzinfo=timezone.utc))
    runtime.fire_timers(workflow, clock)
    assert runtime.next_due(workflow) == datetime(2025, 3, 1, 7, 0, tzinfo=BERLIN)  # on to the date timer

    # serialised and restored in between, as between two worker rounds
    workflow = runtime.load(runtime.dump(workflow), {})
    clock.set(datetime(2025, 3, 1, 7, 1, tzinfo=BERLIN))
    runtime.fire_timers(workflow, clock)
    assert runtime.is_completed(workflow) and runtime.next_due(workflow) is None


def test_cycle_boundary_timer_reminds_three_times_a_day_apart():
    clock = FixedClock(datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc))
    cycle = (Path(__file__).parent / "data" / "timer_cycle.bpmn").read_bytes()
    workflow, _ = runtime.start(cycle, "timer_cycle.bpmn", "timer_cycle", {}, clock)
    reminders = []

    for day in range(2, 7):
        clock.set(datetime(2025, 1, day, 12, 1, tzinfo=timezone.utc))
        workflow = runtime.load(runtime.dump(workflow), {})
        reminders += [(day, n.kind) for n in runtime.fire_timers(workflow, clock)]

    assert reminders == [(2, "reminder"), (3, "reminder"), (4, "reminder")]
    assert [t.bpmn_id for t in runtime.ready_human_tasks(workflow)] == ["work"]  # the task stays open
    assert runtime.next_due(workflow) is None  # three cycles done: nothing more to wake for
