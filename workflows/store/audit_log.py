"""The audit log: who read or changed what, when, and from where.

Unlike the case history (``audit.py``), which is part of the case record and loses its
entered data when the case's retention period ends, this log is append-only: the
application only inserts rows, and triggers in the database (migration 0009) reject any
UPDATE or DELETE. So it holds no personal data of the persons a case is about — only ids,
the case number, the kind of access and the client address (see docs/decisions/0007).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime
from workflows.store.users import User

PAGE = 50


class AuditLogEntry(Base):
    """One access. No foreign keys: an entry outlives whatever it points at."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_case_number", "case_number", "id"),
        Index("ix_audit_log_actor", "actor_id", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: anonymous, a mailed link or the worker
    kind: Mapped[str] = mapped_column(String(60), index=True)  # e.g. case.read, task.change, export.csv
    case_id: Mapped[int | None] = mapped_column(Integer)
    case_number: Mapped[str | None] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(100))  # "task 12", "document 3", never a name
    method: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[int | None] = mapped_column(Integer)  # the HTTP status answered
    client_address: Mapped[str | None] = mapped_column(String(64))


def append(session: Session, at: datetime, kind: str, **fields) -> AuditLogEntry:
    """The only way the application writes the log."""
    entry = AuditLogEntry(at=at, kind=kind, **fields)
    session.add(entry)
    return entry


@dataclass(frozen=True)
class LogFilter:
    username: str | None = None
    case_number: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def search(session: Session, where: LogFilter, before: int | None = None,
           limit: int = PAGE) -> list[tuple[AuditLogEntry, str | None]]:
    """Entries matching ``where``, newest first, ``limit`` per page (keyset: ids below ``before``),
    each with the actor's username."""
    query = (select(AuditLogEntry, User.username).outerjoin(User, User.id == AuditLogEntry.actor_id)
             .order_by(AuditLogEntry.id.desc()).limit(limit))
    if where.username:
        query = query.where(User.username == where.username)
    if where.case_number:
        query = query.where(AuditLogEntry.case_number == where.case_number)
    if where.kind:
        query = query.where(AuditLogEntry.kind == where.kind)
    if where.since:
        query = query.where(AuditLogEntry.at >= where.since)
    if where.until:
        query = query.where(AuditLogEntry.at < where.until)
    if before:
        query = query.where(AuditLogEntry.id < before)
    return [(entry, username) for entry, username in session.execute(query)]
