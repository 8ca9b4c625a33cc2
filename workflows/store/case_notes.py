"""Internal notes on a case: free text one agency keeps for itself. Each note belongs to the
agency of its author; only users of that agency ever read it. A note is personal data of the
case: retention deletes it with the rest."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class CaseNote(Base):
    __tablename__ = "case_notes"
    __table_args__ = (Index("ix_case_notes_case_agency", "case_id", "agency_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def notes_of_case(session: Session, case_id: int, agency_ids: set[str]) -> list[CaseNote]:
    """The case's notes of the given agencies, oldest first."""
    if not agency_ids:
        return []
    return list(session.scalars(select(CaseNote).where(
        CaseNote.case_id == case_id, CaseNote.agency_id.in_(sorted(agency_ids))).order_by(CaseNote.id)))


def forget_notes(session: Session, case_id: int) -> None:
    session.execute(delete(CaseNote).where(CaseNote.case_id == case_id))
