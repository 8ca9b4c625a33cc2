"""Cancelling a running case (Vorgang abbrechen): a case started by mistake, or one that must
stop for a reason no diagram path covers.

``cancel_case`` is the one domain command for it, from the case page, the API or an
operator's incident page: it ends the instance with SpiffWorkflow's ``BpmnWorkflow.cancel()``
(every task and every waiting timer or message), closes the task rows (so the inboxes
empty), sets the status *Abgebrochen* and records who, when and why. The case stays readable.
``cancellation_preview`` says what would be closed, for the confirmation page.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.agreements.versions import data_of_case
from workflows.cases.instances import load_workflow, reading_workflow, save_workflow
from workflows.engine import runtime
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.people.access import CASE_NOT_FOUND, Actor, case_for
from workflows.store import incidents
from workflows.store.cases import CANCELLED, RUNNING, Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.history import record
from workflows.store.organisation import OrgUnit
from workflows.store.tasks import CANCELLED as CANCELLED_TASK
from workflows.store.tasks import HumanTask, open_tasks_of_case

REASON_MAX = 2000
NOT_ALLOWED = ("Einen Vorgang abbrechen kann nur die Leitung einer Gruppe eines Partners der "
               "Vereinbarung oder die Administration.")
NOT_RUNNING = "Dieser Vorgang läuft nicht mehr; er kann nicht abgebrochen werden."
REASON_MISSING = "Bitte geben Sie an, warum der Vorgang abgebrochen wird."
REASON_TOO_LONG = f"Der Grund darf höchstens {REASON_MAX} Zeichen lang sein."


@dataclass(frozen=True)
class CancellationPreview:
    case: Case
    open_tasks: list[HumanTask]  # the tasks that will be closed
    waiting: list[str]  # diagram elements still waiting (timers, messages), by bpmn id
    refusal: str | None = None  # why this actor cannot cancel it (the page says so, offers no form)


def may_cancel(session: Session, actor: Actor, case: Case) -> bool:
    """An administrator, or the lead of an org unit of one of the agreement's partners."""
    if actor.is_admin:
        return True
    if not actor.lead_org_unit_ids:
        return False
    partners = {p["id"] for p in data_of_case(session, case).get("partners", [])}
    agencies = set(session.scalars(select(OrgUnit.agency_id).where(OrgUnit.id.in_(sorted(actor.lead_org_unit_ids)))))
    return bool(partners & agencies)


def cancellation_preview(db, actor: Actor, case_id: int) -> CancellationPreview:
    """What cancelling would close; for a case the actor may see but not cancel, why not."""
    with db.transaction() as session:
        case = _visible(session, actor, case_id)
        refusal = NOT_ALLOWED if not may_cancel(session, actor, case) else NOT_RUNNING if case.status != RUNNING else None
        if refusal:
            return CancellationPreview(case, [], [], refusal)
        with reading_workflow(session, case) as workflow:
            open_work = runtime.open_work(workflow)
        open_tasks = open_tasks_of_case(session, case.id)
        ready = {t.bpmn_id for t in open_tasks}
        return CancellationPreview(case, open_tasks, [b for b in open_work if b not in ready])


def cancel_case(db, clock, actor: Actor, case_id: int, reason: str) -> Case:
    """Cancel the running case with ``reason``; one transaction. Raises ValidationFailed,
    Conflict (not running any more), Forbidden, NotFound (a case the actor may not see)."""
    reason = (reason or "").strip()
    with db.transaction() as session:
        case = _cancellable(session, actor, case_id)  # a foreign id is 404 whatever was sent
        if not reason:
            raise ValidationFailed({"reason": REASON_MISSING})
        if len(reason) > REASON_MAX:
            raise ValidationFailed({"reason": REASON_TOO_LONG})
        definition = session.get(ProcessDefinition, case.definition_id)
        now = clock.now()
        open_tasks = open_tasks_of_case(session, case.id)
        closed = [t.name for t in open_tasks]
        try:
            workflow = load_workflow(session, case, clock)
        except Exception:  # a broken case (its state cannot be loaded): what an incident may ask to cancel
            workflow = None
        case.status = CANCELLED
        case.completed_at = now
        if workflow is not None:
            runtime.cancel(workflow)
            save_workflow(session, case, definition, workflow, now, actor.user_id)
        else:  # close by hand what the engine would have closed; the stored state stays as it was
            for task in open_tasks:
                task.state = CANCELLED_TASK
            case.next_timer_due = None
        # the case's Störungen end with it: nothing is left to retry
        incidents.resolve_case(session, case.id, now, resolution="cancelled", actor_id=actor.user_id)
        record(session, now, "case.cancelled", case_id=case.id, actor_id=actor.user_id,
               reason=reason, closed_tasks=closed)
        return case


def _visible(session: Session, actor: Actor, case_id: int) -> Case:
    # An administrator acts on any case by its id (the operator's incident page does too);
    # everyone else only on a case they may see.
    case = session.get(Case, case_id) if actor.is_admin else case_for(session, actor, case_id)
    if case is None:
        raise NotFound(CASE_NOT_FOUND)
    return case


def _cancellable(session: Session, actor: Actor, case_id: int) -> Case:
    case = _visible(session, actor, case_id)
    if not may_cancel(session, actor, case):
        raise Forbidden(NOT_ALLOWED)
    if case.status != RUNNING:
        raise Conflict(NOT_RUNNING)
    return case
