"""The worker's rounds: wake the cases whose timers are due, open the year's annual cases.

Due cases are found through the indexed ``cases.next_timer_due`` column, so a sweep costs
O(due), not O(cases). Each case is woken in its own transaction under a row lock (SKIP
LOCKED on PostgreSQL: a second worker takes the next case instead of waiting) and only if it
is still due once locked, so a timer fires exactly once however many workers run.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from workflows.agreements.termination import end_terminated_agreements
from workflows.agreements.versions import activate_due_versions
from workflows.annual.requests import open_annual_cases
from workflows.bodies.conferences import open_conference_cases
from workflows.cases.instances import load_workflow, save_workflow
from workflows.cases.retention import delete_expired
from workflows.cases.school_end import warn_school_ends
from workflows.engine import runtime
from workflows.mail.digest import send_digests
from workflows.mail.sending import send_due
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition

log = logging.getLogger(__name__)
BATCH = 100
# A case whose timer is due but did not fire is looked at again after this pause.
STUCK_RETRY = timedelta(minutes=5)


@dataclass
class Round:
    timers_fired: int = 0
    annual_opened: list = field(default_factory=list)
    conferences_opened: list = field(default_factory=list)
    mails_sent: int = 0
    mails_failed: int = 0
    personal_data_deleted: int = 0  # cases whose retention period ended
    school_ends_warned: int = 0  # handovers whose takeover is still open weeks before the school ends


def _is_running():
    """``status = 'running'`` as a filter that cannot choose the index.

    Without ANALYZE statistics SQLite prefers ``ix_cases_status`` for an equality, walks every
    running case, reads each row past its state blob to get ``next_timer_due`` and sorts them:
    O(running cases) per query. The timer index must drive the worker's queries (see
    bench/timers_sweep.py); ``status || ''`` keeps the status test a check on the rows found.
    """
    return Case.status.concat("") == RUNNING


def due_case_ids(session, now: datetime, limit: int = BATCH) -> list[int]:
    query = (
        select(Case.id)
        .where(Case.next_timer_due < now, _is_running())
        .order_by(Case.next_timer_due)
        .limit(limit)
    )
    return list(session.scalars(query))


def wake_case(db, clock, case_id: int) -> bool:
    """Fire the due timers of one case; False when it was no longer due or another worker has it."""
    with db.transaction() as session:
        case = db.claim(session, Case, case_id)
        now = clock.now()
        if case is None or case.status != RUNNING or case.next_timer_due is None or case.next_timer_due >= now:
            return False
        definition = session.get(ProcessDefinition, case.definition_id)
        workflow = load_workflow(session, case, clock)
        notices = runtime.fire_timers(workflow, clock)
        save_workflow(session, case, definition, workflow, now, None, notices)
        if case.next_timer_due is not None and case.next_timer_due < now:
            log.warning("case %s: timer due at %s did not fire; retrying later", case.id, case.next_timer_due)
            case.next_timer_due = now + STUCK_RETRY
        return True


def sweep_timers(db, clock) -> int:
    fired = 0
    while True:
        with db.transaction() as session:
            ids = due_case_ids(session, clock.now())
        woken = sum(1 for case_id in ids if wake_case(db, clock, case_id))
        fired += woken
        if len(ids) < BATCH or woken == 0:
            return fired


def run_once(db, clock, transport=None, documents_dir=None) -> Round:
    """One round of all the worker's work; mails are sent only when a transport is given,
    personal data past retention deleted only when the documents' directory is given (the
    worker always gives it: the files go with the rows)."""
    result = Round()
    activate_due_versions(db, clock)  # first: this round already reads the version in effect
    end_terminated_agreements(db, clock)
    result.annual_opened = open_annual_cases(db, clock)
    result.conferences_opened = open_conference_cases(db, clock)
    result.timers_fired = sweep_timers(db, clock)
    result.school_ends_warned = warn_school_ends(db, clock)
    send_digests(db, clock)
    if transport is not None:
        sent = send_due(db, clock, transport)
        result.mails_sent, result.mails_failed = sent.sent, sent.failed
    if documents_dir is not None:
        result.personal_data_deleted = delete_expired(db, clock, documents_dir)
    return result


def seconds_until_next_timer(db, clock, cap: float) -> float:
    with db.transaction() as session:
        due = session.scalar(select(Case.next_timer_due).where(_is_running(), Case.next_timer_due.is_not(None))
                             .order_by(Case.next_timer_due).limit(1))
    if due is None:
        return cap
    return max(0.0, min(cap, (due - clock.now()).total_seconds() + 0.001))


def run_forever(db, clock, stop: threading.Event, max_sleep: float = 30.0, transport=None,
                documents_dir=None) -> None:
    """Rounds until ``stop`` is set; sleeps until the next timer is due (at most ``max_sleep``,
    so timers and years created meanwhile by web processes are noticed)."""
    while not stop.is_set():
        try:
            result = run_once(db, clock, transport, documents_dir)
            if (result.timers_fired or result.annual_opened or result.conferences_opened or result.mails_sent
                    or result.mails_failed or result.personal_data_deleted):
                log.info("worker round: %s timers fired, %s annual cases and %s meetings opened, %s mails sent, "
                         "%s failed, %s cases past retention", result.timers_fired, len(result.annual_opened),
                         len(result.conferences_opened), result.mails_sent, result.mails_failed,
                         result.personal_data_deleted)
        except Exception:  # a failing round must not stop the worker; the next one retries
            log.exception("worker round failed")
        stop.wait(seconds_until_next_timer(db, clock, max_sleep))
