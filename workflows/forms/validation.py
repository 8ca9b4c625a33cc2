"""Check form data against its JSON Schema and say, in German, what is wrong where.

jsonschema reports errors by schema keyword and instance path; a caseworker needs one
plain sentence per field, naming the field by its label. This module does that mapping.
Every message is about one field, so the error summary can link straight to it.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from .fields import Field, form_fields, walk

#: Key for problems that concern the form as a whole rather than one field.
FORM_ERROR = ""
GENERAL_MESSAGE = "Die Angaben konnten nicht übernommen werden. Bitte prüfen Sie das Formular."
UNKNOWN_FIELDS_MESSAGE = "Die Angaben enthalten Felder, die dieses Formular nicht kennt."
DATE_EXAMPLE = "31.07.2025"


def validate_form(schema: dict, data: Any, ui: dict | None = None) -> dict[str, str]:
    """German messages keyed by dotted field name (first problem per field), in form order.

    `ui` only decides the order of the messages; the schema alone decides validity.
    Dates (`format: date`) are checked, so 2025-02-30 is rejected.
    """
    fields = form_fields(schema, ui)
    by_name = {field.name: field for field in walk(fields)}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    found: dict[str, str] = {}
    for error in validator.iter_errors(data):
        for name, message in _messages(error, by_name):
            found.setdefault(name, message)
    return in_form_order(found, fields)


def in_form_order(errors: dict[str, str], fields: list[Field]) -> dict[str, str]:
    """The same errors, form-level first, then in the order the fields appear."""
    order = [FORM_ERROR, *(field.name for field in walk(fields))]
    ranked = sorted(errors, key=lambda name: order.index(name) if name in order else len(order))
    return {name: errors[name] for name in ranked}


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
        return f"Bitte wählen Sie eine der Möglichkeiten für {label_of(field)}."
    return f"Bitte geben Sie {label_of(field)} an."


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


def german_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


# --- mapping one jsonschema error ---------------------------------------------------------

def _messages(error: ValidationError, by_name: dict[str, Field]) -> list[tuple[str, str]]:
    path = [str(part) for part in error.absolute_path]
    if error.validator in ("required", "dependentRequired"):
        return [_required(path + [key], by_name) for key in _missing(error)]
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        return [(FORM_ERROR, UNKNOWN_FIELDS_MESSAGE)]
    field = _nearest_field(path, by_name)
    if field is None:
        return [(FORM_ERROR, GENERAL_MESSAGE)]
    return [(field.name, _message(error, field))]


def _missing(error: ValidationError) -> list[str]:
    """Names of the properties a required/dependentRequired error says are missing."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        wanted = list(error.validator_value)
    else:
        wanted = [dep for key, deps in error.validator_value.items() if key in instance for dep in deps]
    return [key for key in wanted if key not in instance]


def _required(path: list[str], by_name: dict[str, Field]) -> tuple[str, str]:
    field = by_name.get(".".join(path))
    return (field.name, required_message(field)) if field else (FORM_ERROR, GENERAL_MESSAGE)


def _nearest_field(path: list[str], by_name: dict[str, Field]) -> Field | None:
    while path:
        field = by_name.get(".".join(path))
        if field:
            return field
        path = path[:-1]
    return None


def _message(error: ValidationError, field: Field) -> str:
    keyword, limit, label = error.validator, error.validator_value, label_of(field)
    if keyword == "minLength":
        if limit <= 1:
            return required_message(field)
        return f"{label} muss mindestens {limit} Zeichen lang sein."
    if keyword == "maxLength":
        return f"{label} darf höchstens {limit} Zeichen lang sein."
    if keyword == "pattern":
        return f"{label} hat nicht das richtige Format."
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
