"""The bodies of an agreement (§ 5, § 6, Anlage 1 and 2): each meeting a case, opened on the
agreement's calendar.

An agreement lists its bodies under ``conferences``: which process runs a meeting, how
often a year it meets (``times_per_year``, or explicit ``opens`` dates), which org units
organise it and who is invited. When management rotates (the Kooperationskonferenz: every
two years the other partner), ``management`` says who starts in which year. The worker
reads all of this from the stored agreement on every round, so an amendment that changes a
frequency is followed from the next opening date on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from workflows.agreements.partner_roles import narrowed_roles, partner_of_units
from workflows.cases.scheduled import due_before_operation, open_once, served_before_end_of
from workflows.legal_dates import add_working_days, annual_due_date
from workflows.processes.diagram_functions import at_workday_start
from workflows.store import incidents
from workflows.store.conferences import ConferenceCase
from workflows.store.organisation import in_force

log = logging.getLogger(__name__)
MANAGEMENT_ROLE = "conference_management"
DEFAULT_REMINDER_WEEKS = 4


@dataclass(frozen=True)
class Meeting:
    """One meeting of one body: the ``occurrence``-th of ``year``."""

    key: str
    year: int
    occurrence: int
    opens_on: date


def enabled_conferences(agreement: dict) -> list[dict]:
    return [c for c in agreement.get("conferences", []) if c.get("enabled")]


def opening_dates(conference: dict, year: int) -> list[date]:
    """The days this year's meetings open: the ``opens`` list, or spread evenly over the year."""
    if conference.get("opens"):
        days = conference["opens"]
    else:
        count = conference["times_per_year"]
        days = [f"{1 + (12 * i) // count:02d}-01" for i in range(count)]
    return [annual_due_date(year, day) for day in days]


def meetings_to_open(conference: dict, today: date) -> list[Meeting]:
    """This year's meetings whose opening day has come (never a past year's)."""
    year = today.year
    if year < conference["first_year"] or year > conference.get("last_year", year):
        return []
    return [Meeting(conference["key"], year, n, day)
            for n, day in enumerate(opening_dates(conference, year), start=1) if day <= today]


def slot_end(conference: dict, meeting: Meeting) -> date:
    """The last day of a meeting's turn: the day before the next meeting of its year opens, or the
    year's end. A turn over before the start of operation is not opened (its successor is)."""
    days = opening_dates(conference, meeting.year)
    return days[meeting.occurrence] - timedelta(days=1) if meeting.occurrence < len(days) else date(meeting.year, 12, 31)


def managing_partner(conference: dict, agreement: dict, year: int) -> str | None:
    """The partner whose turn it is to manage the body in ``year``.

    ``management``: ``rotation`` (partner ids in turn), ``years_each`` (default 2) and
    ``from_year`` (the first rotation partner's first year). Without rotation, the partner
    of the first organising unit."""
    management = conference.get("management")
    if management:
        turn = (year - management["from_year"]) // management.get("years_each", 2)
        return management["rotation"][turn % len(management["rotation"])]
    return partner_of_units(agreement)[conference["organisers"][0]]["id"]


def case_roles(conference: dict, agreement: dict, year: int, lane_roles: set[str]) -> dict[str, list[str]]:
    """The meeting's role map: the body's organisers manage; with a rotation only those of the
    partner whose turn it is, and the other side's units act as its partner (``partner_roles``)."""
    own = {MANAGEMENT_ROLE: conference["organisers"]}
    if not conference.get("management"):
        return own
    roles = {**agreement["roles"], **own}
    return {**own, **narrowed_roles(agreement, roles, managing_partner(conference, agreement, year), lane_roles)}


def start_data(conference: dict, meeting: Meeting, agreement: dict) -> dict:
    data = {
        "conference_key": conference["key"],
        "conference_title": conference["title"],
        "legal_reference": conference.get("reference", ""),
        "year": meeting.year,
        "occurrence": meeting.occurrence,
        "managing_partner": _partner_name(agreement, managing_partner(conference, agreement, meeting.year)),
    }
    reminder_on = date_due(conference, meeting.year, agreement)
    data["date_due"] = reminder_on.isoformat()
    data["date_reminder_at"] = at_workday_start(reminder_on)
    return data


def date_due(conference: dict, year: int, agreement: dict) -> date:
    """The day a meeting of ``year`` must have its date: N weeks before the year's end the
    managing units are reminded (on the last working day on or before that day: reminders skip
    weekends and holidays)."""
    week_day = date(year, 12, 31) - timedelta(weeks=conference.get("date_reminder_weeks", DEFAULT_REMINDER_WEEKS))
    return add_working_days(week_day + timedelta(days=1), -1, agreement["holiday_subdivision"])


def _partner_name(agreement: dict, partner_id: str | None) -> str:
    return next((p["short_name"] for p in agreement["partners"] if p["id"] == partner_id), "")


def open_conference_cases(db, clock) -> list[tuple[str, str, int, int, int]]:
    """Open every meeting whose day has come: (agreement, conference, year, occurrence, case)."""
    opened = []
    with db.transaction() as session:
        agreements = in_force(session)
        waiting = incidents.open_subjects(session, clock.now(), incidents.MEETING_OPENING)
    today = clock.today()
    last_year = date(today.year - 1, 12, 31)
    for agreement_id, data, ends_on in agreements:
        def open_agreements_meetings(agreement_id=agreement_id, data=data, ends_on=ends_on) -> None:
            served_last_year: bool | None = None
            for conference in enabled_conferences(data):
                # last year's meetings that never opened (an outage over New Year) open late
                missed = meetings_to_open(conference, last_year)
                if missed and served_last_year is None:
                    served_last_year = served_before_end_of(db, agreement_id, last_year.year)
                for meeting, late in [(m, True) for m in (missed if served_last_year else [])] + [
                        (m, False) for m in meetings_to_open(conference, today)]:
                    if ends_on is not None and meeting.opens_on > ends_on:
                        continue  # gekündigt: no meeting after the agreement's end
                    if (due_before_operation(data, date_due(conference, meeting.year, data))
                            or due_before_operation(data, slot_end(conference, meeting))):
                        continue  # due, or its turn over, before the agreement's operation here began
                    case_id = _open_one(db, clock, agreement_id, conference, meeting, late)
                    if case_id is not None:
                        if late:
                            log.warning("meeting %s/%s %s-%s opened late (case %s): its year ended while it was "
                                        "not open", agreement_id, meeting.key, meeting.year, meeting.occurrence, case_id)
                        opened.append((agreement_id, meeting.key, meeting.year, meeting.occurrence, case_id))

        # each agreement in its own error boundary: one broken agreement never stops the others
        incidents.run_unit(db, clock, incidents.MEETING_OPENING, f"{incidents.MEETING_OPENING}:{agreement_id}",
                           waiting, open_agreements_meetings)
    return opened


def _open_one(db, clock, agreement_id: str, conference: dict, meeting: Meeting, late: bool = False) -> int | None:
    def exists(session) -> bool:
        return session.scalar(select(ConferenceCase.id).where(
            ConferenceCase.agreement_id == agreement_id, ConferenceCase.conference_key == meeting.key,
            ConferenceCase.year == meeting.year, ConferenceCase.occurrence == meeting.occurrence)) is not None

    def starter(agreement: dict, definition) -> tuple[dict, dict, str | None]:
        roles = case_roles(conference, agreement, meeting.year, set(definition.lanes.values()))
        return start_data(conference, meeting, agreement), roles, managing_partner(conference, agreement, meeting.year)

    def bookkeeping(case) -> ConferenceCase:
        return ConferenceCase(agreement_id=agreement_id, conference_key=meeting.key, year=meeting.year,
                              occurrence=meeting.occurrence, case_id=case.id, opened_at=clock.now())

    case_id = open_once(db, clock, agreement_id, conference["process"], exists, starter, bookkeeping, late=late)
    if case_id is not None:
        log.info("opened meeting %s/%s %s-%s as case %s", agreement_id, meeting.key, meeting.year,
                 meeting.occurrence, case_id)
    return case_id
