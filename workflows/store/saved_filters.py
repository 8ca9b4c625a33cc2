"""Saved filters: a user names a Vorgänge filter and finds it again, with its count, on the
Posteingang. The filter's values are kept here, server-side, so a saved search for a name
never travels in a URL (the page links it by id)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

NAME_LENGTH = 80


class SavedFilter(Base):
    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    params: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def filters_of(session: Session, user_id: int) -> list[SavedFilter]:
    return list(session.scalars(select(SavedFilter).where(SavedFilter.user_id == user_id)
                                .order_by(SavedFilter.name, SavedFilter.id)))


def filter_of(session: Session, user_id: int, filter_id: int) -> SavedFilter | None:
    """The user's own saved filter, or None (someone else's filter is as good as missing)."""
    return session.scalar(select(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.user_id == user_id))
