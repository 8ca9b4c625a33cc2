"""Drafts: a task form saved without completing the task, per user (server-side, so an
interruption or another device loses nothing). The values are the posted strings as typed;
completing the task deletes every draft of it, retention every draft of the case."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime
from workflows.store.tasks import HumanTask


class TaskDraft(Base):
    __tablename__ = "task_drafts"
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    values: Mapped[dict] = mapped_column(JSON)  # field name -> list of posted strings
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)


def draft_of(session: Session, task_id: int, user_id: int) -> TaskDraft | None:
    return session.get(TaskDraft, (task_id, user_id))


def forget_drafts_of_task(session: Session, task_id: int) -> None:
    session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))


def forget_drafts_of_case(session: Session, case_id: int) -> None:
    session.execute(delete(TaskDraft).where(TaskDraft.task_id.in_(select(HumanTask.id).where(
        HumanTask.case_id == case_id))))
