"""Reminders and escalations of waiting human tasks: one mechanism for every task of every diagram.

When a task opens, its reminder and escalation days are planned from the agreement data the
case runs under, in working days after the task opened, by the task's kind (the ``deadline``
property its diagram gives it; ``default`` for every other task):

- ``task_reminders[kind]`` — ``reminder`` and ``escalation`` working days;
- else the kind's due date (``task_deadlines[kind]``): reminded on it, escalated five working
  days later; else the ``default`` entries the same way; else 10 and 15 working days.

A task with a date of its own (``dueDate``, e.g. a Stellungnahme due by a fixed day) is reminded
on that day and escalated as many working days later as its kind leaves between the two. A task
its diagram chases itself with timer boundary events (the LWV's first review of § 8 a, the annual
deliveries) is left to the diagram, so nobody is reminded twice.

Each worker round sends what is due, once each: the reminder to the task's assignee (their deputy
while they are away), else to its group inboxes' members; the escalation to the org units of the
agreement's ``escalation_roles`` for the task's side, else to the leads of the task's groups.
Both stand in the case history. A task that is done before is never chased; a suspended case's
tasks wait until it is resumed. Each task is chased in its own transaction and error boundary.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workflows.agreements.partner_roles import units_for_role
from workflows.agreements.versions import data_of_case
from workflows.clock import berlin_date
from workflows.engine.parsing import timed_tasks
from workflows.legal_dates import add_working_days
from workflows.mail.compose import enqueue
from workflows.people.absences import stand_in
from workflows.processes.properties import DEADLINE, DUE_DATE
from workflows.store import incidents
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.history import record
from workflows.store.organisation import Agency
from workflows.store.tasks import OPEN, HumanTask, org_units_of_task
from workflows.store.users import User, leads_of, members_of

DEFAULT_KIND = "default"
BUILT_IN = (10, 15)  # working days, when the agreement names neither the kind nor a default
AFTER_DUE = 5  # working days from a due date to its escalation, when only the due date is given
BATCH = 100


def days_for(agreement: dict, kind: str | None) -> tuple[int, int]:
    """(reminder, escalation) working days for a task kind, as the module doc says."""
    reminders, deadlines = agreement.get("task_reminders") or {}, agreement.get("task_deadlines") or {}
    for key in ((kind,) if kind else ()) + (DEFAULT_KIND,):
        if key in reminders:
            return int(reminders[key]["reminder"]), int(reminders[key]["escalation"])
        if key in deadlines:
            return int(deadlines[key]), int(deadlines[key]) + AFTER_DUE
    return BUILT_IN


def plan(session: Session, case: Case, task: HumanTask, properties: dict, definition: ProcessDefinition,
         opened: datetime) -> None:
    """Set the task's reminder and escalation days (or mark it as chased by its diagram)."""
    task.chased_by_diagram = task.bpmn_id in timed_tasks(definition.bpmn_xml)
    if task.chased_by_diagram:
        task.remind_on = task.escalate_on = None
        return
    agreement = data_of_case(session, case)
    subdivision = agreement.get("holiday_subdivision", "HE")
    reminder, escalation = days_for(agreement, properties.get(DEADLINE.name))
    if properties.get(DUE_DATE.name) and task.due_on is not None:
        task.remind_on = task.due_on
        task.escalate_on = add_working_days(task.due_on, max(1, escalation - reminder), subdivision)
        return
    day = berlin_date(opened)
    task.remind_on = add_working_days(day, reminder, subdivision)
    task.escalate_on = add_working_days(day, escalation, subdivision)


def chase_tasks(db, clock) -> int:
    """Send the reminders and escalations due today; returns how many were sent."""
    sent = 0
    done: set[int] = set()
    while True:
        today = berlin_date(clock.now())
        with db.transaction() as session:
            waiting = incidents.open_subjects(session, clock.now(), incidents.TASK_REMINDER)
            ids = [i for i in session.scalars(_due_query(today)) if i not in done]
        for task_id in ids:
            done.add(task_id)
            subject = f"{incidents.TASK_REMINDER}:{task_id}"
            counted: list[int] = []
            incidents.run_unit(db, clock, incidents.TASK_REMINDER, subject, waiting,
                               lambda task_id=task_id: counted.append(chase_one(db, clock, task_id)))
            sent += sum(counted)
        if len(ids) < BATCH:
            return sent


def _due_query(today: date):
    due = or_(HumanTask.chased_by_diagram.is_(None),
              and_(HumanTask.remind_on <= today, HumanTask.reminded_at.is_(None)),
              and_(HumanTask.escalate_on <= today, HumanTask.escalated_at.is_(None)))
    return (select(HumanTask.id).join(Case, Case.id == HumanTask.case_id)
            .where(HumanTask.state == OPEN, due, Case.status == RUNNING, Case.suspended_at.is_(None))
            .order_by(HumanTask.id).limit(BATCH))


def chase_one(db, clock, task_id: int) -> int:
    """Plan a task planned before this mechanism existed; send its due reminder and escalation."""
    with db.transaction() as session:
        task = db.claim(session, HumanTask, task_id)
        if task is None or task.state != OPEN:
            return 0
        case = session.get(Case, task.case_id)
        if case.status != RUNNING or case.suspended_at is not None:
            return 0
        now = clock.now()
        if task.chased_by_diagram is None:
            definition = session.get(ProcessDefinition, case.definition_id)
            properties = (definition.user_tasks.get(task.bpmn_id) or {}).get("properties", {})
            plan(session, case, task, properties, definition, task.created_at)
        today, sent = berlin_date(now), 0
        if task.remind_on is not None and task.remind_on <= today and task.reminded_at is None:
            _tell(session, now, case, task, "reminder", _reminded(session, task, today))
            task.reminded_at = now
            sent += 1
        if task.escalate_on is not None and task.escalate_on <= today and task.escalated_at is None:
            _tell(session, now, case, task, "escalation", _escalated_to(session, case, task))
            task.escalated_at = now
            sent += 1
        return sent


def _reminded(session: Session, task: HumanTask, today: date) -> list[User]:
    if task.assignee_id is not None:
        user = session.get(User, stand_in(session, task.assignee_id, today))
        if user is not None and user.active:
            return [user]
    return members_of(session, org_units_of_task(session, task.id))


def _escalated_to(session: Session, case: Case, task: HumanTask) -> list[User]:
    """The org units the agreement names for escalations of the task's side, else the leads of
    the task's own groups, else (a group without a lead) its members."""
    groups = org_units_of_task(session, task.id)
    role = (data_of_case(session, case).get("escalation_roles") or {}).get(task.agency_id or "")
    users = members_of(session, units_for_role(session, case, role)) if role else []
    return users or leads_of(session, groups) or members_of(session, groups)


WORDS = {"reminder": "Erinnerung", "escalation": "Eskalation"}


def _tell(session: Session, now: datetime, case: Case, task: HumanTask, kind: str, users: list[User]) -> None:
    record(session, now, f"task.{'reminded' if kind == 'reminder' else 'escalated'}", case_id=case.id,
           task_name=task.name, recipients=len(users), due_on=task.due_on.isoformat() if task.due_on else None)
    process = session.get(ProcessDefinition, case.definition_id).name
    agency = session.get(Agency, task.agency_id).short_name if task.agency_id else ""
    since = (berlin_date(now) - berlin_date(task.created_at)).days
    for user in users:
        enqueue(session, now, kind=f"task.{kind}", recipient=user, case_id=case.id,
                subject=f"KoopFlow: {WORDS[kind]} – {task.name} – {case.case_number}", template="notice",
                context={"kind": kind, "case_number": case.case_number, "process_name": process, "step": task.name,
                         "due_on": task.due_on, "case_id": case.id, "task_id": task.id, "agency": agency,
                         "waiting_days": since})


def reminder_rows(task: HumanTask) -> list[tuple[str, str]]:
    """What the task page says about the task's chasing: (label, text) rows."""
    if task.chased_by_diagram:
        return [("Erinnerung", "nach dem Ablauf im Diagramm (Zeitgeber am Schritt)")]
    rows = []
    for label, day, at in (("Erinnerung", task.remind_on, task.reminded_at),
                           ("Eskalation an die Leitung", task.escalate_on, task.escalated_at)):
        if day is not None:
            rows.append((label, f"{'versandt' if at else 'am'} {(berlin_date(at) if at else day):%d.%m.%Y}"))
    return rows

