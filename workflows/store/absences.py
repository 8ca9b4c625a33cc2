"""Absences (Vertretung): a user is away from one day to another, and a colleague of the same
group stands in. While it lasts, new tasks meant for them go to the deputy, and the deputy
sees (and may take over) the tasks they had claimed."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class Absence(Base):
    __tablename__ = "absences"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def absence_on(session: Session, user_id: int, day: date) -> Absence | None:
    return session.scalar(select(Absence).where(Absence.user_id == user_id, Absence.starts_on <= day,
                                                Absence.ends_on >= day).order_by(Absence.id).limit(1))


def absent_covered_by(session: Session, deputy_id: int, day: date) -> list[int]:
    """The users away on ``day`` for whom ``deputy_id`` stands in."""
    return sorted(set(session.scalars(select(Absence.user_id).where(
        Absence.deputy_id == deputy_id, Absence.starts_on <= day, Absence.ends_on >= day))))


def absences_of(session: Session, user_id: int, from_day: date) -> list[Absence]:
    """The user's absences that have not ended before ``from_day``, earliest first."""
    return list(session.scalars(select(Absence).where(Absence.user_id == user_id, Absence.ends_on >= from_day)
                                .order_by(Absence.starts_on, Absence.id)))
