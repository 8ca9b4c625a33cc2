"""Sent mails expire: a sent mail keeps only its delivery record (kind, recipient, subject,
when; ``sending`` drops its text), and the record is deleted ``sent_mails_kept_days``
(agreement data) after it was sent. A case's mails follow its agreement; mails of no case
(the daily digest) are kept as long as the longest period of any agreement, and for ever if
one agreement keeps its mails. Mails not sent yet, or given up, are never deleted here.

So a case's mails weigh what the last few weeks wrote, not its whole history; the count of
mails ever sent (``/metrics``) keeps counting them (``ExpiredMails``).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from workflows.store.cases import Case
from workflows.store.organisation import Agreement
from workflows.store.outbox import ExpiredMails, delete_sent_before

KEPT_DAYS = "sent_mails_kept_days"


def expire_sent_mails(db, clock) -> int:
    """Delete the sent mails past their agreement's period, in one transaction; returns how many."""
    with db.transaction() as session:
        now = clock.now()
        periods = dict(session.execute(select(Agreement.id, Agreement.data)).all())
        periods = {agreement_id: (data or {}).get(KEPT_DAYS) for agreement_id, data in periods.items()}
        deleted = 0
        for agreement_id, days in periods.items():
            if days:
                cases = select(Case.id).where(Case.agreement_id == agreement_id).scalar_subquery()
                deleted += delete_sent_before(session, now - timedelta(days=days), cases)
        if periods and all(periods.values()):
            deleted += delete_sent_before(session, now - timedelta(days=max(periods.values())))
        if deleted:
            session.add(ExpiredMails(expired_at=now, count=deleted))
        return deleted
