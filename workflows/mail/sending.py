"""Sending the outbox, with no network I/O inside a database transaction.

Each due mail is first *claimed* in a short transaction of its own: a conditional UPDATE marks
it "sending" with a lease (``next_attempt_at`` = now + LEASE) and counts the attempt, and only
the one worker whose UPDATE changed the row goes on. That transaction commits before the
transport (SMTP, with a timeout) is called, so a slow or silent mail server never holds a row
lock or SQLite's write lock. The result is recorded in a second transaction, and only if the
mail is still this attempt's (same status and attempt count). A worker that dies while talking
to the server leaves the mail "sending"; when the lease has run out it is due again and sent
once more (at least once) with the same Message-ID and Date, so mail programs show it once.

The outbox drains in consecutive batches until nothing is due, bounded per round by time
(``budget``), not by a count; a stop request ends it between two mails. A mail whose transport
or rendering fails waits with back-off; a database error ends the round (the worker's loop
backs off and retries).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from workflows.errors import known_cause
from workflows.store.outbox import PENDING, SENDING, SENT, WAITING, OutboxMail, due_mail_ids

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)
# Longer than any SMTP exchange can take with the transport's timeouts.
LEASE = timedelta(minutes=5)
BATCH = 50
ROUND_BUDGET = 20.0  # seconds of sending per round; the rest waits for the next one


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    more_due: bool = False  # the round's budget ended before the outbox was empty


BODY_DROPPED = {"text_body": "", "html_body": "", "calendar_attachment": None}


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most six hours."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def send_due(db, clock, transport: Callable[[OutboxMail], None], budget: float = ROUND_BUDGET,
             stop=None) -> SendResult:
    """Send due mails batch after batch until none is due, ``budget`` seconds are used up, or
    ``stop`` (a threading.Event) is set."""
    result = SendResult()
    ends = time.monotonic() + budget
    tried: set[int] = set()  # a mail that failed in this round waits for its back-off anyway
    while True:
        with db.transaction() as session:
            ids = [i for i in due_mail_ids(session, clock.now(), limit=BATCH) if i not in tried]
        if not ids:
            return result
        for mail_id in ids:
            if (stop is not None and stop.is_set()) or time.monotonic() >= ends:
                result.more_due = True
                return result
            tried.add(mail_id)
            outcome = send_one(db, clock, transport, mail_id)
            if outcome is True:
                result.sent += 1
            elif outcome is False:
                result.failed += 1


def claim(db, clock, mail_id: int) -> OutboxMail | None:
    """Mark the mail "sending" under a lease if it is still due; the mail (detached, with its
    approval request loaded) for the one caller who won, else None."""
    with db.transaction() as session:
        now = clock.now()
        won = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.status.in_(WAITING), OutboxMail.next_attempt_at <= now)
            .values(status=SENDING, next_attempt_at=now + LEASE, attempts=OutboxMail.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if won != 1:
            return None
        return session.scalar(select(OutboxMail).where(OutboxMail.id == mail_id))


def send_one(db, clock, transport, mail_id: int) -> bool | None:
    """Claim, send, record: True sent, False failed (waits with back-off), None not ours.
    Database errors are raised (the round ends); anything else fails this mail only."""
    mail = claim(db, clock, mail_id)
    if mail is None:
        return None
    try:
        transport(mail)  # outside any transaction
    except SQLAlchemyError:
        raise
    except Exception as exc:  # SMTP down, refused, timed out, a broken mail: try again later
        cause = known_cause(exc) or type(exc).__name__
        log.warning("mail %s not sent (attempt %s): %s", mail.id, mail.attempts, cause)
        _record(db, mail, status=PENDING, next_attempt_at=clock.now() + backoff(mail.attempts),
                last_error=f"{type(exc).__name__}: {cause}"[:500])
        return False
    # Sent, the recipient has the text: the outbox keeps what its page shows of a sent mail
    # (kind, case, recipient, subject, Message-ID, times), not the body (data minimisation).
    _record(db, mail, status=SENT, sent_at=clock.now(), last_error=None, **BODY_DROPPED)
    return True


def _record(db, mail: OutboxMail, **values) -> None:
    """Write an attempt's result, if the mail is still this attempt's (its lease not taken over)."""
    with db.transaction() as session:
        session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail.id, OutboxMail.status == SENDING, OutboxMail.attempts == mail.attempts)
            .values(**values).execution_options(synchronize_session=False))
