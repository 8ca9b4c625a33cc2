"""The school-leaver cohort (§ 8 b → § 8 a): every person of a delivered named list, tracked
until the LWV has taken them over.

A cohort entry holds no name: the person's data stay in the list's case (and go with its
retention); ``person_key`` is a one-way digest of name and birth date that recognises a person
named again in a later list (a repeated school year), so the two entries are linked, not doubled.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

SCHOOL, VOCATIONAL_SCHOOL = "school", "vocational_school"


class CohortEntry(Base):
    """Row ``row_index`` of the § 8 b list in case ``list_case_id`` (list of ``list_year``)."""

    __tablename__ = "cohort_entries"
    __table_args__ = (UniqueConstraint("list_case_id", "row_index"),
                      Index("ix_cohort_entries_person", "agreement_id", "person_key"),
                      Index("ix_cohort_entries_year", "agreement_id", "list_year"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"))
    list_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    list_year: Mapped[int] = mapped_column(Integer)
    row_index: Mapped[int] = mapped_column(Integer)
    listed_on: Mapped[date] = mapped_column(Date)
    person_key: Mapped[str] = mapped_column(String(64))
    expected_school_end: Mapped[date] = mapped_column(Date)
    education: Mapped[str] = mapped_column(String(20))  # SCHOOL or VOCATIONAL_SCHOOL (§ 8 b names both)
    handover_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    takeover_confirmed_on: Mapped[date | None] = mapped_column(Date)
    # the same person's entry in an earlier list: that one is continued here, not counted twice
    earlier_entry_id: Mapped[int | None] = mapped_column(ForeignKey("cohort_entries.id"))
    relisted: Mapped[bool] = mapped_column(default=False)  # named again in a later list
    # the next day a missed milestone may have to be chased (the worker's index); None: nothing left
    next_chase_on: Mapped[date | None] = mapped_column(Date, index=True)


class CohortNotice(Base):
    """A missed milestone's reminder or escalation, sent once (the unique constraint decides)."""

    __tablename__ = "cohort_notices"
    __table_args__ = (UniqueConstraint("entry_id", "milestone", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cohort_entries.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # reminder, escalation
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


def entries_of_list(session: Session, list_case_id: int) -> list[CohortEntry]:
    return list(session.scalars(select(CohortEntry).where(CohortEntry.list_case_id == list_case_id)
                                .order_by(CohortEntry.row_index)))


def entries_of_year(session: Session, agreement_id: str, year: int) -> list[CohortEntry]:
    return list(session.scalars(select(CohortEntry).where(
        CohortEntry.agreement_id == agreement_id, CohortEntry.list_year == year)
        .order_by(CohortEntry.expected_school_end, CohortEntry.row_index)))


def entries_of_agreement(session: Session, agreement_id: str) -> list[CohortEntry]:
    return list(session.scalars(select(CohortEntry).where(CohortEntry.agreement_id == agreement_id)
                                .order_by(CohortEntry.list_year, CohortEntry.id)))


def latest_entry_of_person(session: Session, agreement_id: str, person_key: str, before_year: int) -> CohortEntry | None:
    return session.scalar(select(CohortEntry).where(
        CohortEntry.agreement_id == agreement_id, CohortEntry.person_key == person_key,
        CohortEntry.list_year < before_year).order_by(CohortEntry.list_year.desc()).limit(1))


def entry_of_row(session: Session, list_case_id: int, row_index: int) -> CohortEntry | None:
    return session.scalar(select(CohortEntry).where(CohortEntry.list_case_id == list_case_id,
                                                    CohortEntry.row_index == row_index))


def notices_of(session: Session, entry_ids: list[int]) -> dict[tuple[int, str, str], datetime]:
    rows = session.execute(select(CohortNotice.entry_id, CohortNotice.milestone, CohortNotice.kind,
                                  CohortNotice.sent_at).where(CohortNotice.entry_id.in_(entry_ids)))
    return {(e, m, k): at for e, m, k, at in rows}


def forget_persons_of_list(session: Session, list_case_id: int) -> None:
    """Retention of the list's case: its entries keep their dates and outcome (the Kennzahlen), not
    the digest that could recognise the person."""
    session.execute(update(CohortEntry).where(CohortEntry.list_case_id == list_case_id).values(person_key="")
                    .execution_options(synchronize_session=False))
