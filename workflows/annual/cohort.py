"""The school-leaver cohort: from the § 8 b list to a timely handover.

The agreement's purpose for § 8 b is that nobody falls into a gap at the end of school. So
each person of a delivered named list becomes a cohort entry the moment the list is
delivered; the handover started from the row is linked to it, and the takeover's
confirmation dates it (``workflows/cases/school_end.py``). A person named again in a later
list (a repeated school year) is recognised by name and birth date and linked to the earlier
entry, which then counts as relisted, not as a second person.

The cohort page of a list year is seen by those who may see that year's list case: the same
rule as the Vorgänge (``workflows/people/access.py``).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workflows.annual.cohort_milestones import Milestone, milestones_of
from workflows.annual.named_list import HANDOVER_PROCESS, LIST_FORM, LIST_PROCESS, delivered_persons
from workflows.clock import berlin_date
from workflows.errors import NotFound
from workflows.people.access import Actor, case_for, may_see_case
from workflows.store.annual import AnnualCase, annual_case_of
from workflows.store.cases import CANCELLED, DECLINED, RUNNING, WITHDRAWN, Case
from workflows.store.cohort import (
    SCHOOL,
    VOCATIONAL_SCHOOL,
    CohortEntry,
    entries_of_list,
    entries_of_year,
    entry_of_row,
    latest_entry_of_person,
)
from workflows.store.organisation import Agreement

REQUEST_KEY = "named_list"
PREPARE_FORM = "handover_prepare.schema.json"
EDUCATION_LABELS = {SCHOOL: "Schulausbildung", VOCATIONAL_SCHOOL: "Schulische Berufsausbildung"}
NOT_STARTED, STARTED, CONFIRMED = "not_started", "running", "confirmed"
STATUS_LABELS = {NOT_STARTED: "Übergabe nicht begonnen", STARTED: "Übergabe läuft", CONFIRMED: "Übernahme bestätigt",
                 DECLINED: "Übernahme abgelehnt", WITHDRAWN: "Übergabe zurückgezogen", CANCELLED: "Übergabe abgebrochen",
                 "relisted": "erneut gemeldet"}
NOT_FOUND = "Für dieses Jahr gibt es keine Liste, oder Sie haben keinen Zugriff darauf."


def person_key(agreement_id: str, person: dict) -> str:
    """A one-way digest of name and birth date (per agreement): recognises the person, shows nobody."""
    words = [str(person.get(k) or "").strip().casefold() for k in ("last_name", "first_name", "birth_date")]
    return hashlib.sha256("|".join([agreement_id, *words]).encode()).hexdigest()


def track_cohort(session, case: Case, form_name: str | None, values: dict, now) -> None:
    """After a completed task: a delivered list joins the cohort; a handover prepared by hand
    for a listed person is linked to their entry as if started from the row."""
    if case.process_key == LIST_PROCESS and form_name == LIST_FORM:
        register_list(session, case, values, now)
    elif case.process_key == HANDOVER_PROCESS and form_name == PREPARE_FORM and isinstance(values.get("person"), dict):
        _link_by_person(session, case, values["person"], now)


def _link_by_person(session, case: Case, person: dict, now) -> None:
    if session.scalar(select(CohortEntry.id).where(CohortEntry.handover_case_id == case.id).limit(1)):
        return  # started from the row: linked already
    entry = session.scalar(select(CohortEntry).where(
        CohortEntry.agreement_id == case.agreement_id, CohortEntry.person_key == person_key(case.agreement_id, person),
        CohortEntry.relisted.is_(False), CohortEntry.handover_case_id.is_(None))
        .order_by(CohortEntry.list_year.desc()).limit(1))
    if entry is not None:
        entry.handover_case_id, entry.next_chase_on = case.id, berlin_date(now)


def register_list(session, case: Case, values: dict, now) -> None:
    """A named list was delivered: each row becomes (or, delivered again, updates) its entry."""
    annual = annual_case_of(session, case.id)
    if annual is None:
        return
    persons = list(values.get("persons") or [])
    for index, person in enumerate(persons):
        try:
            school_end = date.fromisoformat(person.get("expected_school_end") or "")
        except ValueError:
            continue  # the form refuses such a row; nothing to track
        entry = entry_of_row(session, case.id, index)
        if entry is None:
            entry = CohortEntry(agreement_id=case.agreement_id, list_case_id=case.id, list_year=annual.year,
                                row_index=index, listed_on=berlin_date(now), relisted=False)
            session.add(entry)
        entry.person_key = person_key(case.agreement_id, person)
        entry.expected_school_end = school_end
        entry.education = person.get("education") or SCHOOL
        entry.next_chase_on = berlin_date(now)  # the next round plans its chasing
        _link_earlier(session, entry)
    for entry in entries_of_list(session, case.id):
        if entry.row_index >= len(persons) and entry.handover_case_id is None:
            session.delete(entry)  # a row the corrected list no longer names
    session.flush()


def _link_earlier(session, entry: CohortEntry) -> None:
    earlier = latest_entry_of_person(session, entry.agreement_id, entry.person_key, entry.list_year)
    if earlier is None:
        return
    entry.earlier_entry_id = earlier.id
    earlier.relisted = True
    handover = session.get(Case, earlier.handover_case_id) if earlier.handover_case_id else None
    if handover is not None and handover.status == RUNNING and entry.handover_case_id is None:
        entry.handover_case_id, entry.takeover_confirmed_on = handover.id, earlier.takeover_confirmed_on


def status_of(entry: CohortEntry, handover: Case | None) -> str:
    if entry.relisted:
        return "relisted"
    if entry.takeover_confirmed_on is not None:
        return CONFIRMED
    if handover is None:
        return NOT_STARTED
    return handover.status if handover.status in (DECLINED, WITHDRAWN, CANCELLED) else STARTED


def status_label(entry: CohortEntry, status: str, later_year: int | None = None) -> str:
    if status == CONFIRMED:
        return f"{STATUS_LABELS[CONFIRMED]} ({entry.takeover_confirmed_on:%d.%m.%Y})"
    if status == "relisted" and later_year:
        return f"{STATUS_LABELS['relisted']} (Liste {later_year})"
    return STATUS_LABELS[status]


@dataclass(frozen=True)
class CohortRow:
    row_index: int
    name: str  # shown behind the login only; never mailed, logged or put in a URL
    birth_date: str | None
    expected_school_end: date
    education: str
    status: str
    status_label: str
    handover_case_id: int | None
    handover_case_number: str | None
    may_open_handover: bool
    earlier_year: int | None
    milestones: list[Milestone]


@dataclass(frozen=True)
class CohortPage:
    agreement_id: str
    agreement_name: str
    year: int
    target_year: int
    list_case_id: int
    list_case_number: str
    rows: list[CohortRow]


def cohort_page(db, clock, actor: Actor, agreement_id: str, year: int) -> CohortPage:
    with db.transaction(read_only=True) as session:
        list_case = _list_case(session, actor, agreement_id, year)
        persons = delivered_persons(session, list_case.id)
        today = clock.today()
        rows = []
        for entry in entries_of_year(session, agreement_id, year):
            if entry.list_case_id != list_case.id:
                continue
            person = persons[entry.row_index] if entry.row_index < len(persons) else {}
            rows.append(_row(session, actor, list_case, entry, person, today))
        agreement = session.get(Agreement, agreement_id)
        offset = next((r.get("target_year_offset", 2) for r in agreement.data.get("annual_requests", [])
                       if r.get("key") == REQUEST_KEY), 2)
        return CohortPage(agreement_id, agreement.name, year, year + offset, list_case.id, list_case.case_number, rows)


def _row(session, actor: Actor, list_case: Case, entry: CohortEntry, person: dict, today: date) -> CohortRow:
    handover = session.get(Case, entry.handover_case_id) if entry.handover_case_id else None
    status = status_of(entry, handover)
    later = session.scalar(select(CohortEntry.list_year).where(CohortEntry.earlier_entry_id == entry.id)) \
        if entry.relisted else None
    earlier = session.get(CohortEntry, entry.earlier_entry_id) if entry.earlier_entry_id else None
    name = ", ".join(p for p in (person.get("last_name"), person.get("first_name")) if p) or "(Daten gelöscht)"
    return CohortRow(
        row_index=entry.row_index, name=name, birth_date=person.get("birth_date") or None,
        expected_school_end=entry.expected_school_end, education=EDUCATION_LABELS.get(entry.education, entry.education),
        status=status, status_label=status_label(entry, status, later),
        handover_case_id=handover.id if handover else None,
        handover_case_number=handover.case_number if handover else None,
        may_open_handover=bool(handover and may_see_case(session, actor, handover)),
        earlier_year=earlier.list_year if earlier else None,
        milestones=milestones_of(session, list_case, entry, handover, status, today))


def _list_case(session, actor: Actor, agreement_id: str, year: int) -> Case:
    case_id = session.scalar(select(AnnualCase.case_id).where(
        AnnualCase.agreement_id == agreement_id, AnnualCase.request_key == REQUEST_KEY, AnnualCase.year == year))
    if case_id is None:
        raise NotFound(NOT_FOUND)
    try:
        return case_for(session, actor, case_id)
    except NotFound:
        raise NotFound(NOT_FOUND) from None


@dataclass(frozen=True)
class CohortYear:
    agreement_id: str
    agreement_name: str
    year: int
    persons: int


def cohort_years(db, actor: Actor) -> list[CohortYear]:
    """The list years whose list case the actor may see, newest first, with how many persons."""
    with db.transaction(read_only=True) as session:
        rows = session.execute(select(AnnualCase, Agreement.name).join(Agreement, Agreement.id == AnnualCase.agreement_id)
                               .where(AnnualCase.request_key == REQUEST_KEY)
                               .order_by(Agreement.name, AnnualCase.year.desc())).all()
        result = []
        for annual, name in rows:
            case = session.get(Case, annual.case_id)
            if may_see_case(session, actor, case):
                result.append(CohortYear(annual.agreement_id, name, annual.year, len(entries_of_list(session, case.id))))
        return result
