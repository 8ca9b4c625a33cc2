"""The case history: an append-only list of what happened, who did it and when."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class HistoryEvent(Base):
    """One entry. The application inserts these rows; retention empties their ``details``
    (the entered data) when the case's keeping period ends (docs/decisions/0007)."""

    __tablename__ = "history_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    task_name: Mapped[str | None] = mapped_column(String(300))
    form_name: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


def history_of(session: Session, case_id: int) -> list[HistoryEvent]:
    return list(
        session.scalars(
            select(HistoryEvent).where(HistoryEvent.case_id == case_id).order_by(HistoryEvent.id)
        )
    )


def forget_details(session: Session, case_id: int) -> None:
    """Retention: the case's history keeps its steps, actors and times, not what was entered."""
    session.execute(update(HistoryEvent).where(HistoryEvent.case_id == case_id).values(details={}))


def record(session: Session, at: datetime, kind: str, *, case_id: int | None = None,
           actor_id: int | None = None, task_name: str | None = None,
           form_name: str | None = None, **details) -> HistoryEvent:
    event = HistoryEvent(at=at, kind=kind, case_id=case_id, actor_id=actor_id,
                       task_name=task_name, form_name=form_name, details=details)
    session.add(event)
    return event
