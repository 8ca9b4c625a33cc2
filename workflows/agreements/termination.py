"""Kündigung (§ 12): what a recorded receipt does to the agreement, a withdrawal, the end.

The notice is a case of the ``termination`` process; its steps change the agreement through
task effects (workflows/agreements/effects.py). The end date follows from the day the other
partner received the signed letter (``termination_end_date``), never from the sending.
The agreement is in force through its end date; from the next day the worker marks it
``ended`` and no case can be started under it.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import select

from workflows.clock import berlin_date
from workflows.errors import ValidationFailed
from workflows.legal_dates import TerminationDates, earliest_termination, termination_end_date
from workflows.processes.diagram_functions import at_day_start
from workflows.store.cases import Case
from workflows.store.history import record
from workflows.store.organisation import ACTIVE, ENDED, TERMINATED, Agreement, status_label

log = logging.getLogger(__name__)
RECEIVED_FIELD = "received_on"
PROCESS = "termination"


def refusal_to_start(agreement: Agreement, process_key: str) -> str | None:
    """A Kündigung starts only under an agreement in force and not yet terminated."""
    if process_key == PROCESS and agreement.status != ACTIVE:
        return f"Die Vereinbarung ist bereits {status_label(agreement)}; eine weitere Kündigung ist nicht möglich."
    return None


def preview(today: date) -> TerminationDates:
    """What the prepare page shows: the end if the notice reached the other partner today."""
    return earliest_termination(today)


def terminate(session, clock, case: Case, data: dict) -> dict:
    """The receipt is recorded: the agreement is terminated as of the end date it fixes."""
    received = date.fromisoformat(data[RECEIVED_FIELD])
    today = clock.today()
    if received > today:
        raise ValidationFailed({RECEIVED_FIELD: "Das Eingangsdatum darf nicht in der Zukunft liegen."})
    if received < berlin_date(case.created_at):
        raise ValidationFailed({RECEIVED_FIELD: "Das Schreiben kann nicht vor Beginn dieser Kündigung eingegangen sein."})
    agreement = session.get(Agreement, case.agreement_id)
    if agreement.status != ACTIVE:
        raise ValidationFailed({RECEIVED_FIELD: "Die Vereinbarung ist bereits gekündigt oder beendet."})
    dates = termination_end_date(received)
    agreement.status, agreement.ends_on, agreement.end_reason = TERMINATED, dates.ends_on, dates.reason
    record(session, clock.now(), "agreement.terminated", case_id=case.id, ends_on=dates.ends_on.isoformat(),
           received_on=received.isoformat())
    return {"end_date": dates.ends_on.isoformat(), "end_reason": dates.reason,
            "end_timer": at_day_start(dates.ends_on + timedelta(days=1))}


def withdraw(session, clock, case: Case, data: dict) -> dict:
    """The other partner consents to the withdrawal: the agreement is in force again."""
    if data.get("consent") != "yes":
        return {}
    agreement = session.get(Agreement, case.agreement_id)
    if agreement.status != TERMINATED or agreement.ends_on < clock.today():
        raise ValidationFailed({"consent": "Die Vereinbarung ist bereits beendet; die Kündigung kann nicht "
                                           "mehr zurückgenommen werden."})
    agreement.status, agreement.ends_on, agreement.end_reason = ACTIVE, None, None
    record(session, clock.now(), "agreement.termination_withdrawn", case_id=case.id)
    return {}


def end_terminated_agreements(db, clock) -> list[str]:
    """The worker's step: a terminated agreement whose end date has passed is ended."""
    with db.transaction() as session:
        rows = list(session.scalars(select(Agreement).where(
            Agreement.status == TERMINATED, Agreement.ends_on < clock.today())))
        for row in rows:
            row.status = ENDED
            record(session, clock.now(), "agreement.ended", agreement_id=row.id, ends_on=row.ends_on.isoformat())
            log.info("agreement %s ended with %s", row.id, row.ends_on)
        return [row.id for row in rows]
