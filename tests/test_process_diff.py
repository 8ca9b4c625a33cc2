"""The version diff on a real changed copy of bpmn/handover_school_end.bpmn."""
from __future__ import annotations

import json
from pathlib import Path

from workflows.processes.diff import ADDED, CHANGED, REMOVED, diff

ROOT = Path(__file__).resolve().parents[1]
XML = (ROOT / "bpmn" / "handover_school_end.bpmn").read_text(encoding="utf-8")
FORMS = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "forms").glob("*.json")}
NEW_TASK = '<bpmn:manualTask id="call_school" name="Schule anrufen" />\n    '


def changed_copy() -> str:
    xml = XML.replace('name="Übergabe prüfen"', 'name="Übergabe gründlich prüfen"', 1)
    xml = xml.replace('working_days_later("handover_review_escalation")', 'working_days_later("other")', 1)
    xml = xml.replace('<bpmn:userTask id="review_handover"', NEW_TASK + '<bpmn:userTask id="review_handover"', 1)
    start = xml.index('<bpmn:boundaryEvent id="review_reminder_timer"')
    end = xml.index("</bpmn:boundaryEvent>", start) + len("</bpmn:boundaryEvent>")
    return xml[:start] + xml[end:]


def test_same_version_has_no_changes():
    assert diff(XML, FORMS, XML, FORMS).changes == []


def test_added_removed_and_changed_elements_by_id():
    result = diff(XML, FORMS, changed_copy(), FORMS)
    assert [c.element.id for c in result.of(ADDED)] == ["call_school"]
    assert [c.element.id for c in result.of(REMOVED)] == ["review_reminder_timer"]
    changed = {c.element.id: c.aspects for c in result.of(CHANGED)}
    assert changed == {"review_handover": ("Name",), "review_escalation_timer": ("Bedingung/Zeitangabe",)}
    assert result.marks == {"call_school": ADDED, "review_handover": CHANGED, "review_escalation_timer": CHANGED}
    assert result.of(CHANGED)[0].kind_label == "geändert"


def test_changed_form_fields_and_properties_count():
    forms = dict(FORMS)
    schema = json.loads(json.dumps(forms["handover_review.schema.json"]))
    schema["properties"]["extra"] = {"type": "string", "title": "Zusatzfeld"}
    forms["handover_review.schema.json"] = schema
    xml = XML.replace('value="handover_review" />', 'value="handover_review_long" />', 1)
    [change] = diff(XML, FORMS, xml, forms).changes
    assert change.element.id == "review_handover" and change.aspects == ("Formularfelder", "Eigenschaften")


def test_a_changed_element_shows_each_property_old_and_new():
    result = diff(XML, FORMS, changed_copy(), FORMS)
    [review] = [c for c in result.of(CHANGED) if c.element.id == "review_handover"]
    [name] = review.details
    assert (name.label, name.old, name.new) == ("Name", "Übergabe prüfen", "Übergabe gründlich prüfen")
    [timer] = [c for c in result.of(CHANGED) if c.element.id == "review_escalation_timer"]
    assert "handover_review_escalation" in timer.details[0].old and '"other"' in timer.details[0].new


def test_a_changed_form_shows_each_field_as_a_readable_line():
    forms = json.loads(json.dumps(FORMS))
    schema = forms["handover_review.schema.json"]
    schema["properties"]["extra"] = {"type": "string", "title": "Zusatzfeld"}
    schema["required"].append("review_note")
    schema["properties"]["question"]["title"] = "Rückfrage an den Landkreis"
    del schema["properties"]["decline_note"]
    [change] = diff(XML, FORMS, XML, forms).changes  # same diagram: the form alone marks its task
    assert change.element.id == "review_handover" and change.aspects == ("Formularfelder",)
    lines = {f"{d.label}: {d.old} → {d.new}" for d in change.details}
    assert lines == {"Feld „Zusatzfeld“: – → neu (Text, Pflichtfeld: nein)",
                     "Feld „Bemerkung zur Prüfung“: Pflichtfeld: nein → Pflichtfeld: ja",
                     "Feld „Rückfrage“: Titel „Rückfrage“ → Titel „Rückfrage an den Landkreis“",
                     "Feld „Begründung der Ablehnung“: vorhanden → entfernt"}
