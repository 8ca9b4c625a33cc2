"""Turn the strings a browser posts into typed JSON data for the form's schema.

Only the form's own fields are read (a csrf_token or anything else posted is ignored).
Whitespace is stripped and an empty answer means "not given", so `required` in the
schema is what decides whether it was needed. A value that cannot be read as its type
becomes a parse error for that field instead of an exception.

Lists: rows are read in index order with gaps closed ("persons.0", "persons.3" become
rows 0 and 1); empty rows at the end (added, then left blank) are dropped. A "lines"
textarea gives one value per non-empty line; a bad line is named by its number.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Mapping

from .arrays import is_blank, posted_rows, row_label
from .fields import Field, form_fields
from .validation import german_date, german_number, in_form_order, invalid_message, line_message

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
INTEGER = re.compile(r"[+-]?\d+")
DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def parse_form(schema: dict, ui: dict | None, formdata: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """(data, parse_errors): typed values of the answered fields, and German messages
    keyed by dotted field name for answers that could not be read."""
    fields = form_fields(schema, ui)
    data, errors = _parse_fields(fields, formdata)
    return data, in_form_order(errors, fields)


def _parse_fields(fields: list[Field] | tuple[Field, ...], formdata: Mapping[str, Any]) -> tuple[dict, dict]:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        if field.kind == "group":
            group_data, group_errors = _parse_fields(field.children, formdata)
            errors.update(group_errors)
            # An optional group left empty is absent; a required one is checked field by field.
            if group_data or field.required:
                data[field.key] = group_data
            continue
        if field.kind == "rows":
            rows = _parse_rows(field, formdata, errors)
            if rows or field.required:
                data[field.key] = rows
            continue
        if field.kind == "lines":
            lines = _parse_lines(field, formdata.get(field.name), errors)
            if lines:
                data[field.key] = lines
            continue
        text = _clean(formdata.get(field.name), field)
        if not text:
            continue
        try:
            data[field.key] = PARSERS[field.kind](text, field)
        except ValueError:
            errors[field.name] = invalid_message(field)
    return data, errors


def _parse_rows(field: Field, formdata: Mapping[str, Any], errors: dict[str, str]) -> list[dict]:
    posted = posted_rows(formdata, field.name)
    while posted and is_blank(posted[-1]):
        posted.pop()
    rows = []
    for index, row in enumerate(posted):
        row_data, row_errors = _parse_fields(field.children, row)
        rows.append(row_data)
        label = row_label(field, index)
        errors.update({f"{field.name}.{index}.{name}": f"{label}: {message}" for name, message in row_errors.items()})
    return rows


def _parse_lines(field: Field, raw: Any, errors: dict[str, str]) -> list[Any]:
    """One value per non-empty line; all bad lines are named, and then nothing is kept."""
    item = field.children[0]
    values, problems = [], []
    for number, line in enumerate(str(raw or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            value = PARSERS[item.kind](line, item)
            if item.kind == "date":
                date.fromisoformat(value)  # the calendar: a line's message quotes what was typed
            values.append(value)
        except ValueError:
            problems.append(line_message(item, number, line))
    if problems:
        errors[field.name] = " ".join(problems)
        return []
    return values


def _clean(raw: Any, field: Field) -> str:
    if raw is None:
        return ""
    text = str(raw).replace("\r\n", "\n").strip()
    return text if field.widget == "textarea" else " ".join(text.split("\n")).strip()


def _text(text: str, field: Field) -> str:
    return text


def _date(text: str, field: Field) -> str:
    """ISO (from <input type=date>) or German TT.MM.JJJJ, returned as ISO yyyy-mm-dd.

    The calendar check (no 30 February) is left to validation's `format: date`, so
    both ways of writing a date get the same message.
    """
    text = text.replace(" ", "")  # "31. 07. 2025"
    if ISO_DATE.fullmatch(text):
        return text
    german = GERMAN_DATE.fullmatch(text)
    if german:
        day, month, year = german.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    raise ValueError(text)


def _integer(text: str, field: Field) -> int:
    if not INTEGER.fullmatch(text):
        raise ValueError(text)
    return int(text)


def _number(text: str, field: Field) -> int | float:
    """Accepts 12, 12.5 and the German 12,5; whole numbers stay integers."""
    if not DECIMAL.fullmatch(text):
        raise ValueError(text)
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() and not re.search(r"[.,]", text) else value


def _option(text: str, field: Field) -> Any:
    """The JSON value of the chosen option (booleans, choices and consent checkboxes)."""
    for option in field.options:
        if option.value == text:
            return option.const
    raise ValueError(text)


PARSERS: dict[str, Callable[[str, Field], Any]] = {
    "text": _text,
    "date": _date,
    "integer": _integer,
    "number": _number,
    "boolean": _option,
    "choice": _option,
    "consent": _option,
}


def form_values(schema: dict, ui: dict | None, data: Mapping[str, Any]) -> dict[str, str]:
    """The inverse of parse_form: stored data as the strings the form inputs show,
    keyed by dotted name (dates stay ISO for <input type=date>; in a "lines" textarea
    they are German, one per line). Rows get their hidden markers (see arrays.py)."""
    values: dict[str, str] = {}

    def fill(fields: tuple[Field, ...] | list[Field], obj: Mapping[str, Any], prefix: str) -> None:
        for field in fields:
            value = obj.get(field.key) if isinstance(obj, Mapping) else None
            name = prefix + field.name
            if value is None:
                continue
            if field.kind == "group":
                fill(field.children, value, prefix)
            elif field.kind == "rows" and isinstance(value, list):
                values[name] = ""
                for index, row in enumerate(value):
                    values[f"{name}.{index}"] = ""
                    fill(field.children, row, f"{name}.{index}.")
            elif field.kind == "lines" and isinstance(value, list):
                values[name] = "\n".join(_line(field.children[0], item) for item in value)
            elif field.options:
                chosen = [o.value for o in field.options if o.const == value and type(o.const) is type(value)]
                values[name] = chosen[0] if chosen else str(value)
            elif field.kind == "number":
                values[name] = str(value).replace(".", ",")
            else:
                values[name] = str(value)

    fill(form_fields(schema, ui), data, "")
    return values


def _line(item: Field, value: Any) -> str:
    if item.kind == "date" and isinstance(value, str):
        return german_date(value)
    return german_number(value) if isinstance(value, (int, float)) else str(value)
