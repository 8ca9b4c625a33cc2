"""Forms for human tasks: JSON Schema in, accessible HTML and checked data out.

The schema (forms/*.json) says what may be entered; this package shows it, reads what
was posted, and checks it on the server before the engine sees anything:

    fields = form_fields(schema, ui)                 # for the form_fields() macro
    data, errors = check_form(schema, ui, request.form)
    if not errors: complete the task with `data`
    else: re-render with values=request.form and errors (nothing typed is lost)

Lists of rows (arrays of objects) grow and shrink by submit buttons in the same form;
before check_form the route asks whether one was pressed (see arrays.py):

    if form_action(request.form):
        re-render with values=apply_form_action(schema, ui, request.form), no errors

Templates: parts/forms/form_fields.html (macro form_fields(fields, values, errors)) and
parts/forms/error_summary.html (macro error_summary(errors)).

May import: nothing of ours (jsonschema only).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from .arrays import Row, Rows, apply_form_action, form_action, row_label
from .fields import Field, Option, field_id, form_fields
from .parsing import form_values, parse_form
from .validation import FORM_ERROR, german_number, in_form_order, validate_form

__all__ = [
    "FORM_ERROR",
    "Field",
    "Option",
    "Row",
    "Rows",
    "apply_form_action",
    "check_form",
    "describe_values",
    "field_id",
    "form_action",
    "form_fields",
    "form_values",
    "parse_form",
    "validate_form",
]


def check_form(schema: dict, ui: dict | None, formdata: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """Parse and validate a posted form: (data, errors). Accept `data` only if `errors`
    is empty. A field that could not be read keeps its parse message; all other problems
    are reported too, so the caseworker sees everything at once."""
    data, parse_errors = parse_form(schema, ui, formdata)
    errors = {**validate_form(schema, data, ui), **parse_errors}
    return data, in_form_order(errors, form_fields(schema, ui))


def describe_values(schema: dict, ui: dict | None, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs for showing entered data read-only, in form order.

    Dates as 31.07.2025, booleans as Ja/Nein, choices by their title, nested objects
    flattened as "Person – Name", list rows as "Person 1 – Name" (untitled items as
    "Personen – Eintrag 1 – Name"), lines comma-separated. Fields without an answer are
    left out.
    """
    return list(_describe(form_fields(schema, ui), data, prefix=""))


def _describe(fields, data, prefix):
    for field in fields:
        value = data.get(field.key) if isinstance(data, Mapping) else None
        if value is None:
            continue
        label = f"{prefix}{field.label}"
        if field.kind == "group":
            yield from _describe(field.children, value, prefix=f"{label} – ")
        elif field.kind == "rows" and isinstance(value, list):
            for index, row in enumerate(value):
                row_prefix = prefix if field.item_label else f"{label} – "
                yield from _describe(field.children, row, prefix=f"{row_prefix}{row_label(field, index)} – ")
        elif field.kind == "lines" and isinstance(value, list):
            if value:
                yield label, ", ".join(_display(field.children[0], item) for item in value)
        else:
            yield label, _display(field, value)


def _display(field: Field, value: Any) -> str:
    if field.options:
        for option in field.options:
            if option.const == value and type(option.const) is type(value):
                return "Ja" if field.kind == "consent" else option.label
    if isinstance(value, bool):
        return "Ja" if value else "Nein"
    if field.kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if isinstance(value, (int, float)):
        return german_number(value)
    return str(value)
