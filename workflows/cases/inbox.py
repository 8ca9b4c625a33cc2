"""The Posteingang: open tasks of my groups and mine, by due date, page by page.

Each group inbox (and "assigned to me") is read in order straight off its index, at most
one page from each, and the streams are merged. A page therefore costs the same whatever
the number of cases: O(groups × page size), never O(open tasks). Paging is by key (the last
row's due date and id), not by offset, for the same reason.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from workflows.people.access import Actor
from workflows.store.cases import Case
from workflows.store.db import MAX_ROW_ID
from workflows.store.organisation import Agency
from workflows.store.tasks import OPEN, HumanTask, HumanTaskGroup
from workflows.store.users import User

PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxRow:
    task_id: int
    case_id: int
    case_number: str
    task_name: str
    agency: str
    due_on: date | None
    since: datetime
    assignee_id: int | None
    assignee_name: str | None
    school_end: date | None = None  # a handover's end of school while its takeover is open …
    school_end_warn_on: date | None = None  # … and from when it is shown (workflows/cases/school_end.py)


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> tuple[date, int] | None:
    """A cursor is ``YYYY-MM-DD.ID`` of the last row seen; anything else starts at the top."""
    if not cursor:
        return None
    try:
        day, task_id = cursor.split(".", 1)
        if not 0 < int(task_id) <= MAX_ROW_ID:
            return None
        return date.fromisoformat(day), int(task_id)
    except ValueError:
        return None


def inbox_page(db, actor: Actor, cursor: str | None = None, page_size: int = PAGE_SIZE) -> InboxPage:
    after = parse_cursor(cursor)
    with db.transaction(read_only=True) as session:
        streams = [_group_keys(session, unit, after, page_size + 1) for unit in sorted(actor.org_unit_ids)]
        streams.append(_assigned_keys(session, actor.user_id, after, page_size + 1))
        keys = _merge_unique(streams, page_size + 1)
        more = len(keys) > page_size
        keys = keys[:page_size]
        rows = _rows(session, [task_id for _due, task_id in keys])
    next_cursor = f"{keys[-1][0].isoformat()}.{keys[-1][1]}" if more and keys else None
    return InboxPage(rows, next_cursor)


def _group_keys(session: Session, org_unit_id: str, after, limit: int) -> list[tuple[date, int]]:
    query = select(HumanTaskGroup.due_sort, HumanTaskGroup.task_id).where(
        HumanTaskGroup.org_unit_id == org_unit_id, HumanTaskGroup.is_open.is_(True)
    )
    if after:
        query = query.where(tuple_(HumanTaskGroup.due_sort, HumanTaskGroup.task_id) > after)
    query = query.order_by(HumanTaskGroup.due_sort, HumanTaskGroup.task_id).limit(limit)
    return [tuple(r) for r in session.execute(query)]


def _assigned_keys(session: Session, user_id: int, after, limit: int) -> list[tuple[date, int]]:
    query = select(HumanTask.due_sort, HumanTask.id).where(
        HumanTask.assignee_id == user_id, HumanTask.state == OPEN
    )
    if after:
        query = query.where(tuple_(HumanTask.due_sort, HumanTask.id) > after)
    query = query.order_by(HumanTask.due_sort, HumanTask.id).limit(limit)
    return [tuple(r) for r in session.execute(query)]


def _merge_unique(streams, limit: int) -> list[tuple[date, int]]:
    result, seen = [], set()
    for key in heapq.merge(*streams):
        if key[1] in seen:
            continue
        seen.add(key[1])
        result.append(key)
        if len(result) == limit:
            break
    return result


def _rows(session: Session, task_ids: list[int]) -> list[InboxRow]:
    if not task_ids:
        return []
    query = (
        select(HumanTask, Case.case_number, Agency.short_name, User.display_name, Case.school_end,
               Case.school_end_warn_on)
        .join(Case, Case.id == HumanTask.case_id)
        .join(Agency, Agency.id == HumanTask.agency_id, isouter=True)
        .join(User, User.id == HumanTask.assignee_id, isouter=True)
        .where(HumanTask.id.in_(task_ids))
    )
    by_id = {}
    for task, case_number, agency, assignee, school_end, warn_on in session.execute(query):
        by_id[task.id] = InboxRow(
            task.id, task.case_id, case_number, task.name, agency or "", task.due_on,
            task.created_at, task.assignee_id, assignee, school_end, warn_on,
        )
    return [by_id[i] for i in task_ids]
