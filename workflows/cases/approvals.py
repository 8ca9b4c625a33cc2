"""Approvals decided by email: a user task marked as an approval asks its approvers — an
org unit role, or the signatories of a partner — and completes when enough have agreed
(one, or all: e.g. the two signatures a binding declaration of an agency needs); one
rejection decides it as rejected.

Each approver gets a mail with two links and a reply address; both carry a signed token
for that approver and that task, made when the mail is sent (service/mail/approval_links.py).
Opening a link never decides (mail scanners follow links); the POST from its page does,
or a reply "Ja"/"Nein". Every decision goes into the case history with its channel and
comment, and reads there as a sentence (``decision_sentence``).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from workflows.agreements.partner_roles import signs_for, units_for_role
from workflows.agreements.versions import data_of_case
from workflows.cases.takeover_proposal import proposal_of
from workflows.errors import NotFound
from workflows.mail.compose import enqueue
from workflows.processes.properties import APPROVAL, APPROVAL_QUORUM, PANEL
from workflows.store.approvals import APPROVED, PENDING, REJECTED, WITHDRAWN, ApprovalRequest, requests_of_task
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.history import record
from workflows.store.tasks import OPEN, HumanTask
from workflows.store.users import User, members_of, user_by_username

APPROVAL_URL = "{approval_url}"
APPROVAL_REPLY_TO = "{approval_reply_to}"
CHANNELS = {"page": "auf der Aufgabenseite", "link": "über den Link in der E-Mail", "reply": "per E-Mail-Antwort",
            "api": "über die Schnittstelle"}
# a panel that says what is approved, and the line of it an approval mail may carry (no personal data)
HEADLINES = {"takeover_proposal": lambda case, data: proposal_of(case.case_number, data).headline}


@dataclass(frozen=True)
class Decision:
    approved: bool
    comment: str | None
    channel: str


def is_approval(properties: dict) -> bool:
    return bool(properties.get(APPROVAL.name))


def approvers(session, case: Case, spec: str) -> list[User]:
    kind, _, value = spec.partition(":")
    if kind == "role":
        return members_of(session, units_for_role(session, case, value))
    if kind == "signatories":
        agreement = data_of_case(session, case)
        names = [s.get("username") for p in agreement["partners"] if signs_for(p, value, agreement, case.lead_agency_id)
                 for s in p.get("signatories", [])]
        return [u for u in (user_by_username(session, n) for n in names if n) if u is not None and u.active]
    raise ValueError(f"unknown approver spec {spec!r}")



def open_requests(session, case: Case, task: HumanTask, properties: dict, now,
                  data: dict | None = None) -> list[ApprovalRequest]:
    """Ask every approver of a new approval task, by mail; ``data``, the task's data, gives the
    line saying what is approved where the task's panel has one."""
    headline = HEADLINES.get(properties.get(PANEL.name, ""))
    approves = headline(case, data or {}) if headline else None
    created = []
    for user in approvers(session, case, properties[APPROVAL.name]):
        request = ApprovalRequest(task_id=task.id, case_id=case.id, approver_id=user.id, status=PENDING,
                                  nonce=secrets.token_urlsafe(24), created_at=now)
        session.add(request)
        session.flush()
        enqueue(session, now, kind="approval.request", recipient=user, case_id=case.id,
                subject=f"KoopFlow: Genehmigung erbeten – {task.name} – {case.case_number}",
                template="approval_request", reply_to=APPROVAL_REPLY_TO, approval_request_id=request.id,
                context={"task_name": task.name, "case_number": case.case_number, "case_id": case.id,
                         "due_on": task.due_on, "quorum": properties.get(APPROVAL_QUORUM.name, "one"),
                         "approval_url": APPROVAL_URL, "approves": approves})
        created.append(request)
    return created


def pending_request(session, task_id: int, user_id: int) -> ApprovalRequest | None:
    return session.scalar(select(ApprovalRequest).where(
        ApprovalRequest.task_id == task_id, ApprovalRequest.approver_id == user_id,
        ApprovalRequest.status == PENDING))


def request_by_token(session, request_id: int, nonce: str) -> ApprovalRequest:
    request = session.get(ApprovalRequest, request_id)
    if request is None or not secrets.compare_digest(request.nonce, nonce):
        raise NotFound("Dieser Link ist ungültig.")
    return request


def record_decision(session, request: ApprovalRequest, task: HumanTask, decision: Decision, now) -> dict | None:
    """Mark one approver's decision; returns the task's result data when the task is decided."""
    request.status = APPROVED if decision.approved else REJECTED
    request.channel, request.comment, request.decided_at = decision.channel, decision.comment, now
    record(session, now, "approval.decided", case_id=task.case_id, actor_id=request.approver_id,
           task_name=task.name, approved=decision.approved, channel=decision.channel,
           **({"comment": decision.comment} if decision.comment else {}))
    requests = requests_of_task(session, task.id)
    quorum = _quorum(session, task)
    if decision.approved and quorum == "all" and any(r.status == PENDING for r in requests):
        return None
    for other in requests:
        if other.status == PENDING:
            other.status = WITHDRAWN
    return {"approved": decision.approved, "approval_comment": decision.comment or "",
            "approved_by": [session.get(User, r.approver_id).display_name for r in requests if r.status == APPROVED]}


def decided_so_far(session, task: HumanTask, other_than: int | None = None) -> list[str]:
    """The approvers (but ``other_than``) who have already decided an approval task that is
    still open — of several (quorum "all"): they approved, and it waits for the others."""
    if task.state != OPEN:
        return []
    return [session.get(User, r.approver_id).display_name for r in requests_of_task(session, task.id)
            if r.status in (APPROVED, REJECTED) and r.approver_id != other_than]


def decision_sentence(task_name: str | None, actor: str | None, details: dict) -> str:
    """A decision as the case history reads it: 'Übernahme genehmigen – Leonie Leitung hat
    genehmigt (entschieden per E-Mail-Antwort). Begründung: …'. After retention has emptied
    the details, only who decided on which step remains."""
    step = f"{task_name} – " if task_name else ""
    if "approved" not in details:
        return f"{step}{actor or 'System'} hat entschieden."
    verb = "genehmigt" if details["approved"] else "abgelehnt"
    channel = CHANNELS.get(details.get("channel", ""))
    sentence = f"{step}{actor or 'System'} hat {verb}" + (f" (entschieden {channel})." if channel else ".")
    return sentence + (f" Begründung: {details['comment']}" if details.get("comment") else "")


def _quorum(session, task: HumanTask) -> str:
    case = session.get(Case, task.case_id)
    definition = session.get(ProcessDefinition, case.definition_id)
    return definition.user_tasks.get(task.bpmn_id, {}).get("properties", {}).get(APPROVAL_QUORUM.name, "one")


def confirm_by_mail(session, request: ApprovalRequest, task: HumanTask, now) -> None:
    user = session.get(User, request.approver_id)
    case = session.get(Case, task.case_id)
    enqueue(session, now, kind="approval.confirmed", recipient=user, case_id=case.id,
            subject=f"KoopFlow: Ihre Entscheidung ist eingegangen – {case.case_number}", template="approval_confirmed",
            context={"task_name": task.name, "case_number": case.case_number, "case_id": case.id,
                     "approved": request.status == APPROVED, "still_open": task.state == OPEN})


def explain_by_mail(session, request: ApprovalRequest, now, reason_missing: bool = False) -> None:
    user = session.get(User, request.approver_id)
    case = session.get(Case, request.case_id)
    subject = "Begründung der Ablehnung fehlt" if reason_missing else "Antwort nicht verstanden"
    enqueue(session, now, kind="approval.help", recipient=user, case_id=case.id,
            subject=f"KoopFlow: {subject} – {case.case_number}", template="approval_help",
            context={"case_number": case.case_number, "reason_missing": reason_missing})
