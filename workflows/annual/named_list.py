"""§ 8 b → § 8 a: every person on a delivered named list is a candidate for a handover.

Starting that handover from the list must not mean retyping the person: one command takes
the row, starts a handover case under the same agreement with the row's data in its first
form, and notes on the list's case which row became which handover.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflows.cases.starting import Started, begin_case, require_starter
from workflows.errors import Conflict, NotFound
from workflows.people.access import Actor, case_for
from workflows.store.cases import RUNNING, Case
from workflows.store.cohort import entry_of_row
from workflows.store.history import HistoryEvent, record

LIST_PROCESS = "annual_named_list"
LIST_FORM = "annual_named_list.schema.json"
HANDOVER_PROCESS = "handover_school_end"
STARTED_FROM_ROW = "handover.started_from_list"


@dataclass(frozen=True)
class ListRow:
    index: int
    person: dict
    handover_case_id: int | None
    handover_case_number: str | None


def list_rows(db, actor: Actor, case_id: int) -> list[ListRow]:
    """The persons of a delivered named list, each with the handover started from it (if any)."""
    with db.transaction(read_only=True) as session:
        case = case_for(session, actor, case_id)
        if case.process_key != LIST_PROCESS:
            return []
        persons = delivered_persons(session, case.id)
        started = _started_rows(session, case.id)
        numbers = dict(session.execute(select(Case.id, Case.case_number).where(Case.id.in_(started.values()))).all())
        return [ListRow(i, p, started.get(i), numbers.get(started.get(i))) for i, p in enumerate(persons)]


def start_handover_from_row(db, clock, actor: Actor, list_case_id: int, row: int) -> Started:
    with db.transaction() as session:
        list_case = case_for(session, actor, list_case_id)
        persons = delivered_persons(session, list_case.id) if list_case.process_key == LIST_PROCESS else []
        if not 0 <= row < len(persons):
            raise NotFound("Diese Zeile gibt es in der Liste nicht.")
        if row in _started_rows(session, list_case.id):
            raise Conflict("Für diese Person wurde bereits eine Übergabe begonnen.")
        entry = entry_of_row(session, list_case.id, row)
        running = session.get(Case, entry.handover_case_id) if entry and entry.handover_case_id else None
        if running is not None and running.status == RUNNING:
            raise Conflict(f"Für diese Person läuft bereits die Übergabe {running.case_number}.")
        agreement, definition = require_starter(session, actor, HANDOVER_PROCESS, list_case.agreement_id)
        case, created = begin_case(session, clock, agreement, definition, actor.user_id, _prepare_data(persons[row]))
        for task in created:
            task.assignee_id = actor.user_id
        if entry is not None:
            entry.handover_case_id = case.id  # the cohort follows this handover from now on
        record(session, clock.now(), STARTED_FROM_ROW, case_id=list_case.id, actor_id=actor.user_id,
               row=row, handover_case_id=case.id, handover_case_number=case.case_number)
        record(session, clock.now(), "case.started_from_list", case_id=case.id, actor_id=actor.user_id,
               list_case_number=list_case.case_number)
        return Started(case.id, case.case_number, created[0].id if created else None)


def _prepare_data(person: dict) -> dict:
    """The handover form's fields that a named-list row already answers."""
    data = {"person": {k: person[k] for k in ("last_name", "first_name", "birth_date", "habitual_residence")
                       if person.get(k)}}
    if person.get("school"):
        data["school"] = person["school"]
    if person.get("expected_school_end"):
        data["expected_school_end"] = person["expected_school_end"]
    return data


def delivered_persons(session, case_id: int) -> list[dict]:
    event = session.scalar(
        select(HistoryEvent).where(HistoryEvent.case_id == case_id, HistoryEvent.kind == "task.completed",
                                 HistoryEvent.form_name == LIST_FORM).order_by(HistoryEvent.id.desc()).limit(1))
    return list((event.details.get("data") or {}).get("persons") or []) if event else []


def _started_rows(session, case_id: int) -> dict[int, int]:
    events = session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == case_id,
                                                      HistoryEvent.kind == STARTED_FROM_ROW))
    return {e.details["row"]: e.details["handover_case_id"] for e in events}
