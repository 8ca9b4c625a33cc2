"""SpiffWorkflow's timers, told the time by our clock.

SpiffWorkflow decides whether a timer fired by calling ``datetime.now(timezone.utc)`` inside
``SpiffWorkflow.bpmn.specs.event_definitions.timer``. That module's ``datetime`` is replaced,
once, by a subclass whose ``now()`` asks the clock of the command being run (a context
variable, so threads do not see each other's clocks); outside a command it is wall time.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

_clock: contextvars.ContextVar = contextvars.ContextVar("koopflow_engine_clock", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        clock = _clock.get()
        moment = clock.now() if clock is not None else datetime.now(timezone.utc)
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


@contextmanager
def engine_clock(clock) -> Iterator[None]:
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


def next_due(workflow) -> datetime | None:
    """The earliest moment a waiting timer of this instance is due, or None."""
    moments = []
    for event in workflow.waiting_events():
        # TimeDateEventDefinition, DurationTimerEventDefinition, CycleTimerEventDefinition
        if "Time" not in (event.event_type or ""):
            continue
        value = event.value.get("next") if isinstance(event.value, dict) else event.value
        if value:
            moments.append(_spiff_timer.TimerEventDefinition.get_datetime(value).astimezone(timezone.utc))
    return min(moments) if moments else None
