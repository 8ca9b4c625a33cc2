"""Process definition versions: a BPMN file and its forms, keyed by content hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class ProcessDefinition(Base):
    """One version of a process. A running case keeps the version it started on."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_key", "content_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(JSON)  # filename -> JSON Schema / UI schema
    lanes: Mapped[dict] = mapped_column(JSON)  # flow node id -> lane role
    user_tasks: Mapped[dict] = mapped_column(JSON)  # bpmn id -> name, lane, form, properties
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)


def current_definition(session: Session, process_key: str) -> ProcessDefinition | None:
    return session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_key == process_key, ProcessDefinition.is_current)
    )
