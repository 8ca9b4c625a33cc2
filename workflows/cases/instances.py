"""Between a case row and its running SpiffWorkflow instance.

After every command the human-task rows are brought in line with the instance: a task that
became ready gets a row in the group inboxes of the org units its lane maps to under the
case's agreement; a row whose task is no longer ready is closed.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from workflows.agreements.partner_roles import units_for_role
from workflows.agreements.versions import data_of_case
from workflows.cases import instance_cache
from workflows.cases.approvals import is_approval, open_requests
from workflows.cases.reminders import DEFAULT_KIND, plan
from workflows.cases.school_end import track_school_end
from workflows.cases.subject import update_subject
from workflows.clock import berlin_date
from workflows.engine import runtime
from workflows.legal_dates import add_working_days
from workflows.mail.notifications import notice_raised, task_created
from workflows.people.absences import active_deputy
from workflows.processes.diagram_functions import functions_for
from workflows.processes.properties import DEADLINE, DUE_DATE
from workflows.store.cases import COMPLETED, DECLINED, RUNNING, WITHDRAWN, Case
from workflows.store.definitions import ProcessDefinition, keep_spec, stored_spec
from workflows.store.history import record
from workflows.store.organisation import Agency, Agreement, OrgUnit
from workflows.store.tasks import (
    CANCELLED,
    NO_DUE_DATE,
    OPEN,
    HumanTask,
    HumanTaskGroup,
    continuing_worker,
    open_tasks_of_case,
)
from workflows.store.users import User


def diagram_functions(session: Session, case_or_agreement_id, clock) -> dict:
    """A case's functions read the agreement version it runs under; an agreement id: the one in effect."""
    if isinstance(case_or_agreement_id, Case):
        return functions_for(data_of_case(session, case_or_agreement_id), clock)
    return functions_for(session.get(Agreement, case_or_agreement_id).data, clock)


def load_workflow(session: Session, case: Case, clock):
    """The case's instance, joined with the spec of the version it runs on (the one this process
    saved last, if the row still holds what it stored: ``instance_cache``)."""
    kept = instance_cache.take(session, (case.id, case.definition_id), case.state)
    if kept is not None:
        return runtime.with_functions(kept, diagram_functions(session, case, clock))
    spec = stored_spec(session, case.definition_id)
    if spec is None:  # no case of the version stored since migration 0025 (e.g. rows copied from elsewhere)
        definition = session.get(ProcessDefinition, case.definition_id)
        spec = runtime.definition_spec(definition.bpmn_xml.encode(), definition.filename, definition.process_key)
    return instance_cache.loaded(runtime.load(case.state, diagram_functions(session, case, clock), spec),
                                 case.definition_id)


@contextmanager
def reading_workflow(session: Session, case: Case) -> Iterator:
    """The case's instance for reading only (a task page, a preview): nothing may run on it or
    change it. Once read it is kept for the next command on the case, as a saved one is."""
    workflow = load_workflow(session, case, clock=None)  # nothing runs, no clock needed
    yield workflow
    instance_cache.put_back(session, (case.id, case.definition_id), case.state, workflow)


def version_spec(session: Session, definition: ProcessDefinition) -> str:
    """The spec of the version, stored the first time a case of it is."""
    spec = stored_spec(session, definition.id)
    if spec is None:
        spec = runtime.definition_spec(definition.bpmn_xml.encode(), definition.filename, definition.process_key)
        keep_spec(session, definition.id, spec)
    return spec


def save_workflow(session: Session, case: Case, definition: ProcessDefinition, workflow, now: datetime,
                  actor_id: int | None, notices: list[runtime.Notice] = ()) -> list[HumanTask]:
    """Write the instance back (without the spec of its version, ``definition``, unless a step
    of it is not in that spec), sync the task rows, record notices; returns new ready tasks."""
    spec = version_spec(session, definition)
    runtime.compact(workflow)
    case.state = runtime.to_store(workflow, spec)
    if case.id is not None:
        instance_cache.keep_after_commit(session, (case.id, definition.id), case.state, workflow)
    case.updated_at = now
    case.next_timer_due = None if case.suspended_at is not None else runtime.next_due(workflow)
    update_subject(session, case, definition, runtime.current_data(workflow))
    for notice in notices:
        units = units_for_role(session, case, notice.role) if notice.role else []
        record(session, now, f"case.{notice.kind}", case_id=case.id, task_name=notice.name, org_units=units)
        notice_raised(session, now, case, notice.kind, notice.name, units)
    created = sync_human_tasks(session, case, definition, workflow, now, actor_id)
    if runtime.is_completed(workflow) and case.status == RUNNING:
        end_case(session, case, definition, workflow, now, actor_id)
    track_school_end(session, case, workflow)
    session.flush()  # the optimistic version check on the case happens here
    return created


OUTCOME_STATUS = {"declined": DECLINED, "withdrawn": WITHDRAWN}
# Where the reason of an outcome travels in the end event's data: the form fields of the
# declining review, or the withdrawal the case page sent (workflows/cases/withdrawal.py).
OUTCOME_REASON = {DECLINED: ("decline", "decline_reason", "decline_note"),
                  WITHDRAWN: ("withdrawal", "withdraw_reason", "withdraw_note")}


def end_case(session: Session, case: Case, definition: ProcessDefinition, workflow, now: datetime,
             actor_id: int | None) -> None:
    """The instance ended: the case is Abgeschlossen, or Abgelehnt / Zurückgezogen with the reason
    when it passed an end event carrying ``caseOutcome``."""
    ended = runtime.outcome(workflow)
    case.status = OUTCOME_STATUS.get(ended.kind, COMPLETED) if ended else COMPLETED
    case.completed_at = now
    if case.status == COMPLETED:
        record(session, now, "case.completed", case_id=case.id, actor_id=actor_id)
        return
    nested, reason_key, note_key = OUTCOME_REASON[case.status]
    data = {**ended.data, **(ended.data.get(nested) or {})}
    record(session, now, f"case.{case.status}", case_id=case.id, actor_id=actor_id,
           reason=reason_label(definition, reason_key, data.get(reason_key)), note=data.get(note_key))


def reason_label(definition: ProcessDefinition, field_name: str, code: str | None) -> str | None:
    """The words a form's list gives a reason code (e.g. "Person ist verzogen …"), else the code."""
    for schema in definition.forms.values():
        for choice in (schema.get("properties", {}).get(field_name) or {}).get("oneOf", []):
            if isinstance(choice, dict) and choice.get("const") == code:
                return choice.get("title", code)
    return code


def sync_human_tasks(session: Session, case: Case, definition: ProcessDefinition, workflow,
                     now: datetime, actor_id: int | None) -> list[HumanTask]:
    """Cancel the rows of tasks no longer ready, create those of new ones (mailed at commit)."""
    ready = {t.spiff_id: t for t in runtime.ready_human_tasks(workflow)}
    rows = {row.spiff_task_id: row for row in open_tasks_of_case(session, case.id)}
    for spiff_id, row in rows.items():
        if spiff_id not in ready:
            row.state = CANCELLED
            row.completed_at = now
            _close_groups(session, row)
    created = []
    for spiff_id, task in ready.items():
        if spiff_id not in rows:
            created.append(_create_task(session, case, definition, task, now, runtime.task_data(workflow, spiff_id),
                                        actor_id))
    return created


def _create_task(session: Session, case: Case, definition: ProcessDefinition, task, now, data: dict,
                 actor_id: int | None) -> HumanTask:
    """The task row, its group rows, its history entry, its approval requests or its new-task
    mail (at commit). The row is complete (assignee, reminder days) before its INSERT, so it
    is written once."""
    info = definition.user_tasks.get(task.bpmn_id, {})
    role = definition.lanes.get(task.bpmn_id, "")
    org_units = units_for_role(session, case, role)
    due_on = _due_date(session, case, info.get("properties", {}), now, data)
    # all the groups and their agencies in one read (the new-task mail names the groups and the task's agency)
    found = session.execute(select(OrgUnit, Agency).outerjoin(Agency, Agency.id == OrgUnit.agency_id)
                            .where(OrgUnit.id.in_(org_units))).all()
    units, agencies = {unit.id: unit for unit, _ in found}, {unit.id: agency for unit, agency in found}
    agency_id = units[org_units[0]].agency_id if org_units else None
    row = HumanTask(
        case_id=case.id, spiff_task_id=task.spiff_id, bpmn_id=task.bpmn_id, name=task.name,
        lane_role=role, agency_id=agency_id, form_name=info.get("form"), state=OPEN,
        due_on=due_on, due_sort=due_on or NO_DUE_DATE, created_at=now,
    )
    assignee = None if is_approval(info.get("properties", {})) else \
        _continuing_worker(session, case, org_units, berlin_date(now))
    row.assignee_id = assignee.id if assignee is not None else None
    plan(session, case, row, info.get("properties", {}), definition, now)
    session.add(row)
    session.flush()
    for unit in org_units:
        session.add(HumanTaskGroup(task_id=row.id, org_unit_id=unit, is_open=True, due_sort=row.due_sort,
                                   created_at=now, case_number=case.case_number))
    record(session, now, "task.created", case_id=case.id, task_name=row.name, org_units=org_units)
    approval = is_approval(info.get("properties", {}))
    if approval:
        open_requests(session, case, row, info["properties"], now, data)
    agency = agencies[org_units[0]] if org_units else None
    task_created(session, row, actor_id, now, [units[unit] for unit in sorted(org_units)], agency, approval, assignee)
    return row


def _continuing_worker(session: Session, case: Case, org_units: list[str], day) -> User | None:
    """The group member who last worked on the case (or their deputy while they are away): the
    new task is theirs, still visible in the group inbox. None: nobody of the group has yet.
    (The user row itself: the new-task mail is addressed to it.)"""
    found = continuing_worker(session, case.id, org_units, day)
    if found is None:
        return None
    user, deputy_id = found
    deputy = active_deputy(session, deputy_id) if deputy_id is not None else None
    return deputy or user


def _variable(data: dict, name: str):
    """A process variable, or a field of one with a dot (``report.view_due``: the date a message
    from the other pool carried)."""
    value = data
    for part in filter(None, name.split(".")):
        value = value.get(part) if isinstance(value, dict) else None
    return value if name else None


def _due_date(session: Session, case: Case, properties: dict, now: datetime, data: dict):
    """A process variable named by ``dueDate`` (e.g. an annual request's; ``a.b`` for a field of
    one), else the working days the agreement gives the task's kind (its ``deadline`` property)
    or, failing that, every task (``default``); None only when the agreement names neither."""
    named = _variable(data, properties.get(DUE_DATE.name) or "")
    if named:
        return date.fromisoformat(named)
    agreement = data_of_case(session, case)
    deadlines = agreement.get("task_deadlines") or {}
    days = deadlines.get(properties.get(DEADLINE.name) or DEFAULT_KIND) or deadlines.get(DEFAULT_KIND)
    if not days:
        return None
    return add_working_days(berlin_date(now), int(days), agreement.get("holiday_subdivision", "HE"))


def close_task(session: Session, task: HumanTask, state: str, now: datetime, by: int | None) -> None:
    task.state = state
    task.completed_at = now
    task.completed_by_id = by
    _close_groups(session, task)


# built once: every completion runs it. Group rows held as objects (only those a command just
# added) are not updated in memory: nothing reads them from there.
_CLOSE_GROUPS = (update(HumanTaskGroup).where(HumanTaskGroup.task_id == bindparam("closed_task"))
                 .values(is_open=False).execution_options(synchronize_session=False))


def _close_groups(session: Session, task: HumanTask) -> None:
    session.execute(_CLOSE_GROUPS, {"closed_task": task.id})
