"""The functions a BPMN diagram may call in its expressions, bound to one case's context.

Only these (and a few harmless builtins) exist inside a diagram's expressions; see
``workflows/engine/scripting.py``. They read the agreement's data, so one diagram serves
agreements with different deadlines and holidays.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Callable

from workflows.clock import BERLIN
from workflows.legal_dates import add_working_days, past_retirement_age

# Timers set by working days fire at the start of the working day in Berlin.
WORKDAY_START = time(7, 0)


def at_workday_start(day: date | str) -> str:
    """The ISO moment (Berlin) a working day starts, for timers set by date."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, WORKDAY_START, BERLIN).isoformat()


def at_day_start(day: date) -> str:
    """The ISO moment (Berlin) a calendar day begins, e.g. the first day after an agreement ended."""
    return datetime.combine(day, time(0), BERLIN).isoformat()


def count_past_retirement_age(birth_dates: list[str], reference_date: str, overrides: list[dict] | None = None) -> int:
    """§ 8 c: how many of these birth dates lie past their Regelaltersgrenze on the reference date;
    ``overrides`` are further persons with a limit of their own (§ 235 Abs. 2 S. 3 SGB VI):
    ``birth_date``, ``reached_on``, ``reason``."""
    reference = date.fromisoformat(reference_date)
    counted = sum(1 for born in birth_dates or [] if past_retirement_age(date.fromisoformat(born), reference))
    return counted + sum(1 for row in overrides or [] if past_retirement_age(
        date.fromisoformat(row["birth_date"]), reference, date.fromisoformat(row["reached_on"])))


# The names functions_for registers: a diagram calling anything else is refused at start-up.
FUNCTION_NAMES = frozenset({"working_days_later", "at_workday_start", "count_past_retirement_age"})


def functions_for(agreement: dict, clock) -> dict[str, Callable]:
    subdivision = agreement.get("holiday_subdivision", "HE")
    deadlines = agreement.get("task_deadlines", {})

    def working_days_later(key: str) -> str:
        """When the agreement's ``task_deadlines[key]`` working days from today have passed."""
        if key not in deadlines:
            raise KeyError(f"Die Vereinbarung nennt keine Frist {key!r} (task_deadlines)")
        day = add_working_days(clock.today(), int(deadlines[key]), subdivision)
        return at_workday_start(day)

    return {
        "working_days_later": working_days_later,
        "at_workday_start": at_workday_start,
        "count_past_retirement_age": count_past_retirement_age,
    }
