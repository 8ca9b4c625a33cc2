"""Two workers (two processes' worth of engines on one database) doing rounds at the same
moment: each year's request opens once and each due timer fires once."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from sqlalchemy import select

from service.app import create_app
from tests.support.flows import offered_handover
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.store.conferences import ConferenceCase
from workflows.store.history import HistoryEvent
from workflows.worker import run_once


def test_two_workers_at_once_open_each_request_once_and_fire_each_timer_once(kf, settings, clock):
    other = create_app(settings, clock).extensions["koopflow"]
    handover = offered_handover(kf)
    clock.set(datetime(2027, 4, 1, 8, 0, tzinfo=BERLIN))  # § 8 d opens, reviews and § 8 b/c reminders due
    barrier = threading.Barrier(2)

    def worker(app):
        barrier.wait()
        for _ in range(3):
            run_once(app.db, app.clock)

    threads = [threading.Thread(target=worker, args=(app,)) for app in (kf, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with kf.db.transaction() as session:
        opened = Counter((a.agreement_id, a.request_key, a.year) for a in session.scalars(select(AnnualCase)))
        meetings = Counter((m.agreement_id, m.conference_key, m.year, m.occurrence)
                           for m in session.scalars(select(ConferenceCase)))
        reminders = session.scalars(select(HistoryEvent.case_id).where(HistoryEvent.kind == "case.reminder")).all()
    assert opened == {("landkreis-giessen", "named_list", 2027): 1, ("landkreis-giessen", "count_retirement_age", 2027): 1,
                      ("landkreis-giessen", "count_residents", 2027): 1,
                      ("landkreis-lahnfeld", "named_list", 2027): 1, ("landkreis-lahnfeld", "count_retirement_age", 2027): 1}
    # every meeting due by 01.04. once as well (the Kooperationskonferenz, the planning conferences)
    assert meetings and set(meetings.values()) == {1}
    assert ("landkreis-giessen", "planning_conference_207", 2027, 1) in meetings
    assert Counter(reminders)[handover] == 1
    assert all(count == 1 for count in Counter(reminders).values())
    other.db.dispose()
