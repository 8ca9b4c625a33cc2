"""Fristen: the deadlines of my agencies — open tasks of my groups with a due date, and the
annual requests of the agreements we take part in — for the Fristen page and the calendar."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from workflows.annual.figures import agreements_of
from workflows.annual.requests import enabled_requests, schedule
from workflows.cases.scheduled import due_before_operation
from workflows.people.access import Actor, may_see_case
from workflows.store.annual import AnnualCase
from workflows.store.cases import COMPLETED, Case
from workflows.store.definitions import current_definition
from workflows.store.organisation import Agency, OrgUnit, org_units_for_role
from workflows.store.tasks import NO_DUE_DATE, HumanTask, HumanTaskGroup
from workflows.store.users import User

MAX_TASKS = 500


@dataclass(frozen=True)
class Deadline:
    due_on: date
    what: str
    agreement: str
    case_id: int | None
    case_number: str | None
    task_id: int | None
    uid: str  # stable identity for calendars
    deliverer: str = ""  # who delivers (annual requests)
    case_visible: bool = True  # may the reader open the case page (an annual request of another agency: no)

    def overdue(self, today: date) -> bool:
        return self.due_on < today


def deadlines_for(db, actor: Actor, today: date) -> list[Deadline]:
    with db.transaction() as session:
        tasks = _task_deadlines(session, actor)
        annual = _annual_deadlines(session, actor, today)
    # An annual request whose open task sits in my groups is one line: its title, my task's link.
    mine = {d.case_id: d for d in tasks}
    annual = [replace(d, task_id=mine[d.case_id].task_id) if d.case_id in mine else d for d in annual]
    merged = {d.case_id for d in annual if d.case_id in mine}
    tasks = [d for d in tasks if d.case_id not in merged]
    return sorted(tasks + annual, key=lambda d: (d.due_on, d.what))


def _task_deadlines(session, actor: Actor) -> list[Deadline]:
    query = (
        select(HumanTask, Case.case_number, Case.agreement_id)
        .join(HumanTaskGroup, HumanTaskGroup.task_id == HumanTask.id)
        .join(Case, Case.id == HumanTask.case_id)
        .where(HumanTaskGroup.org_unit_id.in_(sorted(actor.org_unit_ids)), HumanTaskGroup.is_open.is_(True),
               HumanTaskGroup.due_sort < NO_DUE_DATE)
        .order_by(HumanTaskGroup.due_sort, HumanTask.id)
        .limit(MAX_TASKS)
    )
    seen, result = set(), []
    for task, case_number, agreement_id in session.execute(query):
        if task.id in seen:
            continue
        seen.add(task.id)
        result.append(Deadline(task.due_on, task.name, agreement_id, task.case_id, case_number, task.id,
                               f"task-{task.id}@koopflow"))
    return result


def _annual_deadlines(session, actor: Actor, today: date) -> list[Deadline]:
    """This year's and next year's requests, unless the year's case is already completed."""
    result = []
    for agreement in agreements_of(session, actor):
        for request in enabled_requests(agreement.data):
            for year in (today.year, today.year + 1):
                if year < request["first_year"]:
                    continue
                row = session.execute(
                    select(AnnualCase, Case).join(Case, Case.id == AnnualCase.case_id).where(
                        AnnualCase.agreement_id == agreement.id, AnnualCase.request_key == request["key"],
                        AnnualCase.year == year)).first()
                if row and row[1].status == COMPLETED:
                    continue
                case = row[1] if row else None
                dates = schedule(request, year, agreement.data)
                if case is None and due_before_operation(agreement.data, dates.due_on):
                    continue  # due before the agreement ran here: never opened (operation_start)
                result.append(Deadline(
                    dates.due_on, f"{request['reference']} {request['title']} {year}", agreement.id,
                    case.id if case else None, case.case_number if case else None, None,
                    f"annual-{agreement.id}-{request['key']}-{year}@koopflow", _deliverer(session, agreement, request),
                    case_visible=case is not None and may_see_case(session, actor, case)))
    return result


def _deliverer(session, agreement, request: dict) -> str:
    """The agency whose org units do the request's first task (who delivers)."""
    definition = current_definition(session, request["process"])
    first = next(iter(definition.user_tasks.values()), None) if definition else None
    units = org_units_for_role(session, agreement.id, first["lane"]) if first else []
    agency = session.get(Agency, session.get(OrgUnit, units[0]).agency_id) if units else None
    return agency.short_name if agency else ""


def calendar_key(db, user_id: int, renew: bool = False) -> str:
    """The user's calendar key, made on first use; ``renew`` replaces it (old addresses stop)."""
    with db.transaction() as session:
        user = session.get(User, user_id)
        if renew or not user.calendar_key:
            user.calendar_key = secrets.token_urlsafe(24)
        return user.calendar_key


def actor_for_calendar(db, user_id: int, key: str) -> Actor | None:
    with db.transaction() as session:
        user = session.get(User, user_id)
        if user is None or not user.active or not user.calendar_key:
            return None
        return Actor.of(user) if secrets.compare_digest(user.calendar_key, key) else None
