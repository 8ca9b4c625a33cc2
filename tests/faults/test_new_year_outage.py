"""The worker stopped over New Year: last year's requests and meetings whose opening day came
while it was down are opened late, marked "verspätet eröffnet" in the case's history (shown
on its page), instead of being skipped. Only the year just ended, only for an agreement the
service served before that year ended, and each cycle still at most once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.pages import text_of
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.store.cases import Case
from workflows.store.conferences import ConferenceCase
from workflows.store.history import HistoryEvent
from workflows.store.organisation import Agreement
from workflows.worker import run_once

AGREEMENT = "landkreis-giessen"


def annual(kf) -> dict[tuple[str, int], int]:
    with kf.db.transaction() as session:
        return {(a.request_key, a.year): a.case_id
                for a in session.scalars(select(AnnualCase).where(AnnualCase.agreement_id == AGREEMENT))}


def meetings(kf) -> dict[tuple[str, int, int], int]:
    with kf.db.transaction() as session:
        return {(c.conference_key, c.year, c.occurrence): c.case_id
                for c in session.scalars(select(ConferenceCase).where(ConferenceCase.agreement_id == AGREEMENT))}


def opened_late(kf) -> set[int]:
    with kf.db.transaction() as session:
        return set(session.scalars(select(HistoryEvent.case_id).join(Case, Case.id == HistoryEvent.case_id).where(
            HistoryEvent.kind == "case.opened_late", Case.agreement_id == AGREEMENT)))


def test_a_year_that_ended_while_the_worker_was_stopped_is_opened_late_not_skipped(kf, as_user):
    kf.clock.set(datetime(2027, 6, 15, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    before, meetings_before = annual(kf), meetings(kf)
    assert ("regional_data_report", 2027) not in before  # opens on 1 July
    assert ("named_list", 2027) in before and ("cooperation_conference", 2027, 1) in meetings(kf)
    assert opened_late(kf) == set()  # a fresh installation opens no past year (2026) at all
    assert not any(year == 2026 for _key, year in before)

    # the worker is stopped from June until 10 January: 1 July 2027 passes without it
    kf.clock.set(datetime(2028, 1, 10, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    after = annual(kf)
    late = after[("regional_data_report", 2027)]
    missed = {case for key, case in after.items() if key[1] == 2027 and key not in before} | {
        case for key, case in meetings(kf).items() if key[1] == 2027 and key not in meetings_before}
    # only the missed ones (the report, meetings after June); this year's and the open ones are not late
    assert late in missed and opened_late(kf) == missed
    assert ("named_list", 2028) in after and after[("named_list", 2027)] == before[("named_list", 2027)]
    assert ("cooperation_conference", 2028, 1) not in meetings(kf)  # opens on 15 January

    run_once(kf.db, kf.clock)  # a second round opens nothing again
    assert annual(kf) == after and opened_late(kf) == missed

    page = as_user("lk.sozialamt").client.get(f"/cases/{late}")
    if page.status_code == 404:
        page = as_user("lwv.fachdienst").client.get(f"/cases/{late}")
    assert page.status_code == 200 and "Verspätet eröffnet" in text_of(page.text)


def test_a_meeting_of_the_year_just_ended_is_opened_late_and_never_one_of_two_years_ago(kf):
    with kf.db.transaction() as session:  # in operation here since 2025 (the fixture loads it in 2027)
        row = session.get(Agreement, AGREEMENT)
        row.data = {**row.data, "operation_start": "2025-01-01"}
    kf.clock.set(datetime(2025, 3, 1, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)  # the service runs in 2025 (its meeting of 15 January opens)
    assert ("cooperation_conference", 2025, 1) in meetings(kf)
    # stopped from March 2025 until February 2028: 15 January 2026, 2027 and 2028 pass
    kf.clock.set(datetime(2028, 2, 1, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    now = meetings(kf)
    # the year just ended opens late; further back the operator decides (docs/operations.md)
    assert ("cooperation_conference", 2026, 1) not in now
    assert now[("cooperation_conference", 2027, 1)] in opened_late(kf)
    assert ("cooperation_conference", 2028, 1) in now
    assert set(opened_late(kf)) >= {annual(kf)[("named_list", 2027)]}  # requests alike
