"""Meetings of an agreement's bodies as cases.

A body (Kooperationskonferenz, regional planning conference, Qualitätszirkel) meets a number
of times a year; each meeting is a case, opened at most once: the unique constraint on
(agreement, conference, year, occurrence) decides, also for two workers.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
