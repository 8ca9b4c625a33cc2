"""Versions of an agreement: version 1 from its file, each further one from an agreed Anpassung.

``Agreement.data`` always holds the data of the version in effect (``Agreement.version``);
a case keeps the version it started under (``Case.agreement_version``).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

FROM_FILE, FROM_AMENDMENT = "file", "amendment"


class AgreementVersion(Base):
    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str] = mapped_column(String(20))  # file | amendment
    data: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))  # of the file (origin file) or of the data
    summary: Mapped[str | None] = mapped_column(Text)  # the Anpassung's text
    changes_text: Mapped[bool] = mapped_column(default=False)  # the agreement's wording changes
    effective_on: Mapped[date] = mapped_column(Date)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    consents: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "agency", "at"}]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def versions_of(session: Session, agreement_id: str) -> list[AgreementVersion]:
    return list(session.scalars(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id)
                                .order_by(AgreementVersion.number)))


def version_of(session: Session, agreement_id: str, number: int | None) -> AgreementVersion | None:
    """The version, looked up once per session: one command reads a case's version for its
    diagram functions, every new task's lanes and due dates (a row once found stays the
    session's own object, so remembering it adds no staleness)."""
    if number is None:
        return None
    known = session.info.setdefault("agreement_versions", {})
    if (agreement_id, number) not in known:
        found = session.scalar(select(AgreementVersion).where(AgreementVersion.agreement_id == agreement_id,
                                                              AgreementVersion.number == number))
        if found is None:
            return None  # not remembered: it may be added later in this session
        known[agreement_id, number] = found
    return known[agreement_id, number]


def remember_version(session: Session, version: AgreementVersion | None) -> None:
    """A version read with other rows (a command's first statement): ``version_of`` finds it."""
    if version is not None:
        session.info.setdefault("agreement_versions", {})[version.agreement_id, version.number] = version


def pending_version(session: Session, agreement_id: str) -> AgreementVersion | None:
    """An agreed version not yet in effect (at most one: a new proposal waits for it)."""
    return session.scalar(select(AgreementVersion).where(
        AgreementVersion.agreement_id == agreement_id, AgreementVersion.activated_at.is_(None)).limit(1))


def due_versions(session: Session, today: date) -> list[AgreementVersion]:
    """Agreed versions whose date has come and that are not yet in effect, oldest first."""
    return list(session.scalars(select(AgreementVersion).where(
        AgreementVersion.activated_at.is_(None), AgreementVersion.effective_on <= today)
        .order_by(AgreementVersion.agreement_id, AgreementVersion.number)))
