"""Starting cases: who may start which process under which agreement, and beginning one."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows.agreements.partner_roles import lead_side, narrowed_roles, starter_partner
from workflows.agreements.termination import refusal_to_start
from workflows.cases.instances import diagram_functions, save_workflow
from workflows.clock import berlin_date
from workflows.engine import runtime
from workflows.errors import AgreementNotActive, Forbidden, NotFound
from workflows.people.access import Actor
from workflows.store.case_roles import set_case_roles
from workflows.store.cases import RUNNING, Case, next_case_number
from workflows.store.definitions import ProcessDefinition, current_definition
from workflows.store.history import record
from workflows.store.organisation import ACTIVE, ENDED, TERMINATED, Agreement, no_new_cases_message
from workflows.store.tasks import OPEN, HumanTask, org_units_of_task


@dataclass(frozen=True)
class Started:
    case_id: int
    case_number: str
    my_task_id: int | None  # the first task, when it is the starter's to do


def start_case(db, clock, actor: Actor, process_key: str, agreement_id: str, data: dict | None = None,
               start_token: str | None = None) -> Started:
    """Start a case of ``process_key`` under ``agreement_id``; its first task goes to the starter.

    ``start_token`` (the start form's one-time token): if this actor already started a case with
    it, that case is returned and nothing new starts; two submits at once meet at the column's
    unique key, and the loser finds the winner's case."""
    if start_token:
        found = started_with(db, actor, start_token)
        if found:
            return found
    try:
        return _start(db, clock, actor, process_key, agreement_id, data, start_token)
    except IntegrityError:
        found = started_with(db, actor, start_token) if start_token else None
        if found is None:
            raise
        return found


def started_with(db, actor: Actor, start_token: str) -> Started | None:
    """The case this actor started with ``start_token``, with their open first task if any."""
    with db.transaction() as session:
        case = session.scalar(select(Case).where(Case.start_token == start_token))
        if case is None or case.created_by_id != actor.user_id:
            return None
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.case_id == case.id, HumanTask.assignee_id == actor.user_id, HumanTask.state == OPEN)
            .order_by(HumanTask.id))
        return Started(case.id, case.case_number, task_id)


def _start(db, clock, actor: Actor, process_key: str, agreement_id: str, data: dict | None,
           start_token: str | None) -> Started:
    with db.transaction() as session:
        agreement, definition = require_starter(session, actor, process_key, agreement_id)
        roles = agreement.data.get("roles", {})
        lead = starter_partner(agreement.data, roles.get(_starter_role(definition), []), actor.org_unit_ids)
        narrowed = narrowed_roles(agreement.data, roles, lead, set(definition.lanes.values()))
        if narrowed:  # a process that runs in either direction: its diagram may ask which side leads
            data = {**(data or {}), "lead_side": lead_side(agreement.data, lead)}
        case, created = begin_case(session, clock, agreement, definition, actor.user_id, data, narrowed, lead)
        case.start_token = start_token
        mine = [t for t in created if actor.org_unit_ids.intersection(org_units_of_task(session, t.id))]
        if mine:
            mine[0].assignee_id = actor.user_id
        return Started(case.id, case.case_number, mine[0].id if mine else None)


def require_starter(session: Session, actor: Actor, process_key: str, agreement_id: str):
    """(agreement, current definition) if the actor may start this process there; else raise."""
    agreement = _active_agreement(session, agreement_id)
    if process_key not in agreement.data.get("processes", []):
        raise NotFound("Dieser Prozess ist in der Vereinbarung nicht vorgesehen.")
    if refusal_to_start(agreement, process_key):
        raise AgreementNotActive(refusal_to_start(agreement, process_key))
    definition = _current(session, process_key)
    if _starter_role(definition) not in _roles_of(actor, agreement.data.get("roles", {})):
        raise Forbidden("Sie gehören zu keiner Stelle, die diesen Vorgang beginnen kann.")
    return agreement, definition


def begin_case(session: Session, clock, agreement: Agreement, definition: ProcessDefinition,
               actor_id: int | None, data: dict | None,
               roles: dict[str, list[str]] | None = None,
               lead_agency_id: str | None = None) -> tuple[Case, list[HumanTask]]:
    """Create the case row and run the new instance to its first waits (actor None: the system).

    The case is pinned to the agreement version in effect. ``roles``: the case's own role map,
    set before its first tasks are put into inboxes, and ``lead_agency_id`` the partner it was
    narrowed to (see workflows/agreements/partner_roles.py)."""
    now = clock.now()
    workflow, notices = runtime.start(definition.bpmn_xml.encode(), definition.filename, definition.process_key,
                                      diagram_functions(session, agreement.id, clock), clock, data)
    case = Case(
        case_number=next_case_number(session, agreement.data["case_number_prefix"], berlin_date(now).year),
        agreement_id=agreement.id, definition_id=definition.id, process_key=definition.process_key,
        status=RUNNING, state=b"", created_at=now, updated_at=now, created_by_id=actor_id,
        agreement_version=agreement.version, lead_agency_id=lead_agency_id,
    )
    session.add(case)
    session.flush()
    set_case_roles(session, case.id, roles or {})
    record(session, now, "case.started", case_id=case.id, actor_id=actor_id,
           process=definition.process_key, definition_version=definition.content_hash[:12])
    created = save_workflow(session, case, definition, workflow, now, actor_id, notices)
    return case, created


def _active_agreement(session: Session, agreement_id: str) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound("Diese Kooperationsvereinbarung gibt es nicht.")
    if agreement.status == ENDED:
        raise AgreementNotActive(no_new_cases_message(agreement))
    if agreement.status not in (ACTIVE, TERMINATED):
        raise AgreementNotActive("Unter dieser Vereinbarung können keine neuen Vorgänge begonnen werden.")
    return agreement


def _current(session: Session, process_key: str) -> ProcessDefinition:
    definition = current_definition(session, process_key)
    if definition is None:
        raise NotFound("Diesen Prozess gibt es nicht.")
    return definition


def startable_processes(db, actor: Actor) -> list[dict]:
    """(agreement, process) pairs the actor could start: their org units act in the first lane."""
    with db.transaction(read_only=True) as session:
        result = []
        for agreement in session.scalars(select(Agreement).where(Agreement.status.in_((ACTIVE, TERMINATED)))):
            roles = agreement.data.get("roles", {})
            for key in agreement.data.get("processes", []):
                if refusal_to_start(agreement, key):
                    continue
                definition = current_definition(session, key)
                if definition and _starter_role(definition) in _roles_of(actor, roles):
                    result.append({"agreement_id": agreement.id, "agreement_name": agreement.name,
                                   "process_key": key, "process_name": definition.name})
        return result


def _starter_role(definition: ProcessDefinition) -> str | None:
    first = next(iter(definition.user_tasks.values()), None)
    return first["lane"] if first else None


def _roles_of(actor: Actor, roles: dict[str, list[str]]) -> set[str]:
    return {role for role, units in roles.items() if actor.org_unit_ids.intersection(units)}

