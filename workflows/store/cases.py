"""Cases (Vorgänge): one running process instance each, its state in one column."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

RUNNING, COMPLETED, CANCELLED = "running", "completed", "cancelled"
DECLINED, WITHDRAWN = "declined", "withdrawn"  # a handover the receiving side declined / the sender withdrew
ENDED = (COMPLETED, CANCELLED, DECLINED, WITHDRAWN)
STATUS_LABELS = {RUNNING: "In Bearbeitung", COMPLETED: "Abgeschlossen", CANCELLED: "Abgebrochen",
                 DECLINED: "Abgelehnt", WITHDRAWN: "Zurückgezogen"}


class Case(Base):
    """A case. ``version`` is checked on every write, so two commands can't both win."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)  # serialized SpiffWorkflow instance
    next_timer_due: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The agreement version the case started under: its role map and deadlines stay the case's.
    agreement_version: Mapped[int | None] = mapped_column(Integer)
    # The partner (agency) leading the case: the starter's partner, or the one whose turn it is
    # to manage a meeting. Roles scoped by ``partner_roles`` were narrowed to it or to the other
    # side when the case started (workflows/agreements/partner_roles.py); signatories:lead|counterpart.
    lead_agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"))
    # Set when retention deleted the case's personal data (workflows/cases/retention.py).
    personal_data_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set while an administrator or lead has suspended the case (workflows/cases/administration.py):
    # it fires no timers and its tasks cannot be completed.
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The one-time token of the start form it was started from: a second submit of the same
    # form (Back, then send again) finds this case instead of starting another.
    start_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A school-end handover whose takeover is not confirmed yet: the day from which both leads
    # are warned (agreement: school_end_warning_weeks) before ``school_end_on``, and when they
    # were (workflows/cases/school_end.py). The warning day is empty once the takeover is confirmed.
    school_end_warn_on: Mapped[date | None] = mapped_column(Date, index=True)
    school_end_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Whom or what the case is about, as its process declares it (``subject`` property, e.g.
    # "Schneider, Lena, 03.05.2009"): shown after login to those who may see the case, never
    # mailed, logged or put in a URL; emptied by retention (workflows/cases/subject.py).
    subject: Mapped[str | None] = mapped_column(String(400))
    # The expected end of school, where the process declares one (``schoolEnd`` property).
    school_end_on: Mapped[date | None] = mapped_column(Date, index=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class CaseNumberCounter(Base):
    """The last number handed out per prefix and year: GI-2026-00001, GI-2026-00002 …"""

    __tablename__ = "case_number_counters"
    __table_args__ = (UniqueConstraint("prefix", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)


def next_case_number(session: Session, prefix: str, year: int) -> str:
    """The next number, under a lock on the year's counter. The counter row is made first if
    missing, and ``ON CONFLICT DO NOTHING`` lets two processes starting the year's first cases
    at once both go on (one waits for the other) instead of one failing on the unique key."""
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
    session.execute(insert(CaseNumberCounter).values(prefix=prefix, year=year, last=0)
                    .on_conflict_do_nothing(index_elements=["prefix", "year"]))
    counter = session.scalar(
        select(CaseNumberCounter)
        .where(CaseNumberCounter.prefix == prefix, CaseNumberCounter.year == year)
        .with_for_update()
    )
    counter.last += 1
    session.flush()
    return f"{prefix}-{year}-{counter.last:05d}"


def closed_before(session: Session, agreement_id: str, moment: datetime) -> list[int]:
    """Cases of the agreement closed before ``moment`` whose personal data are still there."""
    return list(session.scalars(select(Case.id).where(
        Case.agreement_id == agreement_id, Case.status.in_(ENDED), Case.completed_at < moment,
        Case.personal_data_deleted_at.is_(None))))
