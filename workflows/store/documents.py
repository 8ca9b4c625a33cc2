"""Documents: files uploaded to a case (e.g. the § 9 regional data set), one row per upload.

The content lives outside the database and the web root, named by its SHA-256 (see
``workflows/cases/documents.py``); the row says whose case it belongs to, which task and field
it came in through, what the uploader called it and who uploaded it when.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    field_name: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, sanitised
    media_type: Mapped[str] = mapped_column(String(100))  # found from the content, not the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100))  # "ab/ab12…", relative to documents_dir
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


def documents_of_case(session: Session, case_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)))


def storage_keys_in_use(session: Session, storage_keys: list[str]) -> set[str]:
    """Which of these stored files a document row still points at."""
    return set(session.scalars(select(Document.storage_key).where(Document.storage_key.in_(storage_keys))))


def lock_storage_key(session: Session, storage_key: str) -> None:
    """Hold the stored file ``storage_key`` for this transaction: retention deciding to delete it
    and an upload reusing it (identical bytes) take turns. PostgreSQL: an advisory lock until
    commit; SQLite: every writing transaction holds the database's write lock already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_number(storage_key)})


def _lock_number(storage_key: str) -> int:
    digest = storage_key.rsplit("/", 1)[-1]
    try:
        return int(digest[:15], 16)  # a content hash: its first 60 bits, a positive bigint
    except ValueError:
        return int.from_bytes(storage_key.encode()[:7], "big")
