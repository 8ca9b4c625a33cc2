"""Who is told about what, by mail (through the outbox, in the same transaction).

- A new task: the members of its group inboxes who want mails at once, or — when the task
  was assigned within the same command — only its assignee; never the person who acted.
- Reminders and escalations raised by a diagram: the members of the role's org units.
New tasks are collected during the command and mailed just before it commits, when
assignments are final.
"""
from __future__ import annotations

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, lazyload

from workflows.mail.compose import enqueue
from workflows.store.approvals import requests_of_task
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.organisation import Agency, OrgUnit
from workflows.store.tasks import OPEN, HumanTask, org_units_of_task
from workflows.store.users import User, members_of

IMMEDIATE = "immediate"
_NEW_TASKS = "koopflow.new_tasks"


def task_created(session: Session, task: HumanTask, actor_id: int | None, now, groups: list[OrgUnit],
                 agency: Agency | None, approval: bool, assignee: User | None = None) -> None:
    """Mail the new task at commit (if it is still open then). ``groups``: its group inboxes,
    by id (as ``org_units_of_task`` reads them; held here, so the mail finds them in the
    session); ``agency``: the task's (likewise); ``approval``: whether it is an approval task, which may have requests (only an
    approval task gets them, when it is created); ``assignee``: the user it was given to, if
    the caller read them."""
    session.info.setdefault(_NEW_TASKS, []).append((task, actor_id, now, groups, agency, approval, assignee))


@event.listens_for(Session, "before_commit")
def _mail_new_tasks(session: Session) -> None:
    for task, actor_id, now, units, _agency, approval, assignee in session.info.pop(_NEW_TASKS, []):
        groups = [unit.id for unit in units]
        if task.state != OPEN or (approval and requests_of_task(session, task.id)):
            continue  # done already, or an approval: its approvers got their own mail
        if task.assignee_id is not None:
            # the mail needs name, address and preference, not the user's memberships
            recipients = [] if task.assignee_id == actor_id else [
                assignee if assignee is not None and assignee.id == task.assignee_id  # not assigned anew since
                else session.get(User, task.assignee_id, options=[lazyload(User.memberships)])]
        else:
            recipients = [u for u in members_of(session, groups) if u.id != actor_id and u.mail_preference == IMMEDIATE]
        mail_task(session, now, task, recipients, assigned=task.assignee_id is not None, groups=groups)


def mail_task(session: Session, now, task: HumanTask, users: list[User], assigned: bool,
              groups: list[str] | None = None) -> None:
    """The new-task (or assigned-task) mail to each of ``users``; what it says is looked up once.
    ``groups``: the task's group inboxes, when the caller has them already."""
    if not users:
        return
    case = session.get(Case, task.case_id)
    groups = org_units_of_task(session, task.id) if groups is None else groups
    inbox = ", ".join(session.get(OrgUnit, g).name for g in groups)
    agency = session.get(Agency, task.agency_id).short_name if task.agency_id else ""
    context = {"assigned": assigned, "inbox": inbox, "task_name": task.name, "case_number": case.case_number,
               "agency": agency, "due_on": task.due_on, "task_id": task.id}
    for user in users:
        enqueue(session, now, kind="task.assigned" if assigned else "task.new", recipient=user, case_id=case.id,
                subject=f"KoopFlow: {task.name} – {case.case_number}", template="task_new", context=context)


# the earliest due date of the case's open tasks; built once (the worker's timer wakes read it)
_EARLIEST_DUE = (select(HumanTask.due_on)
                 .where(HumanTask.case_id == bindparam("case_id"), HumanTask.state == OPEN,
                        HumanTask.due_on.is_not(None))
                 .order_by(HumanTask.due_on).limit(1))


def notice_raised(session: Session, now, case: Case, kind: str, step: str, org_units: list[str]) -> None:
    process = session.get(ProcessDefinition, case.definition_id).name
    word = "Eskalation" if kind == "escalation" else "Erinnerung"
    due_on = session.scalar(_EARLIEST_DUE, {"case_id": case.id})
    for user in members_of(session, org_units, memberships=False):
        enqueue(session, now, kind=f"case.{kind}", recipient=user, case_id=case.id,
                subject=f"KoopFlow: {word} – {case.case_number}", template="notice",
                context={"kind": kind, "case_number": case.case_number, "process_name": process,
                         "step": step, "due_on": due_on, "case_id": case.id})
