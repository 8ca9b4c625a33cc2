"""Turn a form's JSON Schema (plus optional UI schema) into field descriptors.

A *form schema* describes what may be entered; a `Field` is what the page shows for one
question: its label, hint, widget and options, in the order the caseworker sees them.
Parsing, validation, rendering and read-only display all walk the same list, so a form
author changes a title or an order in one place and every view follows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

#: Kinds of answer a field holds; each maps to one parser and one display rule.
KINDS = ("text", "date", "integer", "number", "boolean", "choice", "consent", "group", "rows", "lines")
#: Lists: "rows" (array of objects, one fieldset per row), "lines" (array of simple values
#: in a textarea, one per line). Their `children` describe one item, not fields on the page.
ARRAY_KINDS = ("rows", "lines")
DATE_HINT = "Format: TT.MM.JJJJ, z. B. 31.07.2027."
LINES_HINT = {"date": "Ein Datum pro Zeile, z. B. 31.12.1958.", "text": "Eine Angabe pro Zeile."}


@dataclass(frozen=True)
class Option:
    """One possible answer of a choice: `value` is what the browser posts back."""

    value: str
    label: str
    const: Any


@dataclass(frozen=True)
class Field:
    """One question (or, for kind "group", one nested object shown as a fieldset).

    `name` is the dotted data path used as the HTML name ("person.last_name"), `key` the
    property name inside its object, `id` the HTML id ("field-person-last_name").
    `required` means the server rejects the form without an answer; `conditional` means
    an answer becomes required only in some cases (an if/then rule, or an optional group
    that has been started), so the label is not marked "(optional)".

    For kind "rows" the children are one row's fields with names relative to the row
    ("last_name"); `rows(values)` gives the rows to show with their real names
    ("persons.0.last_name"). For kind "lines" the only child describes one line's value.
    """

    name: str
    key: str
    id: str
    kind: str
    widget: str  # input | textarea | date | radio | select | checkbox | fieldset | file
    label: str
    hint: str = ""
    required: bool = False
    conditional: bool = False
    options: tuple[Option, ...] = ()
    children: tuple["Field", ...] = ()
    messages: tuple[tuple[str, str], ...] = ()  # from the schema's "x-messages": required/invalid
    item_label: str = ""  # rows: the items' title ("Person"); rows are then "Person 1", …
    min_items: int = 0
    max_items: int | None = None
    initial_rows: int = 0  # rows shown on a fresh form (minItems, or ui:options.initialRows)
    accept: tuple[str, ...] = ()  # file: the kinds of file taken ("x-accept": pdf, png, jpeg, docx, csv, xlsx, odt)
    max_bytes: int = 0  # file: the largest file taken ("x-maxBytes")

    def rows(self, values: Mapping[str, Any] | None):
        """For templates: the rows of a "rows" field to show for `values` (see arrays.py)."""
        from .arrays import rows_to_show

        return rows_to_show(self, values or {})


def field_id(name: str) -> str:
    """HTML id for a dotted field name; the error summary template uses the same rule."""
    return "field-" + name.replace(".", "-")


def form_fields(schema: dict, ui: dict | None = None) -> list[Field]:
    """The fields of an object schema, in display order (ui:order first, then schema order).

    Raises ValueError for a property kind the forms cannot show (e.g. an array without
    items, or lists inside list rows), so that a broken form is found when the definitions
    are loaded, not when a caseworker opens it.
    """
    key = (id(schema), id(ui))
    walked = _WALKED.get(key)
    if walked is None or walked[0] is not schema or walked[1] is not ui:
        if len(_WALKED) >= _WALKED_CAPACITY:
            _WALKED.clear()
        walked = (schema, ui, tuple(_object_fields(schema, ui or {}, prefix="", group_required=True)))
        _WALKED[key] = walked
    return list(walked[2])


# The fields of the forms walked last, by the very schema and UI schema objects (held here, so
# their ids stay theirs): checking one posted form asks for them several times (parsing,
# validation, message order, file fields). A form's schema is not changed once read.
_WALKED: dict[tuple[int, int], tuple[dict, dict | None, tuple[Field, ...]]] = {}
_WALKED_CAPACITY = 32


def walk(fields: list[Field] | tuple[Field, ...]) -> Iterator[Field]:
    """Every field on the page, groups before their children, in display order.

    The children of lists describe one item and are not walked (see arrays.row_fields)."""
    for field in fields:
        yield field
        if field.kind not in ARRAY_KINDS:
            yield from walk(field.children)


def option_value(const: Any) -> str:
    """How a JSON value travels in an HTML form: strings as they are, others as JSON."""
    return const if isinstance(const, str) else json.dumps(const)


def _object_fields(schema: dict, ui: dict, prefix: str, group_required: bool) -> Iterator[Field]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    conditional = _conditionally_required(schema)
    for key in _ordered(list(properties), ui.get("ui:order")):
        is_required = key in required
        yield _field(
            key,
            properties[key],
            ui.get(key) or {},
            prefix=prefix,
            required=is_required and group_required,
            conditional=key in conditional or (is_required and not group_required),
        )


def _field(key: str, prop: dict, ui: dict, prefix: str, required: bool, conditional: bool) -> Field:
    name = f"{prefix}{key}"
    kind = _kind(name, prop)
    hints = [prop.get("description"), ui.get("ui:help")]
    children: tuple[Field, ...] = ()
    if kind == "group":
        children = tuple(_object_fields(prop, ui, prefix=f"{name}.", group_required=required))
    elif kind == "rows":
        children = tuple(_object_fields(prop["items"], ui.get("items") or {}, prefix="", group_required=True))
        if any(child.kind == "rows" for child in walk(children)):
            raise ValueError(f"Formularfeld {name!r}: Listen in Listenzeilen werden nicht unterstützt")
    elif kind == "lines":
        item = {"title": prop.get("title") or key, **prop["items"]}
        children = (_field(key, item, {}, prefix, required=True, conditional=False),)
        if not any(hints):  # the form's own words first
            hints.append(LINES_HINT.get(children[0].kind, LINES_HINT["text"]))
    min_items, max_items = prop.get("minItems", 0), prop.get("maxItems")
    initial = max(min_items, (ui.get("ui:options") or {}).get("initialRows", 0))
    widget = _widget(kind, prop, ui.get("ui:widget"))
    accept, max_bytes = _file_rules(name, prop) if widget == "file" else ((), 0)
    if widget == "file":
        hints.append(f"Höchstens {megabytes(max_bytes)}.")
    if widget == "date" and not any("TT.MM.JJJJ" in (hint or "") for hint in hints):
        hints.append(DATE_HINT)  # a text field, not the browser's picker: that one drops an impossible date unseen
    if widget == "textarea" and prop.get("maxLength") and not any("Zeichen" in (hint or "") for hint in hints):
        hints.append(f"Höchstens {prop['maxLength']} Zeichen.")  # said before typing, not only after sending
    return Field(
        name=name,
        key=key,
        id=field_id(name),
        kind=kind,
        widget=widget,
        label=prop.get("title") or key,
        hint=" ".join(part for part in hints if part),
        required=required,
        conditional=conditional,
        options=_options(kind, prop),
        children=children,
        messages=tuple(sorted((prop.get("x-messages") or {}).items())),
        item_label=(prop.get("items") or {}).get("title", "") if kind == "rows" else "",
        min_items=min_items,
        max_items=max_items,
        initial_rows=min(initial, max_items) if max_items is not None else initial,
        accept=accept,
        max_bytes=max_bytes,
    )


def _kind(name: str, prop: dict) -> str:
    if _choices(prop) is not None:
        return "choice"
    kind = prop.get("type")
    if isinstance(kind, list):  # e.g. ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or (kind is None and "properties" in prop):
        return "group"
    if kind == "boolean":
        return "consent" if prop.get("const") is True else "boolean"
    if kind == "string":
        return "date" if prop.get("format") == "date" else "text"
    if kind in ("integer", "number"):
        return kind
    if kind == "array":
        return _array_kind(name, prop)
    raise ValueError(f"Formularfeld {name!r}: Typ {kind!r} wird nicht unterstützt")


def _array_kind(name: str, prop: dict) -> str:
    """Rows for a list of objects; lines (ui:widget "lines", also the default) for a list
    of texts, dates or numbers."""
    items = prop.get("items")
    if isinstance(items, dict):
        if items.get("type") == "object" or "properties" in items:
            return "rows"
        if _choices(items) is None and items.get("type") in ("string", "integer", "number"):
            return "lines"
    raise ValueError(
        f"Formularfeld {name!r}: Listen brauchen „items“ mit einem Objekt oder einem einfachen Wert "
        "(Text, Datum, Zahl)"
    )


def _widget(kind: str, prop: dict, requested: str | None) -> str:
    if kind in ARRAY_KINDS:
        return kind
    if kind == "group":
        return "fieldset"
    if kind in ("choice", "boolean"):
        return requested if requested in ("radio", "select") else "radio"
    if kind == "consent":
        return "checkbox"
    if kind == "date":
        return "date"
    if kind == "integer" and requested == "file":  # the id of the uploaded document
        return "file"
    if kind == "text" and (requested == "textarea" or prop.get("maxLength", 0) > 200):
        return "textarea"
    return "input"


#: File fields: the kinds a form may accept, and the size limit when the form sets none.
FILE_KINDS = ("csv", "xlsx", "pdf", "png", "jpeg", "docx", "odt")
DEFAULT_MAX_BYTES = 20 * 2**20


def _file_rules(name: str, prop: dict) -> tuple[tuple[str, ...], int]:
    accept = tuple(prop.get("x-accept") or FILE_KINDS)
    if not set(accept) <= set(FILE_KINDS):
        raise ValueError(f"Formularfeld {name!r}: x-accept kennt nur {', '.join(FILE_KINDS)}")
    return accept, int(prop.get("x-maxBytes") or DEFAULT_MAX_BYTES)


def megabytes(size: int) -> str:
    """20971520 → "20 MB", 2621440 → "2,5 MB" (MiB, as people say MB)."""
    return f"{size / 2**20:.1f}".removesuffix(".0").replace(".", ",") + " MB"


def _choices(prop: dict) -> list[tuple[Any, str]] | None:
    """(value, title) pairs of an enumeration, or None if the property is not one."""
    if "enum" in prop:
        return [(value, str(value)) for value in prop["enum"]]
    for keyword in ("oneOf", "anyOf"):
        branches = prop.get(keyword)
        if branches and all(isinstance(b, dict) and "const" in b for b in branches):
            return [(b["const"], b.get("title") or str(b["const"])) for b in branches]
    return None


def _options(kind: str, prop: dict) -> tuple[Option, ...]:
    if kind == "boolean":
        return (Option("true", "Ja", True), Option("false", "Nein", False))
    if kind == "consent":
        return (Option("true", prop.get("title", ""), True),)
    if kind == "choice":
        return tuple(Option(option_value(c), title, c) for c, title in _choices(prop) or [])
    return ()


def _conditionally_required(schema: dict) -> set[str]:
    """Properties that an if/then (or if/else) rule of this object may require."""
    rules = [schema, *schema.get("allOf", [])]
    names: set[str] = set()
    for rule in rules:
        if isinstance(rule, dict) and "if" in rule:
            for branch in ("then", "else"):
                names.update(rule.get(branch, {}).get("required", []))
        for keyword in ("anyOf", "oneOf"):  # "either persons or nobody_to_report"
            for branch in rule.get(keyword, []) if isinstance(rule, dict) else []:
                names.update(branch.get("required", []) if isinstance(branch, dict) else [])
    return names


def _ordered(keys: list[str], order: list[str] | None) -> list[str]:
    """Apply a ui:order list; "*" marks where unlisted keys go (default: at the end)."""
    if not order:
        return keys
    listed = [k for k in order if k in keys]
    rest = [k for k in keys if k not in listed]
    if "*" not in order:
        return listed + rest
    result: list[str] = []
    for entry in order:
        if entry == "*":
            result.extend(rest)
        elif entry in keys and entry not in result:
            result.append(entry)
    return result
