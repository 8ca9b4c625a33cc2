"""Uploads through a task's page, on the § 9 regional data set's case of 2027."""
from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import select

from tests.support.pages import CSRF
from workflows.annual.requests import open_annual_cases
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase

CSV = "Kreis;Leistung;Anzahl\nGießen;Wohnen;120\nGießen;Arbeit;35\n".encode()
FILENAME = "Datensatz Gießen – Übersicht 2027.csv"


def regional_data_case(kf) -> int:
    """The case of the 2027 regional data set, opened on 01.07.2027 (it waits for the LWV's upload)."""
    kf.clock.set(datetime(2027, 7, 1, 8, 0, tzinfo=BERLIN))
    open_annual_cases(kf.db, kf.clock)
    with kf.db.transaction() as session:
        return session.scalar(select(AnnualCase.case_id).where(
            AnnualCase.request_key == "regional_data_report", AnnualCase.year == 2027))


def upload(browser, task_id: int, content: bytes | None, filename: str = FILENAME, **fields):
    """Open the task page like a browser and post its form with the file (multipart)."""
    page = browser.get(f"/tasks/{task_id}")
    data = {"csrf_token": CSRF.search(page.text).group(1), **fields}
    if content is not None:
        data["document_id"] = (io.BytesIO(content), filename)
    return browser.client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")


def workbook(rows: list[list[object]]) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows`` (a second sheet is there to be ignored)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Datensatz"
    for row in rows:
        book.active.append(row)
    book.create_sheet("Notizen").append(["nicht geprüft", "x", "y", "z"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
