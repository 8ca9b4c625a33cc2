"""Who may see and do what. Every query and command asks here, pages and API alike.

A user sees a case only as far as one of their org units takes part in it: it has (or
had) a task in one of their group inboxes. They may work on a task that sits in one of
their groups or is assigned to them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workflows.errors import Forbidden, NotFound
from workflows.store.cases import Case
from workflows.store.tasks import HumanTask, org_unit_took_part, org_units_of_task
from workflows.store.users import User


@dataclass(frozen=True)
class Actor:
    """The person behind a request, with the groups they act for."""

    user_id: int
    username: str
    display_name: str
    org_unit_ids: frozenset[str]
    lead_org_unit_ids: frozenset[str]
    is_admin: bool = False

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            org_unit_ids=frozenset(m.org_unit_id for m in user.memberships),
            lead_org_unit_ids=frozenset(m.org_unit_id for m in user.memberships if m.is_lead),
            is_admin=bool(user.is_admin),
        )

    @classmethod
    def of_rows(cls, rows) -> "Actor":
        """From rows of a user's ``user_id, username, display_name, is_admin`` and, one per
        membership, ``org_unit_id, is_lead`` (None where they have none)."""
        first = rows[0]
        return cls(
            user_id=first.user_id,
            username=first.username,
            display_name=first.display_name,
            org_unit_ids=frozenset(r.org_unit_id for r in rows if r.org_unit_id is not None),
            lead_org_unit_ids=frozenset(r.org_unit_id for r in rows if r.org_unit_id is not None and r.is_lead),
            is_admin=bool(first.is_admin),
        )


CASE_NOT_FOUND = "Diesen Vorgang gibt es nicht, oder Sie haben keinen Zugriff darauf."
TASK_NOT_FOUND = "Diese Aufgabe gibt es nicht, oder Sie haben keinen Zugriff darauf."


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotFound("Diese Seite gibt es nicht, oder Sie haben keinen Zugriff darauf.")


def case_for(session: Session, actor: Actor, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None or not may_see_case(session, actor, case):
        raise NotFound(CASE_NOT_FOUND)
    return case


def may_see_case(session: Session, actor: Actor, case: Case) -> bool:
    return case.created_by_id == actor.user_id or org_unit_took_part(
        session, case.id, sorted(actor.org_unit_ids)
    )


def task_for(session: Session, actor: Actor, task_id: int, in_groups: bool | None = None) -> HumanTask:
    """The task, if it sits in one of the actor's groups or is theirs; else NotFound.
    ``in_groups``: whether it sits in one of them, when the command read that with the task
    (``store.tasks.in_groups_of``); None: read here."""
    task = session.get(HumanTask, task_id)
    if task is None or not may_work_on(session, actor, task, in_groups):
        raise NotFound(TASK_NOT_FOUND)
    return task


def may_work_on(session: Session, actor: Actor, task: HumanTask, in_groups: bool | None = None) -> bool:
    if task.assignee_id == actor.user_id:
        return True
    if in_groups is not None:
        return in_groups
    return bool(actor.org_unit_ids.intersection(org_units_of_task(session, task.id)))


def require_lead_or_assignee(session: Session, actor: Actor, task: HumanTask) -> None:
    if task.assignee_id == actor.user_id:
        return
    if actor.lead_org_unit_ids.intersection(org_units_of_task(session, task.id)):
        return
    raise Forbidden("Nur die bearbeitende Person oder die Leitung der Gruppe kann diese Aufgabe abgeben.")
