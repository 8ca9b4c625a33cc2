"""§ 9: the regional data set checked against the columns the agreement names, and its figures.

The state-wide working group (§ 7 HAG/SGB IX) fixes the data set; an agreement writes down
what it expects under ``data_sets``: per annual request, the file field of its form, the CSV's
columns (name, type, whether a cell may be empty, allowed values, a minimum) and the figures
the data set names (a column summed, optionally over the rows with given values). An uploaded
CSV or XLSX workbook (its first sheet, read by openpyxl) is checked when the task is completed:
every problem is named by row and column at the field, and nothing is kept. A data set that
passes gives its figures to Kennzahlen, beside the § 8 c/d counts.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

from workflows.store.annual import annual_case_of, keep_figure
from workflows.store.organisation import Agreement

MAX_MESSAGES = 5
EMPTY = "ist leer"
INTEGER = re.compile(r"[+-]?\d+")
TYPE_NAMES = {"integer": "eine ganze Zahl", "number": "eine Zahl"}
NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


@dataclass
class DataSetCheck:
    """What a completion's data set check found: German messages by field, figures to keep."""

    errors: dict[str, str] = field(default_factory=dict)
    figures: list[tuple[str, str, int]] = field(default_factory=list)  # (key, label, value)


def data_set_of(agreement: dict, request_key: str) -> dict | None:
    return next((d for d in agreement.get("data_sets", []) if d.get("request") == request_key), None)


def data_set_of_case(db, case) -> dict | None:
    """The data set the agreement expects of this case's annual request, for its task page."""
    with db.transaction(read_only=True) as session:
        annual = annual_case_of(session, case.id)
        return data_set_of(session.get(Agreement, case.agreement_id).data, annual.request_key) if annual else None


KIND_WORDS = {"text": "Text", "integer": "ganze Zahl", "number": "Zahl"}


def column_rows(spec: dict) -> list[tuple[str, str, str]]:
    """(column, what goes in it, whether it may be empty) in German, for the task page."""
    rows = []
    for column in spec["columns"]:
        what = KIND_WORDS[column.get("type", "text")]
        if "minimum" in column:
            what += f", mindestens {column['minimum']}"
        if column.get("values"):
            what += ": " + ", ".join(column["values"])
        rows.append((column["name"], what, "darf leer sein" if column.get("optional") else "Pflicht"))
    return rows


def check_uploads(session, case, uploads: dict) -> DataSetCheck:
    """Check the CSV uploaded for the data set of this case's annual request, if it has one."""
    annual = annual_case_of(session, case.id) if uploads else None
    spec = data_set_of(session.get(Agreement, case.agreement_id).data, annual.request_key) if annual else None
    upload = uploads.get(spec["field"]) if spec else None
    if upload is None:
        return DataSetCheck()
    if upload.media_type.startswith("text/csv"):
        problems, rows = read_csv(spec, Path(upload.path).read_bytes())
    elif upload.media_type == XLSX:
        problems, rows = read_xlsx(spec, Path(upload.path).read_bytes())
    else:
        return DataSetCheck()
    if problems:
        return DataSetCheck(errors={spec["field"]: joined(problems)})
    return DataSetCheck(figures=figures_of(spec, rows))


def keep_figures(session, case, check: DataSetCheck, now) -> None:
    annual = annual_case_of(session, case.id) if check.figures else None
    for key, label, value in check.figures if annual is not None else []:
        keep_figure(session, annual.id, key, label, value, now)


def joined(problems: list[str]) -> str:
    shown = problems[:MAX_MESSAGES]
    more = len(problems) - len(shown)
    text = " ".join(p if p.endswith(".") else p + "." for p in shown)
    return f"Der Datensatz passt nicht zur Vereinbarung: {text}" + (f" Dazu {more} weitere Fehler." if more else "")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_csv(spec: dict, content: bytes) -> tuple[list[str], list[dict[str, object]]]:
    """(German problems, rows as {column: typed value}) of a CSV against the data set's columns.
    The header is line 1; row numbers are the file's line numbers, as a spreadsheet shows them."""
    reader = csv.reader(io.StringIO(_decoded(content)), delimiter=spec.get("delimiter", ";"))
    return read_lines(spec, [(number, cells) for number, cells in enumerate(reader, start=1)])


def read_xlsx(spec: dict, content: bytes) -> tuple[list[str], list[dict[str, object]]]:
    """The same check of a workbook's first sheet; row numbers are the sheet's, as Excel shows them."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        return [f"Die Arbeitsmappe lässt sich nicht lesen ({type(error).__name__})"], []
    try:
        sheet = book.worksheets[0]
        lines = [(number, [_cell_text(value) for value in values])
                 for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    width = max((len(cells) - next((i for i, c in enumerate(reversed(cells)) if c), len(cells))
                 for _, cells in lines), default=0)
    return read_lines(spec, [(number, cells[:width] + [""] * (width - len(cells))) for number, cells in lines])


def _cell_text(value: object) -> str:
    """A cell as its text: whole numbers without ".0", dates as TT.MM.JJJJ, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def read_lines(spec: dict, numbered: list[tuple[int, list[str]]]) -> tuple[list[str], list[dict[str, object]]]:
    """Check the numbered rows of a file (header first) against the data set's columns."""
    lines = [(number, cells) for number, cells in numbered if any(c.strip() for c in cells)]
    if not lines:
        return ["Die Datei enthält keine Kopfzeile"], []
    columns = spec["columns"]
    expected = [c["name"] for c in columns]
    _, header = lines[0]
    header = [h.strip() for h in header]
    problems = [f"Die Spalte „{name}“ fehlt in der Kopfzeile (erwartet: {'; '.join(expected)})"
                for name in expected if name not in header]
    problems += [f"Die Spalte „{name or '(ohne Namen)'}“ ist im Datensatz nicht vorgesehen" for name in header
                 if name not in expected]
    if problems:
        return problems, []
    if len(lines) == 1:
        return ["Die Datei enthält nur die Kopfzeile, keine Datenzeilen"], []
    rows = []
    for number, cells in lines[1:]:
        if len(cells) != len(header):
            problems.append(f"Zeile {number}: {len(cells)} Werte statt {len(header)}")
            continue
        row = {}
        for column in columns:
            raw = cells[header.index(column["name"])].strip()
            value, problem = _typed(column, raw)
            if problem:
                where = f"Zeile {number}, Spalte „{column['name']}“"
                problems.append(f"{where} {problem}" if problem == EMPTY else f"{where}: {problem}")
            row[column["name"]] = value
        rows.append(row)
    return problems, rows


def _decoded(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")  # Excel's "CSV" on a German Windows


def _typed(column: dict, raw: str) -> tuple[object, str | None]:
    if not raw:
        return None, None if column.get("optional") else EMPTY
    kind = column.get("type", "text")
    value: object = raw
    if kind == "integer":
        if not INTEGER.fullmatch(raw):
            return None, f"„{raw}“ ist keine ganze Zahl"
        value = int(raw)
    elif kind == "number":
        if not NUMBER.fullmatch(raw):
            return None, f"„{raw}“ ist keine Zahl"
        value = float(raw.replace(",", "."))
    if "minimum" in column and isinstance(value, (int, float)) and value < column["minimum"]:
        return None, f"{raw} ist kleiner als {column['minimum']}"
    if column.get("values") and raw not in column["values"]:
        return None, f"„{raw}“ ist kein vorgesehener Wert (vorgesehen: {', '.join(column['values'])})"
    return value, None


def figures_of(spec: dict, rows: list[dict[str, object]]) -> list[tuple[str, str, int]]:
    """The data set's figures: each sums a column over the rows that match its ``where``."""
    result = []
    for figure in spec.get("figures", []):
        where = figure.get("where", {})
        chosen = [r for r in rows if all(r.get(column) == value for column, value in where.items())]
        total = sum(r[figure["sum"]] or 0 for r in chosen) if figure.get("sum") else len(chosen)
        result.append((figure["key"], figure["label"], round(total)))
    return result
