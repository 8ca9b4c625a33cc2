"""Wiedervorlagen: a personal follow-up date with a note on an open task or on a whole case. Until
that day the task (or every open task of the case) stays out of its owner's open work in the
Posteingang; from that day on it is back (and in the daily digest of that day); a case's comes
back as its own row until its owner marks it done. The note is free text about the case: personal
data, deleted by retention, never mailed."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime
from workflows.store.tasks import HumanTask


class TaskFollowUp(Base):
    __tablename__ = "task_follow_ups"
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseFollowUp(Base):
    __tablename__ = "case_follow_ups"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def case_follow_up_of(session: Session, case_id: int, user_id: int) -> CaseFollowUp | None:
    return session.get(CaseFollowUp, (case_id, user_id))


def follow_up_of(session: Session, task_id: int, user_id: int) -> TaskFollowUp | None:
    return session.get(TaskFollowUp, (task_id, user_id))


def forget_follow_ups_of_case(session: Session, case_id: int) -> None:
    session.execute(delete(TaskFollowUp).where(TaskFollowUp.task_id.in_(select(HumanTask.id).where(
        HumanTask.case_id == case_id))))
    session.execute(delete(CaseFollowUp).where(CaseFollowUp.case_id == case_id))
