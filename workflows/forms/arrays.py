"""Lists in forms: rows of fields (array of objects) that grow and shrink without JavaScript.

A row's fields are named by their data path, "persons.1.birth_date" (id
"field-persons-1-birth_date"). Rows are added and removed by submit buttons in the same
form, `name="_form_action"` with value "add:persons" or "remove:persons:1"; the route then
re-renders instead of completing:

    if form_action(request.form):
        values = apply_form_action(schema, ui, request.form)   # rows renumbered, one added/removed
        re-render with values and no errors (status 200)

Hidden inputs record which rows (and lists) the page showed: `persons` for the list and
`persons.0`, `persons.1`, … for its rows, so a row whose answers are all still open
(unchecked radios post nothing) survives a round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from .fields import Field, field_id, form_fields, walk

ACTION = "_form_action"
FOCUS = "_focus"  # in re-render values: id of the element to autofocus
DEFAULT_NOUN = "Eintrag"
_ACTION = re.compile(r"(add):([\w.-]+)|(remove):([\w.-]+):(\d{1,6})")


@dataclass(frozen=True)
class Row:
    index: int
    name: str  # "persons.1": hidden marker, and the data path of the row
    id: str  # "field-persons-1"
    label: str  # "Person 2"
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Rows:
    """What a template needs to show a "rows" field."""

    rows: tuple[Row, ...]
    can_add: bool
    can_remove: bool
    add_label: str
    add_id: str


def row_label(field: Field, index: int) -> str:
    return f"{field.item_label or DEFAULT_NOUN} {index + 1}"


def row_fields(field: Field, index: int) -> tuple[Field, ...]:
    """A row's fields with their real names: "last_name" in row 1 -> "persons.1.last_name"."""
    prefix = f"{field.name}.{index}."

    def named(child: Field) -> Field:
        children = tuple(named(c) for c in child.children) if child.kind == "group" else child.children
        return replace(child, name=prefix + child.name, id=field_id(prefix + child.name), children=children)

    return tuple(named(child) for child in field.children)


def posted_rows(formdata: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows of list `name` in `formdata`, in index order with gaps closed; each row is
    its values keyed by the name inside the row ("last_name", "address.street")."""
    pattern = re.compile(re.escape(name) + r"\.(\d{1,6})(?:\.(.+))?")
    rows: dict[int, dict[str, Any]] = {}
    for key in list(formdata.keys()):
        match = pattern.fullmatch(key)
        if match:
            row = rows.setdefault(int(match[1]), {})
            if match[2]:
                row[match[2]] = formdata.get(key)
    return [rows[index] for index in sorted(rows)]


def is_blank(row: Mapping[str, Any]) -> bool:
    return all(value is None or not str(value).strip() for value in row.values())


def rows_to_show(field: Field, values: Mapping[str, Any]) -> Rows:
    """The rows as posted (or prefilled); a fresh form (the list's marker is absent) shows
    `initial_rows` empty rows."""
    count = len(posted_rows(values, field.name))
    if not count and field.name not in values:
        count = field.initial_rows
    rows = tuple(
        Row(i, f"{field.name}.{i}", field_id(f"{field.name}.{i}"), row_label(field, i), row_fields(field, i))
        for i in range(count)
    )
    noun = field.item_label or DEFAULT_NOUN
    if not count:
        add_label = f"{noun} hinzufügen"
    else:
        add_label = f"Weitere {noun} hinzufügen" if field.item_label else f"Weiteren {DEFAULT_NOUN} hinzufügen"
    return Rows(
        rows=rows,
        can_add=field.max_items is None or count < field.max_items,
        can_remove=count > field.min_items,
        add_label=add_label,
        add_id=f"{field.id}-add",
    )


def form_action(formdata: Mapping[str, Any]) -> tuple[str, str, int | None] | None:
    """The list button that was pressed instead of the form's own submit button:
    ("add", "persons", None), ("remove", "persons", 1); None if the form was submitted.
    An unreadable value still counts as a button ("reload", "", None): it must never
    complete the task."""
    raw = formdata.get(ACTION)
    if raw is None or not str(raw).strip():
        return None
    match = _ACTION.fullmatch(str(raw).strip())
    if not match:
        return ("reload", "", None)
    if match[1]:
        return ("add", match[2], None)
    return ("remove", match[4], int(match[5]))


def apply_form_action(schema: dict, ui: dict | None, formdata: Mapping[str, Any]) -> dict[str, str]:
    """The values to re-render the form with after a list button: everything typed, rows
    renumbered without gaps, one row added (its first field gets the focus) or removed
    (the focus goes to the add button). Unknown lists and rows are ignored."""
    fields = form_fields(schema, ui)
    lists = {field.name: field for field in walk(fields) if field.kind == "rows"}
    values = _renumbered(formdata, lists)
    action = form_action(formdata)
    field = lists.get(action[1]) if action else None
    if field is None:
        return values
    rows = posted_rows(values, field.name)
    if action[0] == "add" and (field.max_items is None or len(rows) < field.max_items):
        rows.append({})
        first = next((f for f in walk(row_fields(field, len(rows) - 1)) if f.kind != "group"), None)
        values[FOCUS] = first.id if first else f"{field.id}-add"
    elif action[0] == "remove" and action[2] is not None and action[2] < len(rows):
        del rows[action[2]]
        values[FOCUS] = f"{field.id}-add"
    return {**_without_rows(values, field.name), **_flat(field.name, rows)}


def _renumbered(formdata: Mapping[str, Any], lists: dict[str, Field]) -> dict[str, str]:
    values = {key: _text(formdata.get(key)) for key in list(formdata.keys()) if key != ACTION}
    for name in lists:
        values = {**_without_rows(values, name), **_flat(name, posted_rows(values, name))}
    return values


def _without_rows(values: dict[str, str], name: str) -> dict[str, str]:
    pattern = re.compile(re.escape(name) + r"\.\d+(\..+)?")
    return {key: value for key, value in values.items() if not pattern.fullmatch(key)}


def _flat(name: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    flat = {name: ""}
    for index, row in enumerate(rows):
        flat[f"{name}.{index}"] = ""
        flat.update({f"{name}.{index}.{key}": _text(value) for key, value in row.items()})
    return flat


def _text(value: Any) -> str:
    return "" if value is None else str(value)
