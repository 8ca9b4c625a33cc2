"""Going live mid-year (issue 18 point 8): an agreement's ``operation_start`` keeps the worker
from opening annual requests and meetings that were due before it, so a first start in
December does not open the year's overdue requests and escalate them at once. The shipped
agreement files name no such day: operation then starts on the day the agreement was first
loaded into the database. For contrast, the second agreement (Lahnfeld) is set to have been in
operation since 2024 and opens its overdue year."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

from sqlalchemy import select

from workflows.agreements.files import value_problems
from workflows.clock import BERLIN, berlin_date
from workflows.store.annual import AnnualCase
from workflows.store.conferences import ConferenceCase
from workflows.store.history import HistoryEvent
from workflows.store.organisation import Agreement
from workflows.worker import run_once

GI, LF = "landkreis-giessen", "landkreis-lahnfeld"


def _round(kf, day: date) -> None:
    kf.clock.set(datetime(day.year, day.month, day.day, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)


def _annual(kf, agreement: str) -> set[tuple[str, int]]:
    with kf.db.transaction() as session:
        return {(a.request_key, a.year) for a in session.scalars(
            select(AnnualCase).where(AnnualCase.agreement_id == agreement))}


def _escalated_years(kf, agreement: str) -> set[int]:
    with kf.db.transaction() as session:
        return set(session.scalars(select(AnnualCase.year).join(
            HistoryEvent, HistoryEvent.case_id == AnnualCase.case_id).where(
            AnnualCase.agreement_id == agreement, HistoryEvent.kind == "case.escalation")))


def test_a_first_start_in_december_opens_nothing_overdue_and_the_next_year_runs(tmp_path):
    from tests.support.app import make_app

    app, kf = make_app(tmp_path, datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN))
    with kf.db.transaction() as session:  # Gießen: first loaded today; Lahnfeld: live since 2024
        assert session.get(Agreement, GI).data["operation_start"] == "2026-12-01"
        row = session.get(Agreement, LF)
        row.data = {**row.data, "operation_start": "2024-01-01"}

    for day in (date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 15)):
        _round(kf, day)
    # none of Gießen's 2026 requests (all due by 30.09.) is opened, none escalated
    assert _annual(kf, GI) == set()
    assert _escalated_years(kf, GI) == set()
    # Lahnfeld, in operation since 2024, opens its overdue 2026 requests and escalates them
    assert {year for _, year in _annual(kf, LF)} == {2026}
    assert _escalated_years(kf, LF) == {2026}

    with kf.db.transaction() as session:
        meetings = {(c.conference_key, c.occurrence, berlin_date(c.opened_at)) for c in session.scalars(
            select(ConferenceCase).where(ConferenceCase.agreement_id == GI, ConferenceCase.year == 2026))}
    # the Kooperationskonferenz needed its date by 05.11.2026 (8 weeks before the year's end):
    # not opened; the planning conferences need theirs by 03.12.: opened on the first day
    assert {key for key, _, _ in meetings} == {"planning_conference_207", "planning_conference_206",
                                              "planning_conference_204"}
    assert {opened for _, _, opened in meetings} == {date(2026, 12, 1)}
    # of a body meeting twice a year, only the turn that still runs opens: the second
    assert sorted(n for key, n, _ in meetings if key == "planning_conference_207") == [2]

    # the new year runs normally, and 2026's requests are not opened late after New Year
    _round(kf, date(2027, 1, 4))
    assert _annual(kf, GI) == {("named_list", 2027), ("count_retirement_age", 2027)}
    with kf.db.transaction() as session:
        assert session.scalar(select(ConferenceCase.id).where(
            ConferenceCase.agreement_id == GI, ConferenceCase.conference_key == "cooperation_conference",
            ConferenceCase.year == 2026)) is None
    kf.db.dispose()


def test_the_fristen_page_lists_no_deadline_due_before_the_start_of_operation(tmp_path):
    from tests.support.app import make_app
    from tests.support.pages import login, text_of

    app, kf = make_app(tmp_path, datetime(2026, 12, 1, 8, 0, tzinfo=BERLIN))
    text = text_of(login(app, "lk.sozialamt").get("/deadlines").text)
    assert "Namentliche Liste der voraussichtlichen Schulabgänger (stationär) 2027" in text
    assert "Namentliche Liste der voraussichtlichen Schulabgänger (stationär) 2026" not in text
    kf.db.dispose()


def test_an_impossible_start_of_operation_is_named():
    assert value_problems({"operation_start": "2026-02-30"}) == {
        "operation_start": "operation_start: ist kein Datum (JJJJ-MM-TT)."}


def test_the_first_load_day_stays_the_start_of_operation_through_a_changed_file_and_an_anpassung(tmp_path):
    """The day is written once: a later boot with a changed file, or an agreed version put in
    effect in another year, keeps it (and the agreement page names it)."""
    from tests.support.app import make_app
    from tests.support.pages import login, text_of
    from workflows.agreements.files import load_agreement, store_agreement
    from workflows.agreements.versions import activate
    from workflows.store.agreement_versions import AgreementVersion

    app, kf = make_app(tmp_path, datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN))
    shipped = load_agreement(GI)
    agreement = dataclasses.replace(shipped, data={**shipped.data, "name": shipped.data["name"] + " (geändert)"},
                                    content_hash="changed")
    with kf.db.transaction() as session:  # a boot in 2028 with a changed file
        store_agreement(session, agreement, datetime(2028, 2, 1, 9, 0, tzinfo=BERLIN))
    with kf.db.transaction() as session:
        row = session.get(Agreement, GI)
        assert row.name.endswith("(geändert)")
        assert row.data["operation_start"] == "2026-12-03"
        amended = {k: v for k, v in row.data.items() if k != "operation_start"}
        version = AgreementVersion(agreement_id=GI, number=2, origin="amendment", consents=[], data=amended,
                                   created_at=datetime(2029, 5, 1, 9, 0, tzinfo=BERLIN),
                                   effective_on=date(2029, 6, 1), content_hash="v2")
        session.add(version)
        session.flush()
        activate(session, version, datetime(2029, 6, 1, 0, 5, tzinfo=BERLIN))
    with kf.db.transaction() as session:
        row = session.get(Agreement, GI)
        assert (row.version, row.data["operation_start"]) == (2, "2026-12-03")
    assert "In KoopFlow geführt seit 03.12.2026" in text_of(login(app, "lk.sozialamt").get(f"/agreements/{GI}").text)
    kf.db.dispose()


def test_a_fresh_start_on_the_shipped_files_in_december_opens_and_escalates_nothing_overdue(tmp_path):
    """What `make run` on a fresh machine does: both shipped agreements, first start on
    03.12.2026, the worker's first rounds: no 2026 request opened, nothing reminded or
    escalated, and whatever did open (the next year's planning) is due after today."""
    from tests.support.app import make_app
    from workflows.store.tasks import HumanTask

    app, kf = make_app(tmp_path, datetime(2026, 12, 3, 7, 0, tzinfo=BERLIN))
    for day in (date(2026, 12, 3), date(2026, 12, 4)):
        _round(kf, day)
    for agreement in (GI, LF):
        assert {year for _, year in _annual(kf, agreement)} == set()
    with kf.db.transaction() as session:
        chased = session.scalar(select(HistoryEvent.id).where(HistoryEvent.kind.in_(
            ("case.reminder", "case.escalation", "task.reminded", "task.escalated"))).limit(1))
        due = set(session.scalars(select(HumanTask.due_on).where(HumanTask.due_on.is_not(None))))
    assert chased is None
    assert due and min(due) > date(2026, 12, 4)
    kf.db.dispose()
