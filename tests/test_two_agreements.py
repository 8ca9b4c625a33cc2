"""Two agreements side by side through 2028, the worker run once a day with the clock.

The first is the Gießen agreement, the second a fictitious one with three partners, other
org units and inboxes, the named list due 30.04. and delivery dates that stay on weekends
("strict"), and other conference frequencies. The same diagrams serve both; each case opens
on its own agreement's calendar, in its own agreement's inboxes, with its own case number.
Nobody works on anything, so every reminder the diagrams hold comes due.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from workflows.clock import BERLIN, berlin_date
from workflows.store.annual import AnnualCase
from workflows.store.cases import Case
from workflows.store.conferences import ConferenceCase
from workflows.store.history import HistoryEvent
from workflows.store.organisation import Agreement
from workflows.store.tasks import HumanTask, HumanTaskGroup
from workflows.worker import run_once

GI, LF = "landkreis-giessen", "landkreis-lahnfeld"


@pytest.fixture(scope="module")
def year_2028(tmp_path_factory):
    from tests.support.app import make_app

    app, kf = make_app(tmp_path_factory.mktemp("two-agreements"), datetime(2028, 1, 1, 8, 0, tzinfo=BERLIN))
    day = kf.clock.now()
    while berlin_date(day) <= date(2028, 12, 31):
        kf.clock.set(day)
        run_once(kf.db, kf.clock)
        day += timedelta(days=1)
    yield kf
    kf.db.dispose()


def _first_inbox(session, case_id: int) -> tuple[str, ...]:
    first = session.scalar(select(HumanTask.id).where(HumanTask.case_id == case_id).order_by(HumanTask.id).limit(1))
    return tuple(sorted(session.scalars(select(HumanTaskGroup.org_unit_id).where(HumanTaskGroup.task_id == first))))


def opened(kf, model, key_column) -> dict[tuple, tuple[date, tuple[str, ...], str]]:
    """{(agreement, key, …): (opening day, first task's inboxes, case number)}."""
    with kf.db.transaction() as session:
        rows = session.execute(select(model, Case.case_number).join(Case, Case.id == model.case_id))
        return {(row.agreement_id, getattr(row, key_column), *([row.occurrence] if model is ConferenceCase else [])):
                (berlin_date(row.opened_at), _first_inbox(session, row.case_id), number) for row, number in rows}


def test_each_agreements_annual_requests_open_on_its_own_dates_in_its_own_inboxes(year_2028):
    cases = opened(year_2028, AnnualCase, "request_key")
    local_gi, supra_gi = ("lkgi-jugendamt", "lkgi-sozialamt"), ("lwv-fachdienst-lk-giessen",)
    local_lf, supra_lf = ("lklf-teilhabe", "stlf-jugendamt"), ("lwv-lf-fachdienst",)
    assert {key: (day, inbox) for key, (day, inbox, _n) in cases.items()} == {
        (GI, "named_list"): (date(2028, 1, 2), local_gi),
        (GI, "count_retirement_age"): (date(2028, 1, 2), local_gi),
        (GI, "count_residents"): (date(2028, 4, 1), supra_gi),
        (GI, "regional_data_report"): (date(2028, 7, 1), supra_gi),
        # the second agreement: other dates, the city's Jugendamt beside the Landkreis, § 9 switched off
        (LF, "named_list"): (date(2028, 2, 1), local_lf),
        (LF, "count_retirement_age"): (date(2028, 3, 1), local_lf),
        (LF, "count_residents"): (date(2028, 5, 2), supra_lf),
    }
    assert all(number.startswith("GI-2028-") for (agreement, _k), (_d, _i, number) in cases.items() if agreement == GI)
    assert all(number.startswith("LF-2028-") for (agreement, _k), (_d, _i, number) in cases.items() if agreement == LF)


def test_due_dates_follow_each_agreements_weekend_rule(year_2028):
    with year_2028.db.transaction() as session:
        due = {(a.agreement_id, a.request_key): a.due_on for a in session.scalars(select(AnnualCase))}
    # 30.04.2028 is a Sunday: "strict" keeps it
    assert due[(LF, "named_list")] == date(2028, 4, 30)
    # 30.09.2028 is a Saturday: "shift" moves it to Monday (§ 193 BGB)
    assert due[(GI, "regional_data_report")] == date(2028, 10, 2)
    assert due[(GI, "named_list")] == date(2028, 3, 31)


def test_each_agreements_bodies_meet_as_often_as_it_says_run_by_whose_turn_it_is(year_2028):
    meetings = {key: (day, inbox) for key, (day, inbox, _n) in opened(year_2028, ConferenceCase, "conference_key").items()}
    assert meetings == {
        # Gießen: the Landkreis manages the Kooperationskonferenz in 2028 (2020/21, 2024/25, 2028/29)
        (GI, "cooperation_conference", 1): (date(2028, 1, 15), ("lkgi-sozialamt",)),
        (GI, "planning_conference_207", 1): (date(2028, 2, 1), ("lwv-fb-207",)),
        (GI, "planning_conference_207", 2): (date(2028, 8, 1), ("lwv-fb-207",)),
        (GI, "planning_conference_206", 1): (date(2028, 3, 1), ("lwv-fb-206",)),
        (GI, "planning_conference_206", 2): (date(2028, 9, 1), ("lwv-fb-206",)),
        (GI, "planning_conference_204", 1): (date(2028, 4, 1), ("lwv-fb-204",)),
        # (its Qualitätszirkel is not formed: enabled false)
        # Lahnfeld: the LWV manages in 2028 (2024/25 LWV, 2026/27 Landkreis, 2028/29 LWV)
        (LF, "cooperation_conference", 1): (date(2028, 2, 1), ("lwv-lf-fachdienst",)),
        (LF, "planning_conference_207", 1): (date(2028, 1, 1), ("lwv-lf-fb-207",)),
        (LF, "planning_conference_207", 2): (date(2028, 5, 1), ("lwv-lf-fb-207",)),
        (LF, "planning_conference_207", 3): (date(2028, 9, 1), ("lwv-lf-fb-207",)),
        (LF, "planning_conference_206_204", 1): (date(2028, 6, 3), ("lwv-lf-fb-206",)),
        (LF, "quality_circle", 1): (date(2028, 11, 2), ("lklf-gesundheit",)),
    }


def test_a_conference_without_a_date_is_reminded_weeks_before_the_years_end(year_2028):
    with year_2028.db.transaction() as session:
        rows = session.execute(select(ConferenceCase.agreement_id, HistoryEvent.at, HistoryEvent.details)
                               .join(HistoryEvent, HistoryEvent.case_id == ConferenceCase.case_id)
                               .where(HistoryEvent.kind == "case.reminder")).all()
    reminders = {(agreement, berlin_date(at), tuple(details["org_units"])) for agreement, at, details in rows}
    # 8 weeks before 31.12. is Sunday 05.11.2028 (Gießen), 6 weeks Sunday 19.11. (Lahnfeld):
    # the managing units are reminded on the Friday before
    assert reminders == {(GI, date(2028, 11, 3), ("lkgi-sozialamt",)),
                         (LF, date(2028, 11, 17), ("lwv-lf-fachdienst",))}


def test_an_amendment_that_changes_a_frequency_is_followed_from_the_next_opening_day(tmp_path):
    from tests.support.app import make_app

    app, kf = make_app(tmp_path, datetime(2028, 6, 1, 8, 0, tzinfo=BERLIN))
    # the partners agree to meet a second time a year, from 01.10.
    with kf.db.transaction() as session:
        row = session.get(Agreement, LF)
        data = dict(row.data)
        data["conferences"] = [{**c, "times_per_year": 2, "opens": ["06-03", "10-01"]}
                               if c["key"] == "planning_conference_206_204" else c for c in data["conferences"]]
        row.data = data
    for day in (date(2028, 6, 3), date(2028, 9, 30), date(2028, 10, 1)):
        kf.clock.set(datetime.combine(day, datetime.min.time(), BERLIN) + timedelta(hours=8))
        run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        meetings = sorted((c.occurrence, berlin_date(c.opened_at)) for c in session.scalars(
            select(ConferenceCase).where(ConferenceCase.conference_key == "planning_conference_206_204")))
    assert meetings == [(1, date(2028, 6, 3)), (2, date(2028, 10, 1))]
    kf.db.dispose()
