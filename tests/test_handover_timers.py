"""A handover the LWV leaves unreviewed is reminded after 10 working days and escalated to
the LWV's lead after 20 (agreement data), by the worker, on the clock."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from workflows.cases.inbox import inbox_page
from workflows.clock import BERLIN
from workflows.store.cases import Case
from workflows.store.history import HistoryEvent
from workflows.tasks import complete_task
from workflows.worker import run_once


def history_kinds(kf, case_id: int) -> list[str]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(HistoryEvent.kind).where(HistoryEvent.case_id == case_id)
                                    .order_by(HistoryEvent.id)))


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00").replace(tzinfo=BERLIN)


def test_unreviewed_handover_is_reminded_then_escalated_to_the_lwv_lead(kf):
    # Given a handover offered on Monday 01.03.2027
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).next_timer_due == datetime(2027, 3, 15, 7, 0, tzinfo=BERLIN)

    # When the worker runs the day before the tenth working day, nothing happens
    kf.clock.set(at("2027-03-12"))
    run_once(kf.db, kf.clock)
    assert "case.reminder" not in history_kinds(kf, case_id)

    # On the tenth working day (15.03.) the Fachdienst is reminded
    kf.clock.set(at("2027-03-15"))
    run_once(kf.db, kf.clock)
    assert history_kinds(kf, case_id).count("case.reminder") == 1
    assert inbox_page(kf.db, actor(kf, "lwv.leitung")).rows == []

    # Not yet on 30.03. (Good Friday 26.03. and Easter Monday 29.03. are no working days) …
    kf.clock.set(at("2027-03-30"))
    run_once(kf.db, kf.clock)
    assert "case.escalation" not in history_kinds(kf, case_id)

    # … but on the twentieth working day (31.03.) the lead gets a task; the review stays open
    kf.clock.set(at("2027-03-31"))
    run_once(kf.db, kf.clock)
    lead_rows = inbox_page(kf.db, actor(kf, "lwv.leitung")).rows
    assert [r.task_name for r in lead_rows] == ["Übergabe überfällig: nachhalten"]
    assert "case.escalation" in history_kinds(kf, case_id)
    assert open_task(kf, case_id, "review_handover")

    # And a later round fires nothing twice
    kf.clock.set(at("2027-04-30"))
    run_once(kf.db, kf.clock)
    assert history_kinds(kf, case_id).count("case.reminder") == 1
    assert history_kinds(kf, case_id).count("case.escalation") == 1


def test_a_review_done_in_time_is_never_reminded(kf):
    case_id = offered_handover(kf)
    kf.clock.set(at("2027-03-08"))
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {"decision": "question", "question": "Welche Werkstatt?"})

    kf.clock.set(at("2027-06-01"))
    run_once(kf.db, kf.clock)

    assert "case.reminder" not in history_kinds(kf, case_id)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).next_timer_due is None
