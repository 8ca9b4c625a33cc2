"""Mail never holds the database: a slow or a silent mail server, a worker that died while
sending, a full outbox, and what a real SMTP server on loopback receives."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from tests.support.faults import WorkerThread, wait_for
from tests.support.flows import offered_handover, open_task
from tests.support.smtp import SilentServer, SlowInbox, SmtpServer, transport_to
from workflows.clock import SystemClock
from workflows.mail.clock_skew import redate_pending_mails
from workflows.mail.compose import enqueue_external
from workflows.mail.sending import LEASE, claim, send_due
from workflows.store.outbox import PENDING, SENDING, SENT, OutboxMail
from workflows.worker import seconds_until_next_due


def mails(kf) -> list[OutboxMail]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def web_answers_quickly(as_user, kf, case_id) -> float:
    """A colleague reads the inbox and the task and claims it (a write) meanwhile; the slowest of
    these requests in seconds."""
    browser = as_user("lwv.fachdienst")
    task_id = open_task(kf, case_id, "review_handover")
    slowest = 0.0
    for step in (lambda: browser.get("/inbox"), lambda: browser.get(f"/tasks/{task_id}"),
                 lambda: browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/claim", status=302)):
        began = time.monotonic()
        step()
        slowest = max(slowest, time.monotonic() - began)
    return slowest


def test_a_silent_mail_server_neither_blocks_the_web_app_nor_hangs_the_worker(app, kf, as_user):
    silent = SilentServer().start()
    case_id = offered_handover(kf)
    worker = WorkerThread(kf, transport_to(app, silent.port, timeout=3.0), max_sleep=1.0).start()
    try:
        wait_for(lambda: any(m.status == SENDING for m in mails(kf)), 10, "the worker talking to the server")
        assert web_answers_quickly(as_user, kf, case_id) < 2.0  # meanwhile, with the mail claimed
        # the exchange times out: the mail waits for its next attempt, the worker goes on
        waiting = wait_for(lambda: [m for m in mails(kf) if m.status == PENDING and m.attempts == 1], 15,
                           "the timed-out mail given back to the outbox")
        assert "timed out" in waiting[0].last_error
        assert worker.alive
    finally:
        took = worker.stop()
        silent.stop()
    assert took < 5


def test_a_slow_mail_server_does_not_slow_the_web_app_and_gets_every_mail(app, kf, as_user):
    slow = SmtpServer(inbox=SlowInbox(seconds=6.0, slow=1)).start()
    case_id = offered_handover(kf)
    worker = WorkerThread(kf, transport_to(app, slow.port), max_sleep=1.0).start()
    try:
        wait_for(lambda: any(m.status == SENDING for m in mails(kf)), 10, "the worker talking to the server")
        assert web_answers_quickly(as_user, kf, case_id) < 1.5
        wait_for(lambda: all(m.status == SENT for m in mails(kf)), 20, f"every mail sent {[(m.kind, m.status, m.attempts) for m in mails(kf)]}")
        assert len(slow.inbox.messages) == len(mails(kf))
    finally:
        worker.stop()
        slow.stop()


def test_each_mail_has_one_message_id_and_one_date_that_a_resend_keeps(app, kf, smtp):
    offered_handover(kf)
    first = mails(kf)[0]
    # a worker claimed the first mail and died before it could record that it was sent …
    assert claim(kf.db, kf.clock, first.id) is not None
    assert claim(kf.db, kf.clock, first.id) is None  # … and no other worker takes it meanwhile
    transport = transport_to(app, smtp.port)
    send_due(kf.db, kf.clock, transport)
    assert first.id not in {m.id for m in mails(kf) if m.status == SENT}
    # once its lease has run out, the mail is sent (again: at least once), with the same headers
    kf.clock.advance(seconds=LEASE.total_seconds() + 1)
    transport(first)  # what the dead worker had handed over
    send_due(kf.db, kf.clock, transport)
    assert all(m.status == SENT for m in mails(kf))
    by_id = {}
    for message in smtp.inbox.messages:
        assert len(message.get_all("Message-ID")) == 1 and len(message.get_all("Date")) == 1
        by_id.setdefault(message["Message-ID"], []).append(message["Date"])
    assert set(by_id) == {m.message_id for m in mails(kf)}
    assert len(by_id[first.message_id]) == 2 and len(set(by_id[first.message_id])) == 1
    assert parsedate_to_datetime(by_id[first.message_id][0]) == first.created_at.replace(microsecond=0)


def test_the_outbox_drains_in_one_round_and_the_worker_wakes_for_the_next_mail(app, kf, smtp):
    with kf.db.transaction() as session:
        for number in range(130):
            enqueue_external(session, kf.clock.now(), kind="test.bulk", to_address=f"stelle{number}@example.test",
                             recipient_name="Stelle", subject="KoopFlow: Einladung", template="notice",
                             context={"kind": "reminder", "case_number": "GI-2027-0001", "process_name": "Test",
                                      "step": "Prüfen", "due_on": None, "case_id": 1})
    result = send_due(kf.db, kf.clock, transport_to(app, smtp.port))
    assert result.sent == 130 and not result.more_due
    assert len(smtp.inbox.messages) == 130
    # a mail due in 5 seconds wakes the worker then, not at its longest sleep
    with kf.db.transaction() as session:
        enqueue_external(session, kf.clock.now() + timedelta(seconds=5), kind="test.later", to_address="x@example.test",
                         recipient_name="Stelle", subject="KoopFlow: später", template="notice",
                         context={"kind": "reminder", "case_number": "GI-2027-0002", "process_name": "Test",
                                  "step": "Prüfen", "due_on": None, "case_id": 1})
    assert 4.9 < seconds_until_next_due(kf.db, kf.clock, 30.0, mails=True) <= 5.1


def test_sigterm_stops_the_worker_within_seconds_while_it_waits_for_a_silent_server(app, kf, settings, tmp_path):
    silent = SilentServer().start()
    offered_handover(kf)
    # the worker below runs on the real clock, which may lie before the tests' clock: its
    # mails are made due now, as `koopflow mail redate` does after a clock was ahead
    redate_pending_mails(kf.db, SystemClock(), timedelta(0))
    env = {**os.environ, "KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": settings.secret_key,
           "KOOPFLOW_DOCUMENTS_DIR": str(tmp_path / "documents"), "KOOPFLOW_SMTP_HOST": "127.0.0.1",
           "KOOPFLOW_SMTP_PORT": str(silent.port), "KOOPFLOW_SMTP_TIMEOUT": "120"}
    worker = subprocess.Popen([sys.executable, "-c", "from service.cli.commands import main; main()", "worker"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    reader = threading.Thread(target=lambda: output.extend(worker.stdout), daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(m.status == SENDING for m in mails(kf)), 60, "the worker talking to the silent server")
        time.sleep(0.5)
        began = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)
        took = time.monotonic() - began
    finally:
        if worker.poll() is None:
            worker.kill()
        silent.stop()
    reader.join(5)
    assert took < 3, f"SIGTERM took {took:.1f} s"
    assert worker.returncode == 0, "".join(output)
    # the interrupted mail waits in the outbox for the next start (nothing lost)
    assert all(m.status in (PENDING, SENDING) for m in mails(kf))
