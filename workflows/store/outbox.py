"""The outbox: every mail is written here in the same transaction as the change that
caused it; the worker sends it later. So a mail is never lost with a rolled-back change,
and never sent for a change that did not happen."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from workflows.store.approvals import ApprovalRequest
from workflows.store.db import Base, UtcDateTime

# pending: waiting for the worker (with no SMTP configured it stays so, readable on the Postausgang page);
# sending: claimed by a worker that is talking to the mail server, until ``next_attempt_at`` (its lease):
# a worker that died meanwhile leaves it so, and once the lease has run out it is due again.
PENDING, SENDING, SENT = "pending", "sending", "sent"
WAITING = (PENDING, SENDING)


class OutboxMail(Base):
    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_due", "status", "next_attempt_at"),
                      Index("ix_outbox_mails_sent", "status", "sent_at"))  # expiry finds only what is past
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # An approval request's mail: its links and reply address are signed when it is sent.
    approval_request_id: Mapped[int | None] = mapped_column(ForeignKey("approval_requests.id"))
    approval_request: Mapped[ApprovalRequest | None] = relationship(lazy="joined")
    # An invitation's calendar entry (text/calendar, RFC 5545), attached when it is sent.
    calendar_attachment: Mapped[str | None] = mapped_column(Text)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def due_mail_ids(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Pending mails whose time has come and mails whose sending lease ran out, oldest first."""
    return list(session.scalars(
        select(OutboxMail.id).where(OutboxMail.status.in_(WAITING), OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)))


def next_mail_due(session: Session) -> datetime | None:
    """When the next waiting mail (or lease) is due; None when the outbox holds none."""
    return session.scalar(select(OutboxMail.next_attempt_at).where(OutboxMail.status.in_(WAITING))
                          .order_by(OutboxMail.next_attempt_at).limit(1))


class ExpiredMails(Base):
    """How many sent mails one worker round deleted (``workflows.mail.expiry``): the count of
    mails sent stays a count of mails ever sent."""

    __tablename__ = "expired_mails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    expired_at: Mapped[datetime] = mapped_column(UtcDateTime)
    count: Mapped[int] = mapped_column(Integer)


def delete_sent_before(session: Session, moment: datetime, case_ids=None) -> int:
    """Delete the mails sent before ``moment`` (of the cases ``case_ids`` selects; None: of no
    case); returns how many."""
    where = [OutboxMail.status == SENT, OutboxMail.sent_at < moment,
             OutboxMail.case_id.is_(None) if case_ids is None else OutboxMail.case_id.in_(case_ids)]
    return session.execute(delete(OutboxMail).where(*where)).rowcount or 0


def mails_expired(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.sum(ExpiredMails.count), 0))) or 0
