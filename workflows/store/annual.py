"""Annual requests: which year's case was opened for which request, and the figures it gave."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class AnnualCase(Base):
    """Request ``request_key`` of ``agreement_id`` for ``year`` is case ``case_id``.

    The unique constraint is what makes "never opened twice" hold, also for two workers.
    """

    __tablename__ = "annual_cases"
    __table_args__ = (UniqueConstraint("agreement_id", "request_key", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"))
    request_key: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    due_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AnnualFigure(Base):
    """One figure a year's request delivered, e.g. ``count`` = 17 for § 8 c in 2025."""

    __tablename__ = "annual_figures"
    __table_args__ = (UniqueConstraint("annual_case_id", "figure_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annual_case_id: Mapped[int] = mapped_column(ForeignKey("annual_cases.id"), index=True)
    figure_key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300))
    value: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


def annual_case_of(session: Session, case_id: int) -> AnnualCase | None:
    return session.scalar(select(AnnualCase).where(AnnualCase.case_id == case_id))


def figures_by_year(session: Session, agreement_id: str, request_key: str) -> dict[int, dict[str, AnnualFigure]]:
    """{year: {figure_key: figure}} for one request of one agreement, oldest year first."""
    rows = session.execute(
        select(AnnualCase.year, AnnualFigure)
        .join(AnnualFigure, AnnualFigure.annual_case_id == AnnualCase.id)
        .where(AnnualCase.agreement_id == agreement_id, AnnualCase.request_key == request_key)
        .order_by(AnnualCase.year, AnnualFigure.figure_key)
    )
    result: dict[int, dict[str, AnnualFigure]] = {}
    for year, figure in rows:
        result.setdefault(year, {})[figure.figure_key] = figure
    return result


def figures_of_case(session: Session, case_id: int) -> list[tuple[str, int]]:
    """(label, value) of the figures a year's case delivered."""
    rows = session.execute(
        select(AnnualFigure.label, AnnualFigure.value)
        .join(AnnualCase, AnnualCase.id == AnnualFigure.annual_case_id)
        .where(AnnualCase.case_id == case_id).order_by(AnnualFigure.figure_key))
    return [(label, value) for label, value in rows]


def keep_figure(session: Session, annual_case_id: int, key: str, label: str, value: int, recorded_at: datetime) -> None:
    """Record (or replace) one figure of a year's case."""
    figure = session.scalar(select(AnnualFigure).where(
        AnnualFigure.annual_case_id == annual_case_id, AnnualFigure.figure_key == key))
    if figure is None:
        figure = AnnualFigure(annual_case_id=annual_case_id, figure_key=key)
        session.add(figure)
    figure.label, figure.value, figure.recorded_at = label, value, recorded_at
