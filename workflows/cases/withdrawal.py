"""Withdrawing a handover (Übergabe zurückziehen): the handing side takes its offer back.

The diagram decides when that is possible: the case page offers it exactly while the
instance waits for the message ``withdrawal_requested`` (a boundary event on a task of the
handing side, or a branch of its event-based gateway), and only to members of the lane the
catching element lies in. The command delivers the message with the reason; the diagram
then ends the case on both sides (status *Zurückgezogen*, workflows/cases/instances.py).
"""
from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from workflows.agreements.partner_roles import units_for_role
from workflows.cases.instances import load_workflow, reading_workflow, save_workflow
from workflows.engine import runtime
from workflows.errors import Conflict, Forbidden, ValidationFailed
from workflows.people.access import Actor, case_for
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition

MESSAGE = "withdrawal_requested"
# Why a handing side takes a handover back; the reasons caseworkers named in the walk
# (ux-walk-2026-12-02) plus a mistaken offer, and "other" with an explanation.
REASONS = {
    "stays_at_school": "Die Person bleibt an der Schule (Schulzeit verlängert)",
    "moved_away": "Die Person ist verzogen",
    "consent_withdrawn": "Die Einwilligung zur Datenweitergabe wurde widerrufen",
    "offered_in_error": "Die Übergabe wurde irrtümlich angeboten",
    "other": "Anderer Grund (bitte erläutern)",
}
NOTE_MAX = 4000
NOT_NOW = "Die Übergabe kann nicht mehr zurückgezogen werden: die Übernahme ist bereits bestätigt oder der Vorgang beendet."
NOT_YOURS = "Zurückziehen kann nur der abgebende Partner."


def withdrawal_possible(session: Session, actor: Actor, case: Case) -> bool:
    """Whether ``actor`` may withdraw now (for the case page's button)."""
    if case.status != RUNNING:
        return False
    with reading_workflow(session, case) as workflow:
        waiting = runtime.waiting_for_message(workflow, MESSAGE)
    return _may_withdraw(session, actor, case, waiting)


def withdraw_handover(db, clock, actor: Actor, case_id: int, reason: str, note: str | None) -> Case:
    """Deliver the withdrawal with its reason; one transaction. Raises ValidationFailed,
    Conflict (too late), Forbidden (not the handing side), NotFound."""
    with db.transaction() as session:
        case_for(session, actor, case_id)  # a foreign id is 404 whatever was sent
    errors = {}
    if reason not in REASONS:
        errors["withdraw_reason"] = "Bitte wählen Sie den Grund, aus dem Sie die Übergabe zurückziehen."
    note = (note or "").strip() or None
    if reason == "other" and not note:
        errors["withdraw_note"] = "Bitte erläutern Sie den Grund."
    if note and len(note) > NOTE_MAX:
        errors["withdraw_note"] = f"Die Erläuterung darf höchstens {NOTE_MAX} Zeichen lang sein."
    if errors:
        raise ValidationFailed(errors)
    try:
        with db.transaction() as session:
            case = case_for(session, actor, case_id)
            if case.status != RUNNING:
                raise Conflict(NOT_NOW)
            workflow = load_workflow(session, case, clock)
            catchers = runtime.waiting_for_message(workflow, MESSAGE)
            if not catchers:
                raise Conflict(NOT_NOW)
            if not _may_withdraw(session, actor, case, catchers):
                raise Forbidden(NOT_YOURS)
            now = clock.now()
            notices = runtime.deliver_message(workflow, MESSAGE, {"withdraw_reason": REASONS[reason],
                                                                  "withdraw_note": note}, clock)
            definition = session.get(ProcessDefinition, case.definition_id)
            save_workflow(session, case, definition, workflow, now, actor.user_id, notices)
            return case
    except StaleDataError as exc:
        raise Conflict(NOT_NOW) from exc


def _may_withdraw(session: Session, actor: Actor, case: Case, catchers: list[str]) -> bool:
    if not catchers:
        return False
    lanes = session.get(ProcessDefinition, case.definition_id).lanes
    units = {u for bpmn_id in catchers for u in units_for_role(session, case, lanes.get(bpmn_id, ""))}
    return bool(actor.org_unit_ids & units)
