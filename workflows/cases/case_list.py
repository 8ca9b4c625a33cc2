"""Vorgänge: the cases one may see, searched, filtered and paged.

A search term is a case number, a name (every word must begin a word of the case's subject)
or a birth date (``TT.MM.JJJJ``). It is personal data: the pages send it by POST and keep it
in saved filters server-side, never in a URL. Only cases the actor may see are ever counted
or listed (``may_see``: one of the actor's org units had a task in it, or the actor started
it), so a user outside a case finds nothing, not even a count.

Paging is by key (the last case id), newest first; each filter is a condition on the case
row or an indexed subquery, and visibility is checked per case with EXISTS, so a page reads
about a page of cases when filters match a steady share of them.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from workflows.cases.inbox import DATE_MESSAGE, parse_date
from workflows.clock import BERLIN
from workflows.people.access import Actor
from workflows.store.case_search import cases_with_term, cases_with_term_prefix, normalise
from workflows.store.cases import STATUS_LABELS, Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.organisation import Agency
from workflows.store.tasks import HumanTask, HumanTaskGroup, open_by_key

PAGE_SIZE = 25
QUERY_LENGTH = 200
_CASE_NUMBER = re.compile(r"^[A-Za-zÄÖÜäöü]{1,20}-\d{4}(-\d{0,7})?$")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
DATE_FIELDS = ("started_from", "started_to", "school_end_before")


@dataclass(frozen=True)
class CaseFilter:
    q: str = ""
    process: str = ""
    status: str = ""
    agreement: str = ""
    started_from: date | None = None
    started_to: date | None = None
    school_end_before: date | None = None

    @property
    def is_default(self) -> bool:
        return self == CaseFilter()

    def as_params(self) -> dict[str, str]:
        """The filter as strings (for a saved filter, hidden fields, or a URL when ``q`` is empty)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}

    def without_search(self) -> dict[str, str]:
        return {k: v for k, v in self.as_params().items() if k != "q"}


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    case_number: str
    process_name: str
    subject: str | None
    status_label: str
    stands: list[str]  # open tasks, "Aufgabe (Träger)"
    due_on: date | None
    created_at: datetime


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    next_cursor: int | None


def parse_case_filter(values, process_keys: set[str], agreement_ids: set[str]) -> tuple[CaseFilter, dict[str, str]]:
    errors, dates = {}, {}
    for name in DATE_FIELDS:
        if values.get(name):
            try:
                dates[name] = parse_date(values[name])
            except ValueError:
                errors[name] = DATE_MESSAGE
    q = " ".join((values.get("q") or "").split())
    if len(q) > QUERY_LENGTH:
        errors["q"] = f"Der Suchbegriff darf höchstens {QUERY_LENGTH} Zeichen lang sein."
        q = q[:QUERY_LENGTH]
    if dates.get("started_from") and dates.get("started_to") and dates["started_from"] > dates["started_to"]:
        errors["started_to"] = "Das Ende des Zeitraums muss nach seinem Anfang liegen."
    return CaseFilter(
        q=q,
        process=values.get("process") if values.get("process") in process_keys else "",
        status=values.get("status") if values.get("status") in STATUS_LABELS else "",
        agreement=values.get("agreement") if values.get("agreement") in agreement_ids else "",
        **dates,
    ), errors


def filter_from_params(params: dict) -> CaseFilter:
    """A saved filter's stored strings back into a filter (they were checked when saved)."""
    known = {f.name for f in fields(CaseFilter)}
    values = {k: v for k, v in params.items() if k in known}
    for name in DATE_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return CaseFilter(**values)


def may_see(actor: Actor):
    """A condition on Case: the actor's org units had a task in it, or the actor started it.

    Nested EXISTS on purpose: from the case to its tasks (index on case_id), from each task to
    its groups (primary key), so no planner walks a whole group inbox for every case."""
    in_my_groups = exists(select(HumanTaskGroup.task_id).where(
        HumanTaskGroup.task_id == HumanTask.id, HumanTaskGroup.org_unit_id.in_(sorted(actor.org_unit_ids))))
    took_part = exists(select(HumanTask.id).where(HumanTask.case_id == Case.id, in_my_groups))
    return or_(took_part, Case.created_by_id == actor.user_id)


def _conditions(filters: CaseFilter, actor: Actor) -> list:
    found = [may_see(actor)]
    if filters.q:
        found.append(_search(filters.q))
    if filters.process:
        found.append(Case.process_key == filters.process)
    if filters.status:
        found.append(Case.status == filters.status)
    if filters.agreement:
        found.append(Case.agreement_id == filters.agreement)
    if filters.started_from:
        found.append(Case.created_at >= datetime.combine(filters.started_from, time.min, BERLIN))
    if filters.started_to:
        found.append(Case.created_at < datetime.combine(filters.started_to, time.max, BERLIN))
    if filters.school_end_before:
        found.append(Case.school_end_on < filters.school_end_before)
    return found


def _search(q: str):
    if _CASE_NUMBER.match(q):
        number = q.upper()
        return and_(Case.case_number >= number, Case.case_number < number + "\U0010ffff")
    try:
        return Case.id.in_(cases_with_term(parse_date(q).isoformat()))
    except (ValueError, TypeError):
        pass
    words = [normalise(w) for w in _WORD.findall(q)]
    if not words:
        return Case.id.is_(None)  # nothing to look for: nothing found
    return and_(*(Case.id.in_(cases_with_term_prefix(w)) for w in words))


def case_page(db, actor: Actor, filters: CaseFilter = CaseFilter(), cursor: int | None = None,
              page_size: int = PAGE_SIZE) -> CasePage:
    with db.transaction() as session:
        query = select(Case.id).where(*_conditions(filters, actor))
        if cursor:
            query = query.where(Case.id < cursor)
        ids = list(session.scalars(query.order_by(Case.id.desc()).limit(page_size + 1)))
        more = len(ids) > page_size
        ids = ids[:page_size]
        rows = _rows(session, ids)
    return CasePage(rows, ids[-1] if more and ids else None)


def count_cases(db, actor: Actor, filters: CaseFilter, cap: int | None = None) -> int:
    """How many cases the actor finds with ``filters``; with ``cap``, at most cap + 1 are counted
    (the caller says "mehr als cap"), so the count costs no more with 100,000 cases than with 1,000."""
    with db.transaction() as session:
        found = select(Case.id).where(*_conditions(filters, actor))
        if cap is not None:
            found = found.order_by(Case.id.desc()).limit(cap + 1)
        return session.scalar(select(func.count()).select_from(found.subquery()))


def _rows(session: Session, ids: list[int]) -> list[CaseRow]:
    if not ids:
        return []
    stands: dict[int, list[str]] = {i: [] for i in ids}
    due: dict[int, date] = {}
    tasks = session.execute(select(HumanTask.case_id, HumanTask.name, HumanTask.due_on, Agency.short_name)
                            .join(Agency, Agency.id == HumanTask.agency_id, isouter=True)
                            .where(HumanTask.case_id.in_(ids), open_by_key()).order_by(HumanTask.id))
    for case_id, name, due_on, agency in tasks:
        stands[case_id].append(f"{name} ({agency})" if agency else name)
        if due_on and (case_id not in due or due_on < due[case_id]):
            due[case_id] = due_on
    cases = session.execute(select(Case, ProcessDefinition.name)
                            .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
                            .where(Case.id.in_(ids)))
    by_id = {case.id: CaseRow(case.id, case.case_number, name, case.subject, case.status_label, stands[case.id],
                              due.get(case.id), case.created_at) for case, name in cases}
    return [by_id[i] for i in ids]

