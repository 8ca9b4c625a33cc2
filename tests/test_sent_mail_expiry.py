"""Sent mails expire (workflows/mail/expiry.py): ``sent_mails_kept_days`` after sending, a
mail's delivery record leaves the outbox; mails not sent yet stay, an agreement without the
key keeps its mails, and the count of mails sent on /metrics does not drop."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import question
from tests.support.metrics import TOKEN, scrape, value
from workflows.mail.sending import send_due
from workflows.store.organisation import Agreement
from workflows.store.outbox import PENDING, SENT, OutboxMail
from workflows.tasks import complete_task
from workflows.worker import run_once


def mails(kf, status: str) -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.status == status))


def sent_on_metrics(app) -> float:
    status, samples = scrape(app)
    assert status == 200
    return value(samples, "koopflow_mails_sent_total")


def test_sent_mails_leave_the_outbox_after_the_agreements_period_and_others_stay(app, kf, clock):
    kf.settings.metrics_token = TOKEN
    with kf.db.transaction() as session:
        assert session.get(Agreement, "landkreis-giessen").data["sent_mails_kept_days"] == 90
    case_id = offered_handover(kf)
    send_due(kf.db, kf.clock, lambda mail: None)
    sent = mails(kf, SENT)
    assert sent > 0 and sent_on_metrics(app) == sent

    clock.advance(days=89)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Gutachten?"))  # a new mail, not sent: no transport in this round
    run_once(kf.db, kf.clock)
    assert mails(kf, SENT) == sent  # 89 days: still there

    clock.advance(days=2)
    run_once(kf.db, kf.clock)
    assert mails(kf, SENT) == 0 and mails(kf, PENDING) > 0  # sent ones gone, the unsent one waits
    assert sent_on_metrics(app) == sent  # a counter of mails ever sent does not go back


def test_an_agreement_without_a_period_keeps_its_sent_mails(kf, clock):
    with kf.db.transaction() as session:
        for agreement in session.scalars(select(Agreement)):
            agreement.data = {k: v for k, v in agreement.data.items() if k != "sent_mails_kept_days"}
    offered_handover(kf)
    send_due(kf.db, kf.clock, lambda mail: None)
    sent = mails(kf, SENT)
    clock.advance(days=400)
    run_once(kf.db, kf.clock)
    assert mails(kf, SENT) == sent > 0
