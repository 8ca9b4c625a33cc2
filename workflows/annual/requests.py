"""The annual requests (§ 8 b, c, d, § 9): each year's case, opened on the agreement's calendar.

The dates are agreement data: when a year's request opens, when it is due (moved by the
agreement's weekend/holiday rule), when it is reminded and when it escalates. A year's
case is opened at most once: the ``annual_cases`` unique constraint decides, also when
two workers race.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workflows.cases.scheduled import due_before_operation, open_once, served_before_end_of
from workflows.legal_dates import add_working_days, annual_due_date, effective_delivery_date, reminder_date
from workflows.processes.diagram_functions import at_workday_start
from workflows.processes.properties import FIGURES
from workflows.store import incidents
from workflows.store.annual import AnnualCase, AnnualFigure, annual_case_of
from workflows.store.organisation import in_force

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """One year of one request."""

    year: int
    opens_on: date
    agreed_due_on: date
    due_on: date  # after the weekend/holiday rule
    reminder_on: date
    escalation_on: date


def schedule(request: dict, year: int, agreement: dict) -> Schedule:
    rule, subdivision = agreement["delivery_deadline_rule"], agreement["holiday_subdivision"]
    agreed = annual_due_date(year, request["due"])
    due = effective_delivery_date(agreed, rule, subdivision)
    return Schedule(
        year=year,
        opens_on=annual_due_date(year, request["opens"]),
        agreed_due_on=agreed,
        due_on=due,
        reminder_on=reminder_date(due, request["reminder_working_days"], subdivision),
        escalation_on=add_working_days(due, 1, subdivision),
    )


def start_data(request: dict, dates: Schedule) -> dict:
    """What the year's case starts with; the diagram's timers read reminder_at/escalation_at."""
    data = {
        "year": dates.year,
        "due_date": dates.due_on.isoformat(),
        "reminder_at": at_workday_start(dates.reminder_on),
        "escalation_at": at_workday_start(dates.escalation_on),
        "reference_date": date(dates.year - 1, 12, 31).isoformat(),
        "legal_reference": request["reference"],
        "request_title": request["title"],
    }
    if request.get("target_year_offset"):
        data["target_year"] = dates.year + request["target_year_offset"]
    return data


def enabled_requests(agreement: dict) -> list[dict]:
    return [r for r in agreement.get("annual_requests", []) if r.get("enabled")]


def years_to_open(request: dict, agreement: dict, today: date, ends_on: date | None = None) -> list[int]:
    """This year's cycle, once it has opened; never a past cycle (no flood after an outage); never
    one due after the end of a terminated agreement (``ends_on``) nor one due before the
    agreement's start of operation (``operation_start``)."""
    year = today.year
    if year < request["first_year"] or year > request.get("last_year", year):
        return []
    dates = schedule(request, year, agreement)
    if ends_on is not None and dates.due_on > ends_on:
        return []
    if due_before_operation(agreement, dates.due_on):
        return []
    return [year] if dates.opens_on <= today else []


def missed_years(request: dict, agreement: dict, today: date, ends_on: date | None = None) -> list[int]:
    """Last year's cycle, which opened before the year ended: if it was never opened (an outage
    over New Year), it is opened late. Only the one year before, never further back."""
    last_year = date(today.year - 1, 12, 31)
    return years_to_open(request, agreement, last_year, ends_on)


def open_annual_cases(db, clock) -> list[tuple[str, str, int, int]]:
    """Open every request whose year has come and is not open yet: (agreement, key, year, case).
    Last year's that never opened are opened late (``missed_years``)."""
    opened = []
    with db.transaction() as session:
        agreements = in_force(session)
        waiting = incidents.open_subjects(session, clock.now(), incidents.ANNUAL_OPENING)
    today = clock.today()
    for agreement_id, data, ends_on in agreements:
        def open_agreements_requests(agreement_id=agreement_id, data=data, ends_on=ends_on) -> None:
            served_last_year: bool | None = None
            for request in enabled_requests(data):
                for year in missed_years(request, data, today, ends_on):
                    if served_last_year is None:
                        served_last_year = served_before_end_of(db, agreement_id, year)
                    if served_last_year:
                        case_id = _open_one(db, clock, agreement_id, request, year, late=True)
                        if case_id is not None:
                            log.warning("annual request %s/%s for %s opened late (case %s): its year ended while "
                                        "it was not open", agreement_id, request["key"], year, case_id)
                            opened.append((agreement_id, request["key"], year, case_id))
                for year in years_to_open(request, data, today, ends_on):
                    case_id = _open_one(db, clock, agreement_id, request, year)
                    if case_id is not None:
                        opened.append((agreement_id, request["key"], year, case_id))

        # each agreement in its own error boundary: one broken agreement never stops the others
        incidents.run_unit(db, clock, incidents.ANNUAL_OPENING, f"{incidents.ANNUAL_OPENING}:{agreement_id}",
                           waiting, open_agreements_requests)
    return opened


def _open_one(db, clock, agreement_id: str, request: dict, year: int, late: bool = False) -> int | None:
    dates: list[Schedule] = []

    def exists(session) -> bool:
        return session.scalar(select(AnnualCase.id).where(
            AnnualCase.agreement_id == agreement_id, AnnualCase.request_key == request["key"],
            AnnualCase.year == year)) is not None

    def starter(agreement: dict, _definition) -> tuple[dict, dict, None]:
        dates.append(schedule(request, year, agreement))
        return start_data(request, dates[0]), {}, None

    def bookkeeping(case) -> AnnualCase:
        return AnnualCase(agreement_id=agreement_id, request_key=request["key"], year=year, case_id=case.id,
                          due_on=dates[0].due_on, opened_at=clock.now())

    case_id = open_once(db, clock, agreement_id, request["process"], exists, starter, bookkeeping, late=late)
    if case_id is not None:
        log.info("opened annual request %s/%s for %s as case %s", agreement_id, request["key"], year, case_id)
    return case_id


def record_figures(session, case, task_info: dict, forms: dict[str, dict], values: dict, now) -> None:
    """Keep the figures a completed task delivered, per year (the task's ``figures`` property).

    A figure may come from an earlier step (e.g. computed by a script), so its label is the
    title the field has in whichever of the definition's forms asks for it.
    """
    names = [n.strip() for n in task_info.get("properties", {}).get(FIGURES.name, "").split(",") if n.strip()]
    annual = annual_case_of(session, case.id) if names else None
    if annual is None:
        return
    titles = {key: prop for form in forms.values() for key, prop in form.get("properties", {}).items()
              if isinstance(prop, dict) and prop.get("title")}
    for name in names:
        value = values.get(name)
        if isinstance(value, list):
            value = len(value)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        figure = session.scalar(select(AnnualFigure).where(
            AnnualFigure.annual_case_id == annual.id, AnnualFigure.figure_key == name))
        if figure is None:
            figure = AnnualFigure(annual_case_id=annual.id, figure_key=name)
            session.add(figure)
        figure.label = titles.get(name, {}).get("title", name)
        figure.value = value
        figure.recorded_at = now
