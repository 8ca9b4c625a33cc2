"""What changed in a form between two versions, field by field, as lines a reviewer reads.

Pure: two JSON Schemas (or two UI schemas) in, ``FieldChange`` lines out, each read as
``Feld „Titel“: alt → neu``: a field added or removed, its title, whether it is required,
its kind; nested objects by "Gruppe – Feld". Anything else that differs (descriptions,
choices, conditions) is one line naming what changed, so no change goes unseen.
"""
from __future__ import annotations

from dataclasses import dataclass

NONE = "–"
YES, NO = "ja", "nein"
TYPE_LABELS = {"string": "Text", "integer": "ganze Zahl", "number": "Zahl", "boolean": "Ja/Nein",
               "object": "Gruppe", "array": "Liste", "null": "leer"}
SHOWN = {"title", "type", "properties", "required"}
KEY_LABELS = {"description": "Hinweis", "oneOf": "Auswahl", "enum": "Auswahl", "maxLength": "Höchstlänge",
              "minLength": "Mindestlänge", "minimum": "Mindestwert", "maximum": "Höchstwert", "x-messages": "Meldungen",
              "allOf": "bedingte Pflichtfelder", "if": "Bedingung", "then": "Bedingung", "items": "Einträge",
              "default": "Vorgabe", "const": "fester Wert", "pattern": "Muster", "additionalProperties": "weitere Felder"}


@dataclass(frozen=True)
class FieldChange:
    """One readable change: ``label`` (Feld „…“), the old and the new value as text."""

    label: str
    old: str
    new: str

    @property
    def line(self) -> str:
        return f"{self.label}: {self.old} → {self.new}"


@dataclass(frozen=True)
class FormChange:
    """A form file whose content differs, with its lines."""

    name: str
    lines: tuple[FieldChange, ...]


def form_changes(old_forms: dict, new_forms: dict) -> list[FormChange]:
    """Each form file that differs between the two versions (by file name, sorted)."""
    result = []
    for name in sorted(set(old_forms or {}) | set(new_forms or {})):
        old, new = (old_forms or {}).get(name), (new_forms or {}).get(name)
        if old != new:
            result.append(FormChange(name, tuple(file_changes(name, old, new))))
    return result


def file_changes(name: str, old: dict | None, new: dict | None) -> list[FieldChange]:
    if old is None or new is None:
        return [FieldChange(f"Formular {name}", "vorhanden" if old else NONE, "vorhanden" if new else "entfernt")]
    if name.endswith(".ui.json") or "properties" not in old and "properties" not in new:
        return ui_changes(old, new)
    return schema_changes(old, new)


def schema_changes(old: dict, new: dict, prefix: str = "") -> list[FieldChange]:
    """Field lines for two object schemas (fields by their key, labelled by their title)."""
    lines = []
    if not prefix and old.get("title") != new.get("title"):
        lines.append(FieldChange("Formular-Titel", _text(old.get("title")), _text(new.get("title"))))
    before, after = old.get("properties") or {}, new.get("properties") or {}
    required_before, required_after = set(old.get("required") or []), set(new.get("required") or [])
    for key in [*before, *(k for k in after if k not in before)]:
        field_old, field_new = before.get(key), after.get(key)
        label = f"Feld „{prefix}{_title(field_new or field_old, key)}“"
        if field_old is None:
            lines.append(FieldChange(label, NONE, f"neu ({_kind(field_new)}, Pflichtfeld: "
                                                  f"{YES if key in required_after else NO})"))
            continue
        if field_new is None:
            lines.append(FieldChange(label, "vorhanden", "entfernt"))
            continue
        if field_old.get("title") != field_new.get("title"):
            lines.append(FieldChange(f"Feld „{prefix}{_title(field_old, key)}“", f"Titel „{_text(field_old.get('title'))}“",
                                     f"Titel „{_text(field_new.get('title'))}“"))
        if (key in required_before) != (key in required_after):
            lines.append(FieldChange(label, f"Pflichtfeld: {YES if key in required_before else NO}",
                                     f"Pflichtfeld: {YES if key in required_after else NO}"))
        if _kind(field_old) != _kind(field_new):
            lines.append(FieldChange(label, f"Art {_kind(field_old)}", f"Art {_kind(field_new)}"))
        if field_old.get("type") == field_new.get("type") == "object":
            lines += schema_changes(field_old, field_new, f"{prefix}{_title(field_new, key)} – ")
        others = _other_keys(field_old, field_new)
        if others:
            lines.append(FieldChange(label, "weitere Angaben", f"geändert ({', '.join(others)})"))
    others = [k for k in _other_keys(old, new) if k not in ("$schema", "$id")]
    if others:
        lines.append(FieldChange(f"Formular{' „' + prefix.rstrip(' –') + '“' if prefix else ''}", "weitere Angaben",
                                 f"geändert ({', '.join(others)})"))
    return lines


def ui_changes(old: dict, new: dict) -> list[FieldChange]:
    """A UI schema: the field order, and each field's display (widget, options) as written."""
    lines = []
    if old.get("ui:order") != new.get("ui:order"):
        lines.append(FieldChange("Reihenfolge der Felder", ", ".join(old.get("ui:order") or []) or NONE,
                                 ", ".join(new.get("ui:order") or []) or NONE))
    for key in [*old, *(k for k in new if k not in old)]:
        if key != "ui:order" and old.get(key) != new.get(key):
            lines.append(FieldChange(f"Darstellung „{key}“", _text(old.get(key)), _text(new.get(key))))
    return lines


def _title(schema: dict, key: str) -> str:
    return (schema or {}).get("title") or key


def _kind(schema: dict) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "/".join(TYPE_LABELS.get(k, str(k)) for k in kind)
    label = TYPE_LABELS.get(kind, str(kind) if kind else NONE)
    if schema.get("format") == "date":
        label = "Datum"
    if "oneOf" in schema or "enum" in schema:
        label += ", Auswahl"
    return label


def _other_keys(old: dict, new: dict) -> list[str]:
    keys = (k for k in set(old) | set(new) if k not in SHOWN | {"format"} and old.get(k) != new.get(k))
    return sorted({KEY_LABELS.get(k, k) for k in keys})


def _text(value) -> str:
    if value is None or value == "":
        return NONE
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)
