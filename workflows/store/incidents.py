"""Incidents (Störungen): one unit of work that failed, what failed, and when it is tried again.

A unit is one case's timers, one agreement's annual openings or meetings, one retention
deletion, one step of the worker's round, one task completion (and, from the outbox, one
mail). Each runs inside ``boundary``: when it raises, its own transaction is rolled back, an
incident row is written in a fresh one and the caller goes on with the next unit. The row
keeps the kind, the case or object, the BPMN element, the exception's class and a message
made of fixed words only (an exception's text may quote entered data, so it is never kept),
how often it failed and when it is tried next. After ``MAX_ATTEMPTS`` failures it gets no
more automatic attempts (``gave_up``; the case shows as "gestört") until an administrator
retries it. The next successful run of the same unit resolves it.

Other modules record through ``record_incident(session, ...)`` (inside their own transaction)
or run a unit inside ``boundary(db, clock, ...)``.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import Boolean, ForeignKey, Integer, String, func, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

log = logging.getLogger(__name__)

OPEN, RESOLVED = "open", "resolved"
# kinds: what failed. The runbook (docs/operations.md) says what to do about each.
TIMER = "timer"                      # firing one case's due timers
ANNUAL_OPENING = "annual_opening"    # opening one agreement's annual requests (§ 8 b–d, § 9)
MEETING_OPENING = "meeting_opening"  # opening one agreement's meetings (conferences)
RETENTION = "retention"              # deleting one case's personal data after its keeping period
ROUND_STEP = "round_step"            # one step of the worker's round (versions, digests, outbox …)
TASK_COMPLETION = "task_completion"  # the engine steps after a completed task raised
MAIL = "mail"                        # sending one mail of the outbox
REQUEST = "request"                  # a page or API request failed with an error no rule foresaw
DIAGRAM_VERSION = "diagram_version"  # a diagram version running cases use fails today's checks
TASK_REMINDER = "task_reminder"      # reminding or escalating one waiting task
COHORT_MILESTONE = "cohort_milestone"  # chasing the missed milestones of one § 8 b cohort person
KIND_LABELS = {
    TIMER: "Zeitgeber", ANNUAL_OPENING: "Jahresabfragen eröffnen", MEETING_OPENING: "Sitzungen eröffnen",
    RETENTION: "Löschfrist", ROUND_STEP: "Arbeitsschritt des Hintergrunddienstes",
    TASK_COMPLETION: "Aufgabe abschließen", MAIL: "Mailversand", REQUEST: "Anfrage",
    DIAGRAM_VERSION: "Diagrammfassung laufender Vorgänge", TASK_REMINDER: "Erinnerung an eine Aufgabe",
    COHORT_MILESTONE: "Meilenstein der Schulabgänger-Kohorte",
}
MESSAGES = {
    TIMER: "Die fälligen Zeitgeber des Vorgangs konnten nicht ausgelöst werden.",
    ANNUAL_OPENING: "Die Jahresabfragen der Vereinbarung konnten nicht eröffnet werden.",
    MEETING_OPENING: "Die Sitzungen der Vereinbarung konnten nicht eröffnet werden.",
    RETENTION: "Die personenbezogenen Daten des Vorgangs konnten nicht gelöscht werden.",
    ROUND_STEP: "Ein Arbeitsschritt des Hintergrunddienstes ist fehlgeschlagen.",
    TASK_COMPLETION: "Die Schritte nach der erledigten Aufgabe konnten nicht ausgeführt werden; "
                     "die Eingaben wurden nicht gespeichert.",
    MAIL: "Die Mail konnte nicht versandt werden.",
    REQUEST: "Eine Anfrage ist mit einem unerwarteten Fehler abgebrochen; nichts wurde gespeichert.",
    DIAGRAM_VERSION: "Eine Diagrammfassung, die laufende Vorgänge nutzen, besteht die heutigen Prüfungen "
                     "nicht; ihre Vorgänge können nicht weiterlaufen, bis sie migriert werden.",
    TASK_REMINDER: "Die Erinnerung oder Eskalation einer wartenden Aufgabe konnte nicht versandt werden.",
    COHORT_MILESTONE: "Die Erinnerung oder Eskalation eines versäumten Meilensteins der Schulabgänger-Kohorte "
                      "konnte nicht versandt werden.",
}
RESOLUTION_LABELS = {"succeeded": "beim nächsten Versuch gelungen", "resolved": "als erledigt markiert",
                     "skipped": "übersprungen", "cancelled": "Vorgang abgebrochen"}

MAX_ATTEMPTS = 5
FIRST_PAUSE = timedelta(minutes=5)
LONGEST_PAUSE = timedelta(hours=6)
# Not a unit's fault: the database itself is gone or locked. The round fails as a whole and the
# worker's outer loop deals with it (no incident against an innocent case).
NOT_THE_UNITS_FAULT = (OperationalError, InterfaceError)


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    # what failed, as one key per unit: "timer:17", "annual_opening:lwv-gi", "mail:88" …
    subject: Mapped[str] = mapped_column(String(200), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    element: Mapped[str | None] = mapped_column(String(200))  # BPMN element id, when known
    status: Mapped[str] = mapped_column(String(20), index=True)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)
    exception_class: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    gave_up: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(20))

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def pause_after(attempts: int) -> timedelta:
    """5 min, 10 min, 20 min … at most 6 h between attempts."""
    return min(LONGEST_PAUSE, FIRST_PAUSE * (2 ** max(0, attempts - 1)))


def exception_class(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def element_of(exc: BaseException) -> str | None:
    """The BPMN element an engine error names (SpiffWorkflow's WorkflowTaskException), if any."""
    for candidate in (exc, exc.__cause__, exc.__context__):
        spec = getattr(candidate, "task_spec", None)
        if spec is not None:
            return str(getattr(spec, "bpmn_id", None) or getattr(spec, "name", ""))[:200] or None
    return None


def open_incident(session: Session, subject: str) -> Incident | None:
    return session.scalar(select(Incident).where(Incident.subject == subject, Incident.status == OPEN)
                          .order_by(Incident.id.desc()).limit(1))


def record_incident(session: Session, now: datetime, kind: str, subject: str, exc: BaseException, *,
                    case_id: int | None = None, element: str | None = None, message: str | None = None,
                    max_attempts: int = MAX_ATTEMPTS) -> Incident:
    """Count one more failure of ``subject`` (a new incident, or the open one again).

    ``message`` must be fixed words without personal data; by default the kind's message. The
    exception's own text is never stored."""
    incident = open_incident(session, subject)
    if incident is None:
        incident = Incident(kind=kind, subject=subject, case_id=case_id, status=OPEN, first_at=now, attempts=0,
                            gave_up=False)
        session.add(incident)
    incident.last_at = now
    incident.exception_class = exception_class(exc)[:200]
    incident.message = (message or MESSAGES.get(kind, MESSAGES[ROUND_STEP]))[:500]
    incident.element = element or element_of(exc) or incident.element
    incident.attempts += 1
    incident.gave_up = incident.attempts >= max_attempts
    incident.next_attempt_at = None if incident.gave_up else now + pause_after(incident.attempts)
    session.flush()
    return incident


def resolve_case(session: Session, case_id: int, now: datetime, resolution: str = "cancelled",
                 actor_id: int | None = None) -> int:
    """Close every open incident of the case (it was cancelled: nothing is left to retry)."""
    result = session.execute(update(Incident).where(Incident.case_id == case_id, Incident.status == OPEN)
                             .values(status=RESOLVED, resolved_at=now, resolution=resolution,
                                     resolved_by_id=actor_id))
    return result.rowcount or 0


def resolve_open(session: Session, subject: str, now: datetime, resolution: str = "succeeded",
                 actor_id: int | None = None) -> int:
    """Close the open incident of ``subject`` (its unit ran through); returns how many were open."""
    result = session.execute(update(Incident).where(Incident.subject == subject, Incident.status == OPEN)
                             .values(status=RESOLVED, resolved_at=now, resolution=resolution,
                                     resolved_by_id=actor_id))
    return result.rowcount or 0


def open_subjects(session: Session, now: datetime, kind: str | None = None) -> dict[str, bool]:
    """Subjects with an open incident, each with whether it must not be tried now (given up,
    or waiting for its next attempt)."""
    query = select(Incident.subject, Incident.gave_up, Incident.next_attempt_at).where(Incident.status == OPEN)
    if kind is not None:
        query = query.where(Incident.kind == kind)
    return {subject: bool(gave_up or (next_at is not None and next_at > now))
            for subject, gave_up, next_at in session.execute(query)}


def count_open(session: Session) -> int:
    return session.scalar(select(func.count(Incident.id)).where(Incident.status == OPEN)) or 0


def disturbed_case_ids(session: Session, case_ids) -> set[int]:
    """Of ``case_ids``, those with an open incident that gets no more automatic attempts ("gestört")."""
    ids = list(case_ids)
    if not ids:
        return set()
    return set(session.scalars(select(Incident.case_id).where(
        Incident.case_id.in_(ids), Incident.status == OPEN, Incident.gave_up.is_(True))))


def open_of_case(session: Session, case_id: int) -> list[Incident]:
    return list(session.scalars(select(Incident).where(Incident.case_id == case_id, Incident.status == OPEN)
                                .order_by(Incident.id)))


def listing(session: Session, status: str | None = OPEN, limit: int = 200) -> list[Incident]:
    query = select(Incident).order_by(Incident.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Incident.status == status)
    return list(session.scalars(query))


@dataclass
class Outcome:
    """What a unit run inside ``boundary`` came to: ``incident_id`` is set when it failed."""

    incident_id: int | None = None
    gave_up: bool = False

    @property
    def failed(self) -> bool:
        return self.incident_id is not None


@contextmanager
def boundary(db, clock, kind: str, subject: str, *, case_id: int | None = None,
             on_failure=None) -> Iterator[Outcome]:
    """Run one unit; on an error, record an incident in a new transaction and swallow the error.

    ``on_failure(session, incident)`` may adjust other rows in that transaction (e.g. move the
    case's next timer to the next attempt). Database outages are not the unit's fault and go
    up to the caller unchanged."""
    outcome = Outcome()
    try:
        yield outcome
    except NOT_THE_UNITS_FAULT:
        raise
    except Exception as exc:  # the error boundary: this unit failed, the others go on
        with db.transaction() as session:
            incident = record_incident(session, clock.now(), kind, subject, exc, case_id=case_id)
            if on_failure is not None:
                on_failure(session, incident)
            outcome.incident_id, outcome.gave_up = incident.id, incident.gave_up
        log.warning("incident %s: %s %s failed with %s (attempt %s%s)", outcome.incident_id, kind, subject,
                    exception_class(exc), incident.attempts, ", no more automatic attempts" if outcome.gave_up else "")


def run_unit(db, clock, kind: str, subject: str, waiting: dict[str, bool], work, *,
             case_id: int | None = None) -> Outcome | None:
    """``work()`` inside ``boundary``, unless the subject waits for its next attempt (then None).
    ``waiting`` is ``open_subjects(...)`` read once per round; a subject that had an incident
    and now runs through has it resolved."""
    if waiting.get(subject):
        return None
    with boundary(db, clock, kind, subject, case_id=case_id) as outcome:
        work()
        if subject in waiting:
            with db.transaction() as session:
                resolve_open(session, subject, clock.now())
    return outcome
