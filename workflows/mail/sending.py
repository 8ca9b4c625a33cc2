"""Sending the outbox: each due mail in its own transaction, handed to a transport (SMTP in
production, anything callable in tests); on failure it waits and is tried again later.

A mail is marked sent in the same transaction in which the transport accepted it, under a
row lock (SKIP LOCKED on PostgreSQL), so two workers never send the same mail. If a worker
dies after the SMTP server accepted a mail but before its commit, that one mail is sent
again after the restart (at least once); its Message-ID stays the same, so mail programs
show it once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from workflows.store.outbox import PENDING, SENT, OutboxMail, due_mail_ids

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def send_due(db, clock, transport: Callable[[OutboxMail], None]) -> SendResult:
    result = SendResult()
    with db.transaction() as session:
        ids = due_mail_ids(session, clock.now())
    for mail_id in ids:
        with db.transaction() as session:
            mail = db.claim(session, OutboxMail, mail_id)
            now = clock.now()
            if mail is None or mail.status != PENDING or mail.next_attempt_at > now:
                continue
            try:
                transport(mail)
            except Exception as exc:  # SMTP down, refused, timed out: try again later
                mail.attempts += 1
                mail.next_attempt_at = now + backoff(mail.attempts)
                mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("mail %s not sent (attempt %s): %s", mail.id, mail.attempts, type(exc).__name__)
                result.failed += 1
                continue
            mail.attempts += 1
            mail.status = SENT
            mail.sent_at = now
            result.sent += 1
    return result
