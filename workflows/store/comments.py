"""Review comments on a process's diagram elements.

Keyed by the process key and the element id, not by the version, so a comment stays
visible on every later version that still has the element. No case data.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflows.store.db import Base, UtcDateTime


class ReviewComment(Base):
    __tablename__ = "review_comments"
    __table_args__ = (Index("ix_review_comments_process", "process_key", "element_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The agreement whose users read it (and see who wrote it); None: written before comments
    # were kept per agreement (shown to everyone, without author names).
    agreement_id: Mapped[str | None] = mapped_column(String(100))
