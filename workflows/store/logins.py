"""Failed logins, per account and per client address, kept in the database so that every
web process counts the same failures."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Index, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class LoginFailure(Base):
    """One failed login. ``account_key`` is a hash of the name typed (known or not), so the
    table holds neither user names nor passwords typed into the name field."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account", "account_key", "at"),
        Index("ix_login_failures_address", "client_address", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    account_key: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64))


def failures_since(session: Session, since: datetime, *, account_key: str | None = None,
                   client_address: str | None = None) -> int:
    """How many failures since ``since`` for one account or one address."""
    query = select(func.count(LoginFailure.id)).where(LoginFailure.at >= since)
    if account_key is not None:
        query = query.where(LoginFailure.account_key == account_key)
    if client_address is not None:
        query = query.where(LoginFailure.client_address == client_address)
    return session.scalar(query)


def failure_stats(session: Session, since: datetime, *, account_key: str | None = None,
                  client_address: str | None = None) -> tuple[int, datetime | None]:
    """(how many failures since ``since``, the latest one's time) for a name, an address or both."""
    query = select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(LoginFailure.at >= since)
    if account_key is not None:
        query = query.where(LoginFailure.account_key == account_key)
    if client_address is not None:
        query = query.where(LoginFailure.client_address == client_address)
    count, last = session.execute(query).one()
    if last is not None and last.tzinfo is None:  # func.max bypasses the column type on SQLite
        last = datetime.fromisoformat(str(last)).replace(tzinfo=timezone.utc)
    elif isinstance(last, str):
        last = datetime.fromisoformat(last).replace(tzinfo=timezone.utc)
    return count, last


def forget_failures(session: Session, *, account_key: str | None = None, older_than: datetime | None = None,
                    client_address: str | None = None) -> None:
    query = delete(LoginFailure)
    if account_key is not None:
        query = query.where(LoginFailure.account_key == account_key)
    if client_address is not None:
        query = query.where(LoginFailure.client_address == client_address)
    if older_than is not None:
        query = query.where(LoginFailure.at < older_than)
    session.execute(query)
