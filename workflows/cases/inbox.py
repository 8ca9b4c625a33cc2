"""The Posteingang: open tasks of my groups and mine, filtered, sorted, page by page.

Each group inbox (and "assigned to me") is read in order straight off its index, at most
one page from each, and the streams are merged. A page therefore costs the same whatever
the number of cases: O(groups × page size), never O(open tasks). Paging is by key (the last
row's sort key and id), not by offset, for the same reason. Every sort has its own index on
``human_task_groups`` (due date, since, case number); filters narrow the streams, and a
filter that matches a steady share of the tasks still reads about a page per stream.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.orm import Session

from workflows.people.access import Actor
from workflows.store.absences import absent_covered_by
from workflows.store.cases import Case
from workflows.store.db import MAX_ROW_ID
from workflows.store.definitions import ProcessDefinition
from workflows.store.follow_ups import CaseFollowUp, TaskFollowUp
from workflows.store.organisation import Agency
from workflows.store.tasks import OPEN, HumanTask, HumanTaskGroup, open_by_key
from workflows.store.users import User

PAGE_SIZE = 25
SORTS = {"due": "Frist", "since": "Seit", "case": "Vorgangsnummer"}
SCOPES = {"all": "Alle meine Gruppen", "mine": "Mir zugewiesen", "unassigned": "Niemandem zugewiesen",
          "followups": "Meine Wiedervorlagen"}
DATE_MESSAGE = "Bitte geben Sie das Datum im Format TT.MM.JJJJ an, z. B. 31.07.2027."


@dataclass(frozen=True)
class InboxFilter:
    """What the Posteingang shows: no personal data, so it may travel in the page's URL."""

    process: str | None = None  # a process key
    scope: str = "all"
    overdue: bool = False
    due_by: date | None = None  # due on or before this day
    sort: str = "due"

    @property
    def is_default(self) -> bool:
        return self == InboxFilter()

    def as_args(self) -> dict[str, str]:
        args = {"process": self.process or "", "scope": self.scope if self.scope != "all" else "",
                "overdue": "1" if self.overdue else "", "due_by": self.due_by.isoformat() if self.due_by else "",
                "sort": self.sort if self.sort != "due" else ""}
        return {k: v for k, v in args.items() if v}


@dataclass(frozen=True)
class InboxRow:
    task_id: int
    case_id: int
    case_number: str
    task_name: str
    process_name: str
    agency: str  # the agency whose group inbox the task sits in (the API's field)
    subject: str | None  # whom the case is about: the reader may see the case (it is in their inbox)
    due_on: date | None
    overdue: bool
    since: datetime
    assignee_id: int | None
    assignee_name: str | None
    school_end_on: date | None = None  # a handover's end of school while its takeover is open …
    school_end_warn_on: date | None = None  # … and from when it is shown (workflows/cases/school_end.py)
    follow_up_on: date | None = None  # the reader's own Wiedervorlage of the task


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None


def parse_date(text: str) -> date | None:
    """``TT.MM.JJJJ`` or ``JJJJ-MM-TT`` (what a date field sends); raises ValueError otherwise."""
    text = (text or "").strip()
    if "." in text:
        day, month, year = text.split(".")
        return date(int(year), int(month), int(day))
    return date.fromisoformat(text)


def parse_filter(args, process_keys: set[str]) -> tuple[InboxFilter, dict[str, str]]:
    """The filter from a request's arguments, and German messages for what could not be read."""
    errors, due_by = {}, None
    if args.get("due_by"):
        try:
            due_by = parse_date(args["due_by"])
        except ValueError:
            errors["due_by"] = DATE_MESSAGE
    process = args.get("process") if args.get("process") in process_keys else None
    scope = args.get("scope") if args.get("scope") in SCOPES else "all"
    sort = args.get("sort") if args.get("sort") in SORTS else "due"
    return InboxFilter(process, scope, args.get("overdue") == "1", due_by, sort), errors


def parse_cursor(cursor: str | None, sort: str = "due"):
    """A cursor is ``KEY.ID`` of the last row seen (KEY: a date, a time or a case number);
    anything else starts at the top."""
    if not cursor or "." not in cursor:
        return None
    key, task_id = cursor.rsplit(".", 1)
    try:
        value = {"due": date.fromisoformat, "since": datetime.fromisoformat, "case": str}[sort](key)
        if isinstance(value, datetime) and value.tzinfo is None:
            return None
        if not 0 < int(task_id) <= MAX_ROW_ID:
            return None
        return value, int(task_id)
    except ValueError:
        return None


def inbox_page(db, actor: Actor, cursor: str | None = None, page_size: int = PAGE_SIZE,
               filters: InboxFilter = InboxFilter(), today: date | None = None) -> InboxPage:
    """One page of the actor's Posteingang. ``today`` decides what is overdue (the caller's clock)
    and which of the actor's Wiedervorlagen are still ahead: those tasks leave the open work until
    their day, and so do the open tasks of a case the actor has put on Wiedervorlage; the scope
    "followups" lists every task the actor has set one on (the cases: ``my_case_follow_ups``)."""
    if filters.overdue and today is None:
        raise ValueError("an overdue filter needs today's date")
    after = parse_cursor(cursor, filters.sort)
    with db.transaction(read_only=True) as session:
        streams = []
        if filters.scope == "followups":
            streams.append(_follow_up_keys(session, actor, after, page_size + 1, filters, today))
        held = filters.scope != "followups" and _holds_cases(session, actor.user_id, today)
        if filters.scope not in ("mine", "followups"):
            streams += [_group_keys(session, unit, after, page_size + 1, filters, today, actor.user_id, held)
                        for unit in sorted(actor.org_unit_ids)]
        if filters.scope not in ("unassigned", "followups"):
            # mine, and those of colleagues away today for whom I stand in (Vertretung)
            covered = absent_covered_by(session, actor.user_id, today) if today else []
            streams += [_assigned_keys(session, user_id, after, page_size + 1, filters, today, actor.user_id, held)
                        for user_id in [actor.user_id, *covered]]
        keys = _merge_unique(streams, page_size + 1)
        more = len(keys) > page_size
        keys = keys[:page_size]
        rows = _rows(session, [task_id for _key, task_id in keys], today, actor.user_id)
    next_cursor = f"{_key_text(keys[-1][0])}.{keys[-1][1]}" if more and keys else None
    return InboxPage(rows, next_cursor)


def _key_text(key) -> str:
    return key.isoformat() if isinstance(key, date | datetime) else str(key)


def _narrowed(query, task_id, due_sort, filters: InboxFilter, today: date | None, reader_id: int | None = None,
              cases_held: bool = False):
    if filters.overdue:
        query = query.where(due_sort < today)
    if filters.due_by:
        query = query.where(due_sort <= filters.due_by)
    if filters.process:  # correlated: one primary-key look-up per task read, never all cases
        query = query.where(exists(select(Case.id).join(HumanTask, HumanTask.case_id == Case.id).where(
            HumanTask.id == task_id, Case.process_key == filters.process)))
    if reader_id is not None and today is not None:  # the reader's Wiedervorlagen still ahead: not now
        query = query.where(~exists(select(TaskFollowUp.task_id).where(
            TaskFollowUp.task_id == task_id, TaskFollowUp.user_id == reader_id, TaskFollowUp.due_on > today)))
    if cases_held:  # … and every task of a case the reader has put on Wiedervorlage (two key look-ups)
        query = query.where(~exists(select(CaseFollowUp.case_id).join(HumanTask, HumanTask.case_id == CaseFollowUp.case_id)
                                    .where(HumanTask.id == task_id, CaseFollowUp.user_id == reader_id,
                                           CaseFollowUp.due_on > today)))
    return query


def _holds_cases(session: Session, reader_id: int, today: date | None) -> bool:
    """Whether the reader has a Wiedervorlage on a case still ahead (most have none: then the
    Posteingang's queries stay as they are)."""
    return today is not None and session.scalar(select(CaseFollowUp.case_id).where(
        CaseFollowUp.user_id == reader_id, CaseFollowUp.due_on > today).limit(1)) is not None


def _group_keys(session: Session, org_unit_id: str, after, limit: int, filters: InboxFilter, today,
                reader_id: int | None = None, cases_held: bool = False):
    key = {"due": HumanTaskGroup.due_sort, "since": HumanTaskGroup.created_at,
           "case": HumanTaskGroup.case_number}[filters.sort]
    query = select(key, HumanTaskGroup.task_id).where(
        HumanTaskGroup.org_unit_id == org_unit_id, HumanTaskGroup.is_open.is_(True))
    if filters.scope == "unassigned":
        query = query.join(HumanTask, HumanTask.id == HumanTaskGroup.task_id).where(HumanTask.assignee_id.is_(None))
    # Sorted by anything but the due date, a due-date filter must not pick the due-date index: the
    # database would then sort every match and the page cost would grow with the cases. Behind
    # coalesce(x, x) (the same value) the filter is checked on the rows the sort's own index reads.
    due = HumanTaskGroup.due_sort if filters.sort == "due" \
        else func.coalesce(HumanTaskGroup.due_sort, HumanTaskGroup.due_sort)
    query = _narrowed(query, HumanTaskGroup.task_id, due, filters, today, reader_id, cases_held)
    if after:
        query = query.where(tuple_(key, HumanTaskGroup.task_id) > after)
    query = query.order_by(key, HumanTaskGroup.task_id).limit(limit)
    return [tuple(r) for r in session.execute(query)]


def _assigned_keys(session: Session, user_id: int, after, limit: int, filters: InboxFilter, today,
                   reader_id: int | None = None, cases_held: bool = False):
    """A person's own tasks: few, so sorting them by case number through the case is cheap."""
    key = {"due": HumanTask.due_sort, "since": HumanTask.created_at, "case": Case.case_number}[filters.sort]
    query = select(key, HumanTask.id).where(HumanTask.assignee_id == user_id, HumanTask.state == OPEN)
    if filters.sort == "case":
        query = query.join(Case, Case.id == HumanTask.case_id)
    query = _narrowed(query, HumanTask.id, HumanTask.due_sort, filters, today, reader_id, cases_held)
    if after:
        query = query.where(tuple_(key, HumanTask.id) > after)
    query = query.order_by(key, HumanTask.id).limit(limit)
    return [tuple(r) for r in session.execute(query)]


def _follow_up_keys(session: Session, actor: Actor, after, limit: int, filters: InboxFilter, today):
    """The actor's Wiedervorlagen on open tasks they may still work on (few per person)."""
    key = {"due": HumanTask.due_sort, "since": HumanTask.created_at, "case": Case.case_number}[filters.sort]
    in_my_groups = exists(select(HumanTaskGroup.task_id).where(
        HumanTaskGroup.task_id == HumanTask.id, HumanTaskGroup.org_unit_id.in_(sorted(actor.org_unit_ids))))
    query = (select(key, HumanTask.id).join(TaskFollowUp, TaskFollowUp.task_id == HumanTask.id)
             .where(TaskFollowUp.user_id == actor.user_id, open_by_key(),
                    (HumanTask.assignee_id == actor.user_id) | in_my_groups))
    if filters.sort == "case":
        query = query.join(Case, Case.id == HumanTask.case_id)
    query = _narrowed(query, HumanTask.id, HumanTask.due_sort, filters, today)
    if after:
        query = query.where(tuple_(key, HumanTask.id) > after)
    query = query.order_by(key, HumanTask.id).limit(limit)
    return [tuple(r) for r in session.execute(query)]


def _merge_unique(streams, limit: int) -> list:
    result, seen = [], set()
    for key in heapq.merge(*streams):
        if key[1] in seen:
            continue
        seen.add(key[1])
        result.append(key)
        if len(result) == limit:
            break
    return result


def _rows(session: Session, task_ids: list[int], today: date | None, reader_id: int | None = None) -> list[InboxRow]:
    if not task_ids:
        return []
    follow_ups = dict(session.execute(select(TaskFollowUp.task_id, TaskFollowUp.due_on).where(
        TaskFollowUp.user_id == reader_id, TaskFollowUp.task_id.in_(task_ids))).all()) if reader_id else {}
    query = (
        select(HumanTask, Case.case_number, Case.subject, ProcessDefinition.name, Agency.short_name,
               User.display_name, Case.school_end_on, Case.school_end_warn_on)
        .join(Case, Case.id == HumanTask.case_id)
        .join(Agency, Agency.id == HumanTask.agency_id, isouter=True)
        .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
        .join(User, User.id == HumanTask.assignee_id, isouter=True)
        .where(HumanTask.id.in_(task_ids))
    )
    by_id = {}
    for task, case_number, subject, process_name, agency, assignee, school_end, warn_on in session.execute(query):
        overdue = bool(task.due_on and today and task.due_on < today)
        by_id[task.id] = InboxRow(
            task.id, task.case_id, case_number, task.name, process_name, agency or "", subject, task.due_on, overdue,
            task.created_at, task.assignee_id, assignee, school_end, warn_on, follow_ups.get(task.id),
        )
    return [by_id[i] for i in task_ids]


def with_sort(filters: InboxFilter, sort: str) -> InboxFilter:
    return replace(filters, sort=sort)


def process_choices(db) -> list[tuple[str, str]]:
    """(process key, name) of every current process definition, by name: the filter's choices."""
    with db.transaction() as session:
        rows = session.execute(select(ProcessDefinition.process_key, ProcessDefinition.name)
                               .where(ProcessDefinition.is_current.is_(True))).all()
    return sorted({(key, name) for key, name in rows}, key=lambda r: r[1])
