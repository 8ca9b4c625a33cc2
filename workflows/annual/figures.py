"""Kennzahlen: the figures of the annual requests, year over year, per agreement.

Both partners of an agreement see its figures; they are counts, never persons.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from workflows.annual.cohort_figures import COLUMNS, MEDIAN, cohort_years
from workflows.annual.requests import enabled_requests
from workflows.people.access import Actor
from workflows.store.annual import figures_by_year
from workflows.store.organisation import Agreement, AgreementRole


@dataclass(frozen=True)
class FigureSeries:
    """One request's figures: the figure keys with labels, and {year: {key: value}}."""

    agreement_id: str
    agreement_name: str
    request_key: str
    reference: str
    title: str
    columns: list[tuple[str, str]]  # (figure key, label)
    years: dict[int, dict[str, int]]
    chart_columns: list[tuple[str, str]] | None = None  # the chart's, where not all columns count the same


COHORT_KEY = "cohort"
COHORT_TITLE = "Schulabgänger-Kohorte: Übernahmen je Liste"


def agreements_of(session, actor: Actor) -> list[Agreement]:
    ids = select(AgreementRole.agreement_id).where(AgreementRole.org_unit_id.in_(sorted(actor.org_unit_ids)))
    return list(session.scalars(select(Agreement).where(Agreement.id.in_(ids)).order_by(Agreement.name)))


def figure_series(db, actor: Actor, today: date | None = None) -> list[FigureSeries]:
    """Each request's figures per agreement; with ``today`` also the school-leaver cohort's."""
    result = []
    with db.transaction() as session:
        for agreement in agreements_of(session, actor):
            for request in enabled_requests(agreement.data):
                by_year = figures_by_year(session, agreement.id, request["key"])
                columns: dict[str, str] = {}
                for figures in by_year.values():
                    for key, figure in figures.items():
                        columns.setdefault(key, figure.label)
                years = {year: {k: f.value for k, f in figures.items()} for year, figures in by_year.items()}
                result.append(FigureSeries(agreement.id, agreement.name, request["key"], request["reference"],
                                           request["title"], sorted(columns.items()), years))
            cohort = cohort_years(session, agreement, today) if today is not None else {}
            if cohort:
                result.append(FigureSeries(agreement.id, agreement.name, COHORT_KEY, "§ 8 b", COHORT_TITLE,
                                           [*COLUMNS, MEDIAN], cohort, chart_columns=COLUMNS[:-1]))
    return result


# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): = + - @, and tab or
# carriage return before one of them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that starts like a formula is written with a leading apostrophe, so Excel and
    LibreOffice show it as text instead of running it; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def figures_csv(series: list[FigureSeries]) -> str:
    """One row per agreement, request, year and figure; semicolons for German spreadsheets.
    Every text cell is neutralised against formula injection (``safe_cell``)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Vereinbarung", "Paragraph", "Abfrage", "Jahr", "Kennzahl", "Wert"])
    for s in series:
        for year, values in sorted(s.years.items()):
            for key, label in s.columns:
                if key in values:
                    writer.writerow([safe_cell(cell) for cell in
                                     (s.agreement_id, s.reference, s.title, year, label, values[key])])
    return out.getvalue()
