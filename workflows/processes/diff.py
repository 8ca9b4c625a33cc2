"""What changed between two versions of a process definition, element by element.

Pure: two BPMN XML strings and their forms in, the elements added, removed and changed
(by element id) out. An element counts as changed when its name, type, lane,
documentation, form (its fields or its schema), condition or timer expression or its
properties differ; a changed form of the same file shows each field as "Feld „…“: alt → neu"
(form_diff.py), a form swapped for another file its field titles old and new.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from lxml import etree

from workflows.engine.parsing import NS
from workflows.processes.catalogue import Element, elements_of
from workflows.processes.form_diff import file_changes
from workflows.processes.properties import FORM, UI_FORM

ASPECTS = {"name": "Name", "type": "Art", "lane": "Lane", "documentation": "Beschreibung",
           "form_fields": "Formularfelder", "expression": "Bedingung/Zeitangabe", "properties": "Eigenschaften"}
EXPRESSIONS = ("bpmn:conditionExpression", ".//bpmn:timeDate", ".//bpmn:timeDuration", ".//bpmn:timeCycle")
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
KIND_LABELS = {ADDED: "neu", REMOVED: "entfernt", CHANGED: "geändert"}


@dataclass(frozen=True)
class AspectChange:
    """One property of a changed element: its German label, the old and the new value as text."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ElementChange:
    kind: str  # added | removed | changed
    element: Element  # the newer element; the older one when removed
    aspects: tuple[str, ...] = ()  # German labels of what differs, for changed elements
    details: tuple[AspectChange, ...] = ()  # old → new per aspect, for changed elements

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class ProcessDiff:
    changes: list[ElementChange]

    def of(self, kind: str) -> list[ElementChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def marks(self) -> dict[str, str]:
        """{element id: added | changed} for the newer diagram."""
        return {c.element.id: c.kind for c in self.changes if c.kind != REMOVED}


def diff(old_xml: str, old_forms: dict, new_xml: str, new_forms: dict) -> ProcessDiff:
    old, new = _facts(old_xml, old_forms), _facts(new_xml, new_forms)
    changes = []
    for element_id, (element, facts) in new.items():
        if element_id not in old:
            changes.append(ElementChange(ADDED, element))
            continue
        before = old[element_id][1]
        keys = [key for key in ASPECTS if facts[key] != before[key]
                or key == "form_fields" and facts["form_schemas"] != before["form_schemas"]]
        if keys:
            changes.append(ElementChange(CHANGED, element, tuple(ASPECTS[k] for k in keys),
                                         tuple(detail for k in keys for detail in _details(k, before, facts))))
    changes += [ElementChange(REMOVED, element) for element_id, (element, _) in old.items() if element_id not in new]
    return ProcessDiff(changes)


def _details(key: str, before: dict, after: dict) -> list[AspectChange]:
    """Old → new of one aspect; a form of the same files field by field."""
    if key == "form_fields" and before["form_files"] == after["form_files"]:
        lines = [line for name, old, new in zip(after["form_files"], before["form_schemas"], after["form_schemas"])
                 if old != new for line in file_changes(name, old, new)]
        if lines:
            return [AspectChange(line.label, line.old, line.new) for line in lines]
    return [AspectChange(ASPECTS[key], as_text(before[key]), as_text(after[key]))]


def as_text(value) -> str:
    """A fact as a reader sees it: lists joined, a property as name = value, nothing as "–"."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return "; ".join(f"{item[0]} = {item[1]}" if isinstance(item, tuple) else str(item) for item in value)
    return str(value)


def _facts(xml: str, forms: dict) -> dict[str, tuple[Element, dict]]:
    elements = elements_of(SimpleNamespace(bpmn_xml=xml, forms=forms or {}))
    root = etree.fromstring(xml.encode())
    nodes = {node.get("id"): node for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    result = {}
    for element in elements:
        node = nodes[element.id]
        props = {p.get("name"): p.get("value") for p in node.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
        files = tuple(props.get(p.name) for p in (FORM, UI_FORM))
        schemas = tuple((forms or {}).get(name) if name else None for name in files)
        result[element.id] = (element, {
            "name": element.name, "type": element.type_label, "lane": element.lane,
            "documentation": element.documentation,
            "form_fields": element.form_fields,
            "form_files": files, "form_schemas": schemas,
            "expression": [(e.text or "").strip() for path in EXPRESSIONS for e in node.iterfind(path, NS)],
            "properties": sorted((p.get("name"), p.get("value")) for p in node.iterfind(
                "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)),
        })
    return result
