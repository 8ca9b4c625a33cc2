"""The agreement's calendar kept by the worker, from 01.01.2021 to 31.12.2026.

The clock moves one day at a time (08:00 Berlin); the worker does one round a day, twice on
some days as if restarted. Nobody delivers anything, so every request is reminded and
escalated. Time comes from the clock: six years take seconds.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from workflows.annual.requests import schedule
from workflows.clock import BERLIN, berlin_date
from workflows.store.annual import AnnualCase
from workflows.store.history import HistoryEvent
from workflows.store.tasks import HumanTask, HumanTaskGroup
from workflows.worker import run_once

GIESSEN = "landkreis-giessen"  # the second (fictitious) agreement runs beside it: test_two_agreements.py
REQUESTS = ("named_list", "count_retirement_age", "count_residents", "regional_data_report")


@pytest.fixture(scope="module")
def six_years(request, backend, tmp_path_factory):
    """Run the worker daily through six years once; the tests below read the outcome."""
    from tests.support.app import make_app, settings_for
    from tests.support.databases import new_database

    directory = tmp_path_factory.mktemp("six-years")
    settings = settings_for(new_database(request, backend, directory), directory)
    app, kf = make_app(directory, datetime(2021, 1, 1, 8, 0, tzinfo=BERLIN), settings)
    day = kf.clock.now()
    while berlin_date(day) <= date(2026, 12, 31):
        kf.clock.set(day)
        run_once(kf.db, kf.clock)
        if berlin_date(day).day == 15:  # a second worker round the same day, as after a restart
            run_once(kf.db, kf.clock)
        day += timedelta(days=1)
    yield kf
    kf.db.dispose()


def events(kf, kind: str) -> dict[tuple[str, int], list[date]]:
    """{(request key, year): [Berlin dates of events of this kind]} for annual cases."""
    with kf.db.transaction() as session:
        rows = session.execute(select(AnnualCase.request_key, AnnualCase.year, HistoryEvent.at)
                               .join(HistoryEvent, HistoryEvent.case_id == AnnualCase.case_id)
                               .where(HistoryEvent.kind == kind, AnnualCase.agreement_id == GIESSEN))
        found: dict[tuple[str, int], list[date]] = {}
        for key, year, at in rows:
            found.setdefault((key, year), []).append(berlin_date(at))
    return found


def test_each_request_opens_once_a_year_on_its_opening_day(six_years):
    with six_years.db.transaction() as session:
        opened = [(a.request_key, a.year, berlin_date(a.opened_at)) for a in session.scalars(select(AnnualCase).where(AnnualCase.agreement_id == GIESSEN))]
    assert Counter((key, year) for key, year, _ in opened) == {(k, y): 1 for k in REQUESTS for y in range(2021, 2027)}
    opening = {(key, year): day for key, year, day in opened}
    assert opening[("named_list", 2021)] == date(2021, 1, 2)
    assert opening[("count_residents", 2024)] == date(2024, 4, 1)
    assert opening[("regional_data_report", 2026)] == date(2026, 7, 1)


def test_named_list_2024_is_due_after_easter_reminded_ten_working_days_before_escalated_after(six_years):
    # 31.03.2024 is Easter Sunday, 01.04. Easter Monday: due 02.04.2024 (§ 193 BGB, "shift")
    with six_years.db.transaction() as session:
        due = session.scalar(select(AnnualCase.due_on).where(AnnualCase.request_key == "named_list",
                                                            AnnualCase.year == 2024, AnnualCase.agreement_id == GIESSEN))
    assert due == date(2024, 4, 2)
    # 10 working days before, skipping Good Friday and Easter Monday
    assert events(six_years, "case.reminder")[("named_list", 2024)] == [date(2024, 3, 15)]
    assert events(six_years, "case.escalation")[("named_list", 2024)] == [date(2024, 4, 3)]


def test_every_year_every_request_is_reminded_and_escalated_exactly_once_on_its_dates(six_years):
    reminders, escalations = events(six_years, "case.reminder"), events(six_years, "case.escalation")
    agreement = six_years.agreements["landkreis-giessen"].data
    for request in agreement["annual_requests"]:
        for year in range(2021, 2027):
            dates = schedule(request, year, agreement)
            assert reminders[(request["key"], year)] == [dates.reminder_on], (request["key"], year)
            assert escalations[(request["key"], year)] == [dates.escalation_on], (request["key"], year)


def test_escalations_reach_the_leads_inboxes(six_years):
    with six_years.db.transaction() as session:
        groups = Counter(session.scalars(
            select(HumanTaskGroup.org_unit_id).join(HumanTask, HumanTask.id == HumanTaskGroup.task_id)
            .where(HumanTask.name == "Überfällige Meldung nachhalten", HumanTaskGroup.org_unit_id.in_(
                ["lkgi-kreisbeigeordnete", "lwv-leitung-fachdienst"]))))
    # § 8 b and § 8 c are the Landkreis's, § 8 d and § 9 the LWV's: 2 × 6 years each
    assert groups == {"lkgi-kreisbeigeordnete": 12, "lwv-leitung-fachdienst": 12}
