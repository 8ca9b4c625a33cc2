"""Opening a case the calendar asks for, at most once: the shared step of annual requests
and conference meetings.

The caller's bookkeeping row (``annual_cases``, ``conference_cases``) carries a unique
constraint on what the case is for; when two workers race, the second insert fails and
that worker opens nothing.

A cycle of the previous year that never opened (the worker was down over New Year) is opened
late, not skipped: ``late=True`` records "verspätet eröffnet" (``case.opened_late``) in the
case's history, shown on its page. ``served_before_end_of`` keeps a fresh installation from
opening a past year it never served: only an agreement for which some case was begun before
that year ended gets its missed cycles.

``operation_start`` (agreement data, § "Going live mid-year"): a cycle due before the day the
agreement's operation in KoopFlow starts is never opened, so a first start in December does not
open the year's requests already overdue and escalate them at once.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows.cases.starting import begin_case
from workflows.clock import BERLIN
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition, current_definition
from workflows.store.history import record
from workflows.store.organisation import Agreement

# (agreement data, definition) -> (start data, the case's own role map, its lead partner or None)
Starter = Callable[[dict, ProcessDefinition], tuple[dict, dict[str, list[str]], str | None]]


def open_once(db, clock, agreement_id: str, process_key: str, exists: Callable[[Session], bool],
              starter: Starter, bookkeeping: Callable[[Case], object], late: bool = False) -> int | None:
    """Start ``process_key`` unless ``exists``; returns the new case's id, or None.
    ``late``: the case is of a past year, opened after an outage (marked in its history)."""
    try:
        with db.transaction() as session:
            if exists(session):
                return None
            agreement = session.get(Agreement, agreement_id)
            definition = current_definition(session, process_key)
            data, roles, lead = starter(agreement.data, definition)
            case, _tasks = begin_case(session, clock, agreement, definition, None, data, roles, lead)
            session.add(bookkeeping(case))
            if late:
                record(session, clock.now(), "case.opened_late", case_id=case.id, year=data.get("year"))
            session.flush()
            return case.id
    except IntegrityError:
        return None  # another worker opened it first


def served_before_end_of(db, agreement_id: str, year: int) -> bool:
    """Whether any case of the agreement was begun before ``year`` ended (Berlin time): the
    service served the agreement then, so a cycle of that year that never opened was missed
    (and not merely before the installation)."""
    end = datetime(year + 1, 1, 1, tzinfo=BERLIN)
    with db.transaction(read_only=True) as session:
        return session.scalar(select(Case.id).where(
            Case.agreement_id == agreement_id, Case.created_at < end).limit(1)) is not None


def operation_start(agreement: dict) -> date | None:
    """The first day the agreement is run here (``operation_start``), or None: always."""
    value = agreement.get("operation_start")
    return date.fromisoformat(value) if value else None


def due_before_operation(agreement: dict, due_on: date) -> bool:
    """Whether a cycle due on ``due_on`` lies before the agreement's start of operation."""
    start = operation_start(agreement)
    return start is not None and due_on < start
