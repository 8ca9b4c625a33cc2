"""Check form data against its JSON Schema and say, in German, what is wrong where.

jsonschema reports errors by schema keyword and instance path; a caseworker needs one
plain sentence per field, naming the field by its label. This module does that mapping.
Every message is about one field, so the error summary can link straight to it: inside
list rows that is the row's field ("persons.1.birth_date", message "Person 2: …"); a
problem with a list as a whole (too few rows, an "either rows or …" rule) is at the list.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from jsonschema import Draft202012Validator, ValidationError, validators

from .arrays import row_fields, row_label
from .fields import ARRAY_KINDS, Field, form_fields, walk

#: Where a data path is on the form: (field, row label such as "Person 2" or "").
Finder = Callable[[list[str]], "tuple[Field, str] | None"]

#: Key for problems that concern the form as a whole rather than one field.
FORM_ERROR = ""
GENERAL_MESSAGE = "Die Angaben konnten nicht übernommen werden. Bitte prüfen Sie das Formular."
UNKNOWN_FIELDS_MESSAGE = "Die Angaben enthalten Felder, die dieses Formular nicht kennt."
DATE_EXAMPLE = "31.07.2025"


# What any form accepts, whatever its schema says: a count fits every database's integer
# column, a date lies in years that date arithmetic (deadlines, timers, calendars) can handle.
MAX_INTEGER = 999_999_999
FIRST_YEAR, LAST_YEAR = 1900, 2199
DATE_RANGE_MESSAGE = "{label} muss zwischen dem 01.01.1900 und dem 31.12.2199 liegen."


def _type_within_bounds(validator, types, instance, schema):
    yield from Draft202012Validator.VALIDATORS["type"](validator, types, instance, schema)
    if isinstance(instance, int) and not isinstance(instance, bool) and abs(instance) > MAX_INTEGER:
        limit = MAX_INTEGER if instance > 0 else -MAX_INTEGER
        yield ValidationError(f"{instance} out of range", validator="maximum" if instance > 0 else "minimum",
                              validator_value=limit)


def _format_within_bounds(validator, format, instance, schema):
    yield from Draft202012Validator.VALIDATORS["format"](validator, format, instance, schema)
    if format == "date" and isinstance(instance, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", instance):
        if not FIRST_YEAR <= int(instance[:4]) <= LAST_YEAR:
            yield ValidationError(f"{instance} out of range", validator="dateRange", validator_value=format)


BoundedValidator = validators.extend(Draft202012Validator, {"type": _type_within_bounds,
                                                            "format": _format_within_bounds})


def validate_form(schema: dict, data: Any, ui: dict | None = None) -> dict[str, str]:
    """German messages keyed by dotted field name (first problem per field), in form order.

    `ui` only decides the order of the messages; the schema alone decides validity.
    Dates (`format: date`) are checked, so 2025-02-30 is rejected, and so is a year outside
    FIRST_YEAR … LAST_YEAR.
    """
    fields = form_fields(schema, ui)
    find = finder(fields)
    validator = BoundedValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found: dict[str, str] = {}
    for error in validator.iter_errors(data):
        for name, message in _messages(error, find):
            found.setdefault(name, message)
    return in_form_order(found, fields)


def finder(fields: list[Field]) -> Finder:
    """Look up a data path (["persons", "1", "birth_date"]) among the fields, rows included."""
    by_name = {field.name: field for field in walk(fields)}

    def find(path: list[str]) -> tuple[Field, str] | None:
        name = ".".join(path)
        if name in by_name:
            return by_name[name], ""
        for depth in range(len(path) - 1, 0, -1):
            array = by_name.get(".".join(path[:depth]))
            if array is not None and array.kind == "rows" and path[depth].isdigit():
                index = int(path[depth])
                row = {child.name: child for child in walk(row_fields(array, index))}
                return (row[name], row_label(array, index)) if name in row else None
        return None

    return find


def in_form_order(errors: dict[str, str], fields: list[Field]) -> dict[str, str]:
    """The same errors, form-level first, then in the order the fields appear (a list's
    own message before its rows' messages, rows in order)."""
    by_name = {field.name: field for field in walk(fields)}
    order = {name: rank for rank, name in enumerate([FORM_ERROR, *by_name])}

    def rank(name: str) -> tuple[int, int, int]:
        if name in order:
            return order[name], -1, 0
        path = name.split(".")
        for depth in range(len(path) - 1, 0, -1):
            array = by_name.get(".".join(path[:depth]))
            if array is not None and array.kind == "rows" and path[depth].isdigit():
                inside = [child.name for child in walk(row_fields(array, int(path[depth])))]
                return order[array.name], int(path[depth]), inside.index(name) if name in inside else len(inside)
        return len(order), 0, 0

    return {name: errors[name] for name in sorted(errors, key=rank)}


# --- messages shared with parsing -------------------------------------------------------
# A property may carry its own sentences where the generic one reads badly:
#   "x-messages": {"required": "Bitte geben Sie an, …", "invalid": "…"}

def required_message(field: Field) -> str:
    if own := dict(field.messages).get("required"):
        return own
    if field.kind == "consent":
        return f"Bitte bestätigen Sie „{field.label}“."
    if field.kind == "boolean":  # titles of yes/no fields are often questions
        return f"Bitte beantworten Sie „{field.label}“ mit Ja oder Nein."
    if field.kind == "choice":
        return f"Bitte wählen Sie bei „{label_of(field)}“ eine der Möglichkeiten."  # quoted like the others
    if field.kind in ARRAY_KINDS:
        return f"Bitte geben Sie bei „{label_of(field)}“ mindestens einen Eintrag an."
    return f"Bitte geben Sie „{label_of(field)}“ an."  # quoted: a label such as "Bescheid vom" is no noun


def invalid_message(field: Field) -> str:
    """What is wrong when a value has the wrong form or type for its field."""
    if own := dict(field.messages).get("invalid"):
        return own
    label = label_of(field)
    if field.kind in ("consent", "boolean", "choice"):
        return required_message(field)
    if field.kind == "date":
        return f"{label} muss ein gültiges Datum sein, z. B. {DATE_EXAMPLE}."
    if field.kind == "integer":
        return f"{label} muss eine ganze Zahl sein, z. B. 12."
    if field.kind == "number":
        return f"{label} muss eine Zahl sein, z. B. 12,5."
    if field.kind == "text":
        return f"{label} muss ein Text sein."
    return f"Bitte prüfen Sie die Angaben bei {label}."


def label_of(field: Field) -> str:
    """The field's title as it reads inside a sentence ("Geburtsdatum:" -> "Geburtsdatum")."""
    return field.label.rstrip(" ?:")


def line_message(item: Field, number: int, text: str) -> str:
    """A line of a "lines" field that is not a value: 'Zeile 3: „31.02.1958“ ist kein gültiges Datum.'"""
    if own := dict(item.messages).get("invalid"):
        return f"Zeile {number}: {own}"
    what = {"date": "kein gültiges Datum", "integer": "keine ganze Zahl", "number": "keine Zahl"}
    return f"Zeile {number}: „{text}“ ist {what.get(item.kind, 'keine gültige Angabe')}."


def german_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def german_date(iso: str) -> str:
    """2025-07-31 -> 31.07.2025, also for an impossible date, so that a message can quote it."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    return f"{match[3]}.{match[2]}.{match[1]}" if match else iso


# --- mapping one jsonschema error ---------------------------------------------------------

def _messages(error: ValidationError, find: Finder) -> list[tuple[str, str]]:
    path = [str(part) for part in error.absolute_path]
    if error.validator in ("required", "dependentRequired"):
        return [_required(path + [key], find) for key in _missing(error)]
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        return [(FORM_ERROR, UNKNOWN_FIELDS_MESSAGE)]
    located = _nearest(path, find)
    if error.validator in ("anyOf", "oneOf") and (located is None or located[0].kind == "group"):
        return [_alternatives(error, find)]
    if located is None:
        return [(FORM_ERROR, GENERAL_MESSAGE)]
    field, row, rest = located
    return [(field.name, _in_row(row, _message(error, field, rest)))]


def _missing(error: ValidationError) -> list[str]:
    """Names of the properties a required/dependentRequired error says are missing."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        wanted = list(error.validator_value)
    else:
        wanted = [dep for key, deps in error.validator_value.items() if key in instance for dep in deps]
    return [key for key in wanted if key not in instance]


def _required(path: list[str], find: Finder) -> tuple[str, str]:
    located = find(path)
    if located is None:
        return FORM_ERROR, GENERAL_MESSAGE
    field, row = located
    return field.name, _in_row(row, required_message(field))


def _nearest(path: list[str], find: Finder) -> tuple[Field, str, list[str]] | None:
    """The field nearest to a data path, its row label, and the rest of the path."""
    for depth in range(len(path), 0, -1):
        located = find(path[:depth])
        if located:
            return located[0], located[1], path[depth:]
    return None


def _in_row(row: str, message: str) -> str:
    return f"{row}: {message}" if row else message


def _alternatives(error: ValidationError, find: Finder) -> tuple[str, str]:
    """An "either … or …" rule failed (e.g. rows in `persons` or `nobody_to_report`): say so
    at the list it names (else its first field), with that property's x-messages.required."""
    candidates: list[Field] = []
    for sub in error.context or []:
        path = [str(part) for part in sub.absolute_path]
        missing = sub.validator in ("required", "dependentRequired")
        for target in [path + [key] for key in _missing(sub)] if missing else [path]:
            located = _nearest(target, find)
            if located and located[0] not in candidates:
                candidates.append(located[0])
    if not candidates:
        return FORM_ERROR, GENERAL_MESSAGE
    field = next((f for f in candidates if f.kind in ARRAY_KINDS), candidates[0])
    if own := dict(field.messages).get("required"):
        return field.name, own
    return field.name, "Bitte machen Sie Angaben bei " + " oder bei ".join(f"„{label_of(f)}“" for f in candidates) + "."


def _message(error: ValidationError, field: Field, rest: list[str] = ()) -> str:
    keyword, limit, label = error.validator, error.validator_value, label_of(field)
    if field.kind == "lines" and rest and rest[0].isdigit():
        item, number = field.children[0], int(rest[0]) + 1
        if keyword in ("format", "type"):
            typed = error.instance
            return line_message(item, number, german_date(typed) if isinstance(typed, str) else str(typed))
        return f"Zeile {number}: {_message(error, item)}"
    own = dict(field.messages)
    if keyword == "minItems":
        if own.get("minItems") or limit <= 1:
            return own.get("minItems") or required_message(field)
        return f"Bitte geben Sie bei „{label}“ mindestens {limit} Einträge an."
    if keyword == "maxItems":
        return own.get("maxItems") or f"Bei „{label}“ sind höchstens {limit} Einträge möglich."
    if keyword == "uniqueItems":
        return f"Bei „{label}“ steht ein Eintrag doppelt."
    if keyword == "minLength":
        if limit <= 1:
            return required_message(field)
        return f"{label} muss mindestens {limit} Zeichen lang sein."
    if keyword == "maxLength":
        return f"{label} darf höchstens {limit} Zeichen lang sein."
    if keyword == "pattern":
        return own.get("pattern") or f"{label} hat nicht das richtige Format."
    if keyword == "dateRange":
        return DATE_RANGE_MESSAGE.format(label=label)
    if keyword == "format":
        if limit == "email":
            return f"{label} muss eine gültige E-Mail-Adresse sein, z. B. name@beispiel.de."
        return invalid_message(field) if field.kind == "date" else f"{label} hat nicht das richtige Format."
    bounds = {
        "minimum": "muss mindestens {} sein",
        "maximum": "darf höchstens {} sein",
        "exclusiveMinimum": "muss größer als {} sein",
        "exclusiveMaximum": "muss kleiner als {} sein",
    }
    if keyword in bounds:
        return f"{label} {bounds[keyword].format(german_number(limit))}."
    if keyword == "type" or (keyword in ("enum", "const", "oneOf", "anyOf") and field.options):
        return invalid_message(field)
    return f"Bitte prüfen Sie die Angaben bei {label}."
