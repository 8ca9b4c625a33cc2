"""Commands on incidents (Störungen): list, show, retry, resolve, skip a failing timer — for
administrators.

The incidents themselves are written where a unit of work fails (``store/incidents.py``).
Every command here is one transaction and appends its entry to the audit log (Protokoll),
by the administrator on a page or, with ``actor=None``, by the operator on the shell.
Cancelling the case of an incident is the case's own command (its page), not this module's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import InterfaceError, OperationalError

from workflows.cases.administration import required_reason
from workflows.cases.instances import load_workflow, save_workflow
from workflows.engine.changes import CannotChange, skip_due_timers
from workflows.errors import Conflict, NotFound
from workflows.people.access import Actor, require_admin
from workflows.store import incidents
from workflows.store.audit_log import append
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.history import record
from workflows.store.incidents import Incident
from workflows.store.users import User

NOT_FOUND = "Diese Störung gibt es nicht."
ALREADY_CLOSED = "Diese Störung ist bereits erledigt."
RETRIED, RESOLVED_KIND, SKIPPED = "incident.retried", "incident.resolved", "incident.skipped"
TIMER_SKIPPED = "case.timer_skipped"  # the case's history entry
DUE_AGO = timedelta(seconds=1)  # a case made due "now" is due by the clock that reads it next
AUDIT_LABELS = {RETRIED: "Störung: erneuter Versuch angestoßen", RESOLVED_KIND: "Störung als erledigt markiert",
                SKIPPED: "Störung: fälliger Zeitgeber übersprungen"}
NOT_A_TIMER = "Nur bei der Störung eines Zeitgebers kann ein fälliger Zeitgeber übersprungen werden."
CASE_NOT_RUNNING = ("Der Vorgang dieser Störung läuft nicht mehr; es gibt keinen Zeitgeber zu überspringen. "
                    "Markieren Sie die Störung als erledigt.")
UNLOADABLE = ("Der gespeicherte Zustand des Vorgangs lässt sich nicht laden, darum kann kein Zeitgeber "
              "übersprungen werden. Brechen Sie den Vorgang ab, oder setzen Sie ihn unter „Vorgang verwalten“ "
              "auf einen früheren Schritt zurück, sobald sein Zustand wiederhergestellt ist.")


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    case_number: str | None
    resolved_by: str | None = None  # username


def _require(actor: Actor | None) -> None:
    if actor is not None:
        require_admin(actor)


def list_incidents(db, actor: Actor | None, status: str | None = incidents.OPEN) -> list[IncidentRow]:
    _require(actor)
    with db.transaction() as session:
        rows = incidents.listing(session, status)
        numbers = _case_numbers(session, {r.case_id for r in rows if r.case_id})
        return [IncidentRow(r, numbers.get(r.case_id)) for r in rows]


def show_incident(db, actor: Actor | None, incident_id: int) -> IncidentRow:
    _require(actor)
    with db.transaction() as session:
        incident = _get(session, incident_id)
        number = _case_numbers(session, {incident.case_id}).get(incident.case_id) if incident.case_id else None
        user = session.get(User, incident.resolved_by_id) if incident.resolved_by_id else None
        return IncidentRow(incident, number, user.username if user else None)


def retry_incident(db, clock, actor: Actor | None, incident_id: int) -> IncidentRow:
    """Try the unit again at the next round (at once: the caller may run the unit itself).
    It gets automatic attempts again; a timer's case is due again now."""
    _require(actor)
    with db.transaction() as session:
        incident = _open(session, incident_id)
        now = clock.now()
        incident.gave_up, incident.next_attempt_at = False, now
        _make_due(session, incident, now)
        _audit(session, now, RETRIED, actor, incident)
        number = _case_numbers(session, {incident.case_id}).get(incident.case_id) if incident.case_id else None
        return IncidentRow(incident, number)


def resolve_incident(db, clock, actor: Actor | None, incident_id: int) -> IncidentRow:
    """The administrator has dealt with the cause otherwise: close it. A timer's case is
    looked at again by the next round (its timers as the diagram has them)."""
    _require(actor)
    with db.transaction() as session:
        incident = _open(session, incident_id)
        now = clock.now()
        incident.status, incident.resolved_at, incident.resolution = incidents.RESOLVED, now, "resolved"
        incident.resolved_by_id = actor.user_id if actor else None
        _make_due(session, incident, now)
        _audit(session, now, RESOLVED_KIND, actor, incident)
        number = _case_numbers(session, {incident.case_id}).get(incident.case_id) if incident.case_id else None
        return IncidentRow(incident, number)


@dataclass(frozen=True)
class Skipped:
    row: IncidentRow
    timers: list[str]  # names of the skipped timer events


def skip_timer(db, clock, actor: Actor | None, incident_id: int, reason: str) -> Skipped:
    """Skip the due timer(s) of a timer incident's case that keep failing: a reminder or
    escalation on a step is dropped (the step stays open), the case goes on without it, and the
    incident is closed as "skipped". Refused (Conflict, German) when a due timer is the case's
    way forward or the case's state cannot be loaded; ValidationFailed without a reason.
    History (who, why, which timers) and audit log in the same transaction."""
    _require(actor)
    reason = required_reason(reason)
    with db.transaction() as session:
        incident = _open(session, incident_id)
        if incident.kind != incidents.TIMER or incident.case_id is None:
            raise Conflict(NOT_A_TIMER)
        case = db.claim(session, Case, incident.case_id)
        if case is None or case.status != RUNNING or not case.state:
            raise Conflict(CASE_NOT_RUNNING)
        now = clock.now()
        try:
            workflow = load_workflow(session, case, clock)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:  # a damaged or foreign state: whatever the deserializer raises
            raise Conflict(UNLOADABLE) from exc
        try:
            names = skip_due_timers(workflow, now)
        except CannotChange as exc:
            raise Conflict(exc.reason) from exc
        actor_id = actor.user_id if actor else None
        save_workflow(session, case, session.get(ProcessDefinition, case.definition_id), workflow, now, actor_id)
        incident.status, incident.resolved_at, incident.resolution = incidents.RESOLVED, now, "skipped"
        incident.resolved_by_id = actor_id
        record(session, now, TIMER_SKIPPED, case_id=case.id, actor_id=actor_id, reason=reason, step=", ".join(names))
        _audit(session, now, SKIPPED, actor, incident)
        return Skipped(IncidentRow(incident, case.case_number), names)


def _make_due(session, incident: Incident, now) -> None:
    if incident.kind == incidents.TIMER and incident.case_id is not None:
        session.execute(update(Case).where(Case.id == incident.case_id, Case.status == RUNNING)
                        .values(next_timer_due=now - DUE_AGO).execution_options(synchronize_session=False))


def _audit(session, now, kind: str, actor: Actor | None, incident: Incident) -> None:
    number = _case_numbers(session, {incident.case_id}).get(incident.case_id) if incident.case_id else None
    append(session, now, kind, actor_id=actor.user_id if actor else None, case_id=incident.case_id,
           case_number=number, target=f"Störung {incident.id}" + ("" if actor else " (Kommandozeile)"))


def _get(session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(NOT_FOUND)
    return incident


def _open(session, incident_id: int) -> Incident:
    incident = _get(session, incident_id)
    if incident.status != incidents.OPEN:
        raise Conflict(ALREADY_CLOSED)
    return incident


def _case_numbers(session, case_ids: set[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    return dict(session.execute(select(Case.id, Case.case_number).where(Case.id.in_(sorted(case_ids)))).all())


def open_count(db, actor: Actor | None) -> int:
    """Open incidents, for the administrator's start page (0 for everyone else)."""
    if actor is not None and not actor.is_admin:
        return 0
    with db.transaction() as session:
        return incidents.count_open(session)
