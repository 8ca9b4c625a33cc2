"""The worker's last round, one row per worker process: what /healthz and /metrics read.

Kept in the database, not in a process, so a health check on any machine sees the worker
that runs on another one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class WorkerRound(Base):
    __tablename__ = "worker_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker: Mapped[str] = mapped_column(String(200), unique=True)  # host and process id
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    duration_seconds: Mapped[float] = mapped_column(Float)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    timers_fired: Mapped[int] = mapped_column(Integer, default=0)  # totals since the process started
    mails_sent: Mapped[int] = mapped_column(Integer, default=0)
    mails_failed: Mapped[int] = mapped_column(Integer, default=0)


def note_round(session: Session, worker: str, finished_at: datetime, duration: float, *, timers_fired: int,
               mails_sent: int, mails_failed: int) -> WorkerRound:
    # locked: two rounds of one name (threads of one process) add up, never overwrite each other
    row = session.scalar(select(WorkerRound).where(WorkerRound.worker == worker).with_for_update())
    if row is None:
        row = WorkerRound(worker=worker, rounds=0, timers_fired=0, mails_sent=0, mails_failed=0)
        session.add(row)
    row.finished_at, row.duration_seconds = finished_at, duration
    row.rounds += 1
    row.timers_fired += timers_fired
    row.mails_sent += mails_sent
    row.mails_failed += mails_failed
    return row


def latest_round(session: Session) -> WorkerRound | None:
    return session.scalar(select(WorkerRound).order_by(WorkerRound.finished_at.desc()).limit(1))


def all_rounds(session: Session) -> list[WorkerRound]:
    return list(session.scalars(select(WorkerRound).order_by(WorkerRound.worker)))
