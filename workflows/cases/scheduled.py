"""Opening a case the calendar asks for, at most once: the shared step of annual requests
and conference meetings.

The caller's bookkeeping row (``annual_cases``, ``conference_cases``) carries a unique
constraint on what the case is for; when two workers race, the second insert fails and
that worker opens nothing.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows.cases.starting import begin_case
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition, current_definition
from workflows.store.organisation import Agreement

# (agreement data, definition) -> (start data, the case's own role map, its lead partner or None)
Starter = Callable[[dict, ProcessDefinition], tuple[dict, dict[str, list[str]], str | None]]


def open_once(db, clock, agreement_id: str, process_key: str, exists: Callable[[Session], bool],
              starter: Starter, bookkeeping: Callable[[Case], object]) -> int | None:
    """Start ``process_key`` unless ``exists``; returns the new case's id, or None."""
    try:
        with db.transaction() as session:
            if exists(session):
                return None
            agreement = session.get(Agreement, agreement_id)
            definition = current_definition(session, process_key)
            data, roles, lead = starter(agreement.data, definition)
            case, _tasks = begin_case(session, clock, agreement, definition, None, data, roles, lead)
            session.add(bookkeeping(case))
            session.flush()
            return case.id
    except IntegrityError:
        return None  # another worker opened it first
