"""Times stored while a process's clock ran ahead: found, reported and (for mails) re-dated.

A web process or worker whose clock was ahead writes "now" into the rows it touches (a case's
last change, a history entry, a mail's creation and first attempt). After the clock is fixed
those rows lie in the future: pending mails wait for that future time, and nothing says so.
``times_ahead`` finds such rows (the worker logs them at start and once an hour; a health
endpoint can show them), ``redate_pending_mails`` is the operator's remedy for the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from workflows.store.cases import Case
from workflows.store.history import HistoryEvent
from workflows.store.outbox import WAITING, OutboxMail

# Clocks of machines differ by seconds; minutes ahead means a clock that was wrong.
MARGIN = timedelta(minutes=10)


@dataclass
class TimesAhead:
    """What lies in the future of ``now`` by more than the margin: rows per kind, the latest time."""

    what: str
    rows: int
    latest: datetime


def times_ahead(db, clock, margin: timedelta = MARGIN) -> list[TimesAhead]:
    limit = clock.now() + margin
    columns = (("cases changed", Case.updated_at), ("history entries", HistoryEvent.at),
               ("mails written", OutboxMail.created_at))
    found = []
    with db.transaction(read_only=True) as session:
        for what, column in columns:
            rows, latest = session.execute(select(func.count(), func.max(column)).where(column > limit)).one()
            if rows:
                found.append(TimesAhead(what, rows, latest))
    return found


def redate_pending_mails(db, clock, margin: timedelta = MARGIN) -> int:
    """Mails waiting in the outbox that were written in the future: written and due now instead."""
    with db.transaction() as session:
        now = clock.now()
        return session.execute(
            update(OutboxMail).where(OutboxMail.status.in_(WAITING), OutboxMail.created_at > now + margin)
            .values(created_at=now, next_attempt_at=now).execution_options(synchronize_session=False)).rowcount
