"""The worker outlives its database: stopped PostgreSQL, a SQLite file locked by another
process. It logs the cause, backs off, and once the database answers again, due timers fire
and mails go out, without anyone restarting it."""
from __future__ import annotations

import logging
import sqlite3
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.support.app import make_app, settings_for
from tests.support.faults import WorkerThread, wait_for
from tests.support.flows import offered_handover
from tests.support.smtp import transport_to
from workflows.clock import BERLIN
from workflows.store.history import HistoryEvent

REMINDER_DAY = datetime(2027, 3, 15, 8, 0, tzinfo=BERLIN)  # the offered handover's 10th working day


def reminders(kf, case_id) -> int:
    with kf.db.transaction() as session:
        return len(session.scalars(select(HistoryEvent.id).where(
            HistoryEvent.case_id == case_id, HistoryEvent.kind == "case.reminder")).all())


def reminder_mails(smtp) -> int:
    return sum(1 for m in smtp.inbox.messages if (m["Subject"] or "").startswith("KoopFlow: Erinnerung"))


def outage_then_recovery(kf, app, smtp, caplog, outage, cause: str):
    """A handover waiting for review, its first mails sent by a running worker; then ``outage``
    (a context manager) while the reminder falls due; afterwards the reminder fires and is mailed."""
    case_id = offered_handover(kf)
    caplog.set_level(logging.INFO, logger="workflows.worker")
    worker = WorkerThread(kf, transport_to(app, smtp.port), max_sleep=1.0).start()
    try:
        wait_for(lambda: len(smtp.inbox.messages) >= 2, 20, "the new-task mails of the offered handover")
        first = len(smtp.inbox.messages)
        with outage():
            kf.clock.set(REMINDER_DAY)
            time.sleep(2.5)  # a few rounds fail meanwhile
            assert worker.alive, f"the worker ended: {worker.error!r}"
        wait_for(lambda: reminders(kf, case_id) == 1, 40, "the reminder timer firing after the outage")
        wait_for(lambda: reminder_mails(smtp) >= 1, 40, "the reminder mail going out after the outage")
        assert worker.alive, f"the worker ended: {worker.error!r}"
        failures = [r for r in caplog.records if r.name == "workflows.worker" and "round failed" in r.getMessage()]
        assert failures, "the failed rounds were not logged"
        assert any(cause in r.getMessage() for r in failures), [r.getMessage() for r in failures]
        wait_for(lambda: any("succeeded again" in r.getMessage() for r in caplog.records), 10,
                 "the worker logging that its rounds succeed again")
        assert len(smtp.inbox.messages) > first
    finally:
        took = worker.stop()
    assert not worker.alive and took < 5, f"the worker took {took:.1f} s to stop"
    assert worker.error is None
    assert reminders(kf, case_id) == 1  # fired once, not once per retry


def test_the_worker_survives_a_postgresql_outage_and_resumes_by_itself(own_postgres, tmp_path, smtp, caplog):
    server, url = own_postgres
    app, kf = make_app(tmp_path, datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN), settings_for(url, tmp_path))

    class Stopped:
        def __enter__(self):
            server.halt()

        def __exit__(self, *_):
            time.sleep(2.5)  # together 5 s without a database
            server.resume()

    try:
        outage_then_recovery(kf, app, smtp, caplog, Stopped, cause="connection")
    finally:
        kf.db.dispose()


def test_the_worker_survives_a_locked_sqlite_database_and_resumes_by_itself(sqlite_template, tmp_path, smtp,
                                                                           caplog):
    url = sqlite_template.create(tmp_path)
    # The lock is held 5 s against a lock timeout of 1 s (in production 10 s against a longer lock).
    app, kf = make_app(tmp_path, datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN),
                       settings_for(url, tmp_path, lock_timeout=1.0))

    class Locked:
        def __enter__(self):
            self.other = sqlite3.connect(make_url(url).database, isolation_level=None)
            self.other.execute("BEGIN EXCLUSIVE")

        def __exit__(self, *_):
            time.sleep(2.5)
            self.other.execute("ROLLBACK")
            self.other.close()

    try:
        outage_then_recovery(kf, app, smtp, caplog, Locked, cause="database is locked")
    finally:
        kf.db.dispose()
