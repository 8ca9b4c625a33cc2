"""Deciding an approval by its token: from the page a mailed link opens (POST only), or from
an emailed reply. One command, one transaction; the token's approver decides, once."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm.exc import StaleDataError

from workflows.cases.administration import require_not_suspended
from workflows.cases.approvals import (
    Decision,
    confirm_by_mail,
    decided_so_far,
    explain_by_mail,
    record_decision,
    request_by_token,
)
from workflows.errors import Conflict
from workflows.people.audit_log import Access, append_access
from workflows.processes.properties import PANEL
from workflows.store.approvals import PENDING, WITHDRAWN, ApprovalRequest
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.tasks import OPEN, HumanTask
from workflows.store.users import User
from workflows.tasks import ALREADY_DONE, finish_task, panel_data, recording_step_failures


@dataclass(frozen=True)
class Pending:
    """What a link's page shows before anything is decided: no personal data."""

    request_id: int
    status: str  # pending, approved, rejected, withdrawn
    task_open: bool
    task_name: str
    case_id: int
    case_number: str
    process_name: str
    approver_name: str
    # for a panel that shows what is decided (service/parts/panels.py: only panels without personal
    # data, e.g. a Kündigung's reason and dates, an Anpassung's diff)
    properties: dict = field(default_factory=dict)
    case_data: dict = field(default_factory=dict)
    decided_by: list[str] = field(default_factory=list)  # the other approvers who already decided


def look_up(db, request_id: int, nonce: str) -> Pending:
    with db.transaction() as session:
        request = request_by_token(session, request_id, nonce)
        task = session.get(HumanTask, request.task_id)
        case = session.get(Case, request.case_id)
        definition = session.get(ProcessDefinition, case.definition_id)
        properties = definition.user_tasks.get(task.bpmn_id, {}).get("properties", {})
        shows_panel = task.state == OPEN and properties.get(PANEL.name)
        return Pending(request.id, request.status, task.state == OPEN, task.name, case.id, case.case_number,
                       definition.name, session.get(User, request.approver_id).display_name,
                       properties, panel_data(session, case, task) if shows_panel else {},
                       decided_so_far(session, task, other_than=request.approver_id))


def decide(db, clock, request_id: int, nonce: str, decision: Decision, audit: Access | None = None) -> str:
    """Returns what happened: "decided", or "already" (this request was decided before),
    or "closed" (others decided the task meanwhile). Nothing is written unless "decided".
    ``audit``: the audit-log entry of the decision, written in its transaction (outside a web
    request, e.g. a mail reply; in a request the web layer's commit hook does it)."""
    try:
        with recording_step_failures(db, clock), db.transaction() as session:
            request: ApprovalRequest = request_by_token(session, request_id, nonce)
            task = session.get(HumanTask, request.task_id)
            if request.status == WITHDRAWN or (request.status == PENDING and task.state != OPEN):
                return "closed"  # the others decided it
            if request.status != PENDING:
                return "already"
            now = clock.now()
            result = record_decision(session, request, task, decision, now)
            if result is not None:
                case = session.get(Case, task.case_id)
                require_not_suspended(case)
                definition = session.get(ProcessDefinition, case.definition_id)
                finish_task(session, clock, case, definition, task, result, request.approver_id, None)
            if decision.channel == "reply":
                confirm_by_mail(session, request, task, now)
            if audit is not None:
                append_access(session, clock, audit)
            return "decided"
    except StaleDataError as exc:
        raise Conflict(ALREADY_DONE) from exc


def reply_unclear(db, clock, request_id: int, nonce: str, reason_missing: bool = False) -> None:
    """An answer we could not read, or a rejection without its reason: tell the approver what
    to write (nothing is decided)."""
    with db.transaction() as session:
        request = request_by_token(session, request_id, nonce)
        if request.status == PENDING:
            explain_by_mail(session, request, clock.now(), reason_missing)


def approver_address(db, request_id: int, nonce: str) -> str | None:
    with db.transaction() as session:
        return session.get(User, request_by_token(session, request_id, nonce).approver_id).email
