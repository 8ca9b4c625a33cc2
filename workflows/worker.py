"""The worker's rounds: wake the cases whose timers are due, open the year's annual cases.

Due cases are found through the indexed ``cases.next_timer_due`` column, so a sweep costs
O(due), not O(cases). Each case is woken in its own transaction under a row lock (SKIP
LOCKED on PostgreSQL: a second worker takes the next case instead of waiting) and only if it
is still due once locked, so a timer fires exactly once however many workers run.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from workflows.agreements.termination import end_terminated_agreements
from workflows.agreements.versions import activate_due_versions
from workflows.annual.cohort_milestones import chase_milestones
from workflows.annual.requests import open_annual_cases
from workflows.bodies.conferences import open_conference_cases
from workflows.cases.instances import load_workflow, save_workflow
from workflows.cases.reminders import chase_tasks
from workflows.cases.retention import delete_expired
from workflows.cases.school_end import warn_school_ends
from workflows.engine import runtime
from workflows.errors import known_cause
from workflows.mail.clock_skew import times_ahead
from workflows.mail.digest import send_digests
from workflows.mail.expiry import expire_sent_mails
from workflows.mail.sending import send_due
from workflows.processes.proposals import activate_due_process_versions
from workflows.store import incidents
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.outbox import next_mail_due
from workflows.store.worker_rounds import note_round

log = logging.getLogger(__name__)
round_log = logging.getLogger("workflows.worker.round")  # one line per round, JSON if KOOPFLOW_LOG_FORMAT=json
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
    mails_more_due: bool = False  # the round's sending time ran out before the outbox was empty
    personal_data_deleted: int = 0  # cases whose retention period ended
    duration: float = 0.0  # seconds
    incidents_open: int = 0  # after the round, all kinds
    school_ends_warned: int = 0  # handovers whose takeover is still open weeks before the school ends
    tasks_chased: int = 0  # reminders and escalations of waiting tasks sent
    milestones_chased: int = 0  # reminders and escalations of missed § 8 b cohort milestones sent


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
    """Fire the due timers of one case; False when it was no longer due, another worker has it,
    or it failed (then an incident holds the case back until its next attempt)."""
    subject = timer_subject(case_id)
    with incidents.boundary(db, clock, incidents.TIMER, subject, case_id=case_id,
                            on_failure=_hold_back(case_id)):
        with db.transaction() as session:
            case, incident_id = _claim_with_incident(db, session, case_id, subject)
            now = clock.now()
            if case is None or case.status != RUNNING or case.next_timer_due is None or case.next_timer_due >= now:
                return False
            if case.suspended_at is not None:
                case.next_timer_due = None  # suspended: no timers until it is resumed
                return False
            waiting = session.get(incidents.Incident, incident_id) if incident_id is not None else None
            if waiting is not None and (waiting.gave_up or (waiting.next_attempt_at and waiting.next_attempt_at > now)):
                case.next_timer_due = None if waiting.gave_up else waiting.next_attempt_at
                return False  # changed by a command since it failed: still not before its next attempt
            # its forms only for a declined or withdrawn end's reason (read then): not parsed on every wake
            definition = session.get(ProcessDefinition, case.definition_id, options=[defer(ProcessDefinition.forms)])
            workflow = load_workflow(session, case, clock)
            notices = runtime.fire_timers(workflow, clock)
            # What saving reads (role units, members, open task rows, agreement, cohort) is not what it
            # writes (case, history, mails, closed rows): one flush at its end instead of one before
            # each read; a new task's row is still flushed when it is created, the case's version
            # checked in the final flush.
            with session.no_autoflush:
                save_workflow(session, case, definition, workflow, now, None, notices)
            if case.next_timer_due is not None and case.next_timer_due < now:
                log.warning("case %s: timer due at %s did not fire; retrying later", case.id, case.next_timer_due)
                case.next_timer_due = now + STUCK_RETRY
            if waiting is not None:
                incidents.resolve_open(session, subject, now)
            return True
    return False  # failed: recorded in ``outcome``'s incident


def _claim_statement():
    incident = incidents.Incident
    open_incident = (select(incident.id).where(incident.subject == bindparam("subject"),
                                               incident.status == incidents.OPEN)
                     .order_by(incident.id.desc()).limit(1).scalar_subquery())
    return select(Case, open_incident).where(Case.id == bindparam("case_id"))


# built once (building it costs about as much as running it): SQLite's, and the locking one
_CLAIM = _claim_statement()
_CLAIM_LOCKED = _CLAIM.with_for_update(skip_locked=True, of=Case)  # as db.claim: only the case row


def _claim_with_incident(db, session, case_id: int, subject: str) -> tuple[Case | None, int | None]:
    """The case, locked as ``db.claim`` locks it, and the id of its open timer incident (the
    newest, as ``incidents.open_incident`` finds it), read in one statement: almost every wake
    has none, and a second query per case is a good part of what a wake costs beyond the engine."""
    row = session.execute(_CLAIM if db.is_sqlite else _CLAIM_LOCKED, {"case_id": case_id, "subject": subject}).first()
    return (None, None) if row is None else (row[0], row[1])


def timer_subject(case_id: int) -> str:
    return f"{incidents.TIMER}:{case_id}"


def _hold_back(case_id: int):
    """After a failure the case's timers wait for the incident's next attempt (none when given up)."""
    def hold(session, incident) -> None:
        session.execute(update(Case).where(Case.id == case_id)
                        .values(next_timer_due=None if incident.gave_up else incident.next_attempt_at)
                        .execution_options(synchronize_session=False))
    return hold


def sweep_timers(db, clock) -> int:
    """Wake each due case in its own transaction and error boundary: a case that fails becomes
    an incident and is not due again before its next attempt, so the sweep goes on and ends."""
    fired = 0
    while True:
        with db.transaction() as session:
            ids = due_case_ids(session, clock.now())
        woken = sum(1 for case_id in ids if wake_case(db, clock, case_id))
        fired += woken
        if len(ids) < BATCH or woken == 0:
            return fired


def run_once(db, clock, transport=None, documents_dir=None, stop=None, worker_name: str | None = None) -> Round:
    """One round of all the worker's work; mails are sent only when a transport is given,
    personal data past retention deleted only when the documents' directory is given (the
    worker always gives it: the files go with the rows). ``stop`` set: sending ends early.

    Each step runs in its own error boundary, and inside the steps each case, agreement and
    deletion in its own: what fails becomes an incident (workflows/store/incidents.py) and the
    round goes on. The round ends with one structured log line and its row in
    ``worker_rounds`` (what /healthz reads)."""
    started = time.monotonic()
    result = Round()

    with db.transaction() as session:
        waiting = incidents.open_subjects(session, clock.now())

    def step(name: str, work) -> None:
        incidents.run_unit(db, clock, incidents.ROUND_STEP, f"{incidents.ROUND_STEP}:{name}", waiting, work)

    def annual() -> None:
        result.annual_opened = open_annual_cases(db, clock)

    def conferences() -> None:
        result.conferences_opened = open_conference_cases(db, clock)

    def timers() -> None:
        result.timers_fired = sweep_timers(db, clock)

    def outbox() -> None:
        sent = send_due(db, clock, transport, stop=stop)
        result.mails_sent, result.mails_failed, result.mails_more_due = sent.sent, sent.failed, sent.more_due

    def school_ends() -> None:
        result.school_ends_warned = warn_school_ends(db, clock)

    def reminders() -> None:
        result.tasks_chased = chase_tasks(db, clock)

    def milestones() -> None:
        result.milestones_chased = chase_milestones(db, clock)

    def retention() -> None:
        result.personal_data_deleted = delete_expired(db, clock, documents_dir)

    step("versions", lambda: activate_due_versions(db, clock))  # first: this round reads the version in effect
    step("process versions", lambda: activate_due_process_versions(db, clock))  # agreed Fassungen on their date
    step("terminations", lambda: end_terminated_agreements(db, clock))
    step("annual", annual)
    step("meetings", conferences)
    step("timers", timers)
    step("school_ends", school_ends)
    step("reminders", reminders)  # after the timers: a task a timer just closed is not chased
    step("cohort milestones", milestones)
    step("digests", lambda: send_digests(db, clock))
    if transport is not None:
        step("outbox", outbox)
    step("sent mails", lambda: expire_sent_mails(db, clock))
    if documents_dir is not None:
        step("retention", retention)
    result.duration = time.monotonic() - started
    _note_round(db, clock, result, worker_name or default_worker_name())
    return result


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _note_round(db, clock, result: Round, worker_name: str) -> None:
    for attempt in (1, 2):
        try:
            with db.transaction() as session:
                result.incidents_open = incidents.count_open(session)
                note_round(session, worker_name, clock.now(), result.duration, timers_fired=result.timers_fired,
                           mails_sent=result.mails_sent, mails_failed=result.mails_failed)
            break
        except IntegrityError:  # a round of the same name wrote the first row meanwhile: add to it
            if attempt == 2:
                raise
    fields = {"event": "worker_round", "duration_ms": round(result.duration * 1000, 1),
              "timers_fired": result.timers_fired, "annual_opened": len(result.annual_opened),
              "meetings_opened": len(result.conferences_opened), "tasks_chased": result.tasks_chased,
              "mails_sent": result.mails_sent,
              "mails_failed": result.mails_failed, "personal_data_deleted": result.personal_data_deleted,
              "incidents_open": result.incidents_open}
    if os.environ.get("KOOPFLOW_LOG_FORMAT", "").lower() == "json":
        round_log.info(json.dumps(fields, sort_keys=True))
    else:
        round_log.info("worker round: " + " ".join(f"{key}={value}" for key, value in fields.items() if key != "event"))


def seconds_until_next_due(db, clock, cap: float, mails: bool = False) -> float:
    """Seconds until the next timer (and, with ``mails``, the next waiting mail) is due, at most ``cap``."""
    with db.transaction() as session:
        due = [session.scalar(select(Case.next_timer_due).where(_is_running(), Case.next_timer_due.is_not(None))
                              .order_by(Case.next_timer_due).limit(1))]
        if mails:
            due.append(next_mail_due(session))
    due = [moment for moment in due if moment is not None]
    if not due:
        return cap
    return max(0.0, min(cap, (min(due) - clock.now()).total_seconds() + 0.001))


SKEW_CHECK = timedelta(hours=1)


def warn_about_times_ahead(db, clock) -> list:
    """Log a warning for stored times far in the future of this clock (see mail/clock_skew.py)."""
    found = times_ahead(db, clock)
    for item in found:
        log.warning("%s %s lie in the future of this clock (latest %s): a clock was ahead when they were written; "
                    "pending mails wait until then unless re-dated (koopflow mail redate)",
                    item.rows, item.what, item.latest.isoformat())
    return found


def failure_pause(failures: int, cap: float) -> float:
    """After the n-th failed round in a row: 1, 2, 4 … seconds, at most ``cap``."""
    return min(cap, 2.0 ** min(failures - 1, 10))


def run_forever(db, clock, stop: threading.Event, max_sleep: float = 30.0, transport=None,
                documents_dir=None) -> None:
    """Rounds until ``stop`` is set; sleeps until the next timer or mail is due (at most
    ``max_sleep``, so timers and years created meanwhile by web processes are noticed), not
    at all while the outbox holds more than a round could send.

    Nothing that goes wrong in a round or while computing the pause ends the loop: a database
    that is down, restarting or locked makes the round fail; the worker logs the cause, waits
    1, 2, 4 … seconds (at most ``max_sleep``) and tries again until the database answers."""
    failures, skew_checked = 0, None
    while not stop.is_set():
        try:
            if skew_checked is None or clock.now() - skew_checked > SKEW_CHECK or clock.now() < skew_checked:
                skew_checked = clock.now()
                warn_about_times_ahead(db, clock)
            result = run_once(db, clock, transport, documents_dir, stop)  # logs its own line
            pause = 0.0 if result.mails_more_due else seconds_until_next_due(db, clock, max_sleep,
                                                                             mails=transport is not None)
            if failures:
                log.info("worker: the round succeeded again after %s failed rounds", failures)
            failures = 0
        except Exception as exc:  # a failing round must not stop the worker; the next one retries
            failures += 1
            pause = failure_pause(failures, max_sleep)
            cause = known_cause(exc) or type(exc).__name__
            if failures == 1:
                log.exception("worker round failed (%s); next try in %.0f s", cause, pause)
            else:
                log.warning("worker round failed again (%s, %s in a row); next try in %.0f s", cause, failures, pause)
        stop.wait(pause)
