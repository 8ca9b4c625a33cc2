"""Approval requests: one per approver and approval task, decided once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

PENDING, APPROVED, REJECTED, WITHDRAWN = "pending", "approved", "rejected", "withdrawn"


class ApprovalRequest(Base):
    """Approver ``approver_id`` is asked to decide task ``task_id``. ``nonce`` goes into the
    signed link and reply address; a request decides once (then its links say so)."""

    __tablename__ = "approval_requests"
    __table_args__ = (UniqueConstraint("task_id", "approver_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(20))  # page | link | reply
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def requests_of_task(session: Session, task_id: int) -> list[ApprovalRequest]:
    return list(session.scalars(select(ApprovalRequest).where(ApprovalRequest.task_id == task_id)
                                .order_by(ApprovalRequest.id)))


def forget_comments(session: Session, case_id: int) -> None:
    """Retention: approvers' free-text comments may name the person; the decisions stay."""
    session.execute(update(ApprovalRequest).where(ApprovalRequest.case_id == case_id).values(comment=None))
