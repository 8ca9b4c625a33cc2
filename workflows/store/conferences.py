"""Meetings of an agreement's bodies as cases.

A body (Kooperationskonferenz, regional planning conference, Qualitätszirkel) meets a number
of times a year; each meeting is a case, opened at most once: the unique constraint on
(agreement, conference, year, occurrence) decides, also for two workers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class ConferenceCase(Base):
    """Meeting ``occurrence`` (1, 2, …) of conference ``conference_key`` in ``year`` is case ``case_id``."""

    __tablename__ = "conference_cases"
    __table_args__ = (UniqueConstraint("agreement_id", "conference_key", "year", "occurrence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"))
    conference_key: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MeetingGuest(Base):
    """An ad-hoc participant of one meeting (§ 5: "bei Bedarf weitere Fachämter", other agencies
    "anlassbezogen"): an org unit of either partner or a contact, invited besides those the
    agreement names for the body. Exactly one of ``org_unit_id`` and ``contact_id`` is set."""

    __tablename__ = "meeting_guests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    org_unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


def guests_of(session: Session, case_id: int) -> tuple[list[str], list[int]]:
    """(org unit ids, contact ids) invited to this meeting besides the body's participants."""
    rows = session.execute(select(MeetingGuest.org_unit_id, MeetingGuest.contact_id)
                           .where(MeetingGuest.case_id == case_id).order_by(MeetingGuest.id)).all()
    return [u for u, _ in rows if u], [c for _, c in rows if c]
