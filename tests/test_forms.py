"""Human-task forms: JSON Schema rendered to accessible HTML, parsed and checked in German."""

from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader
from werkzeug.datastructures import MultiDict

from workflows.forms import (
    check_form,
    describe_values,
    form_fields,
    form_values,
    parse_form,
    validate_form,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "service" / "templates"

# The receiving agency reviews a handover (Übergabe) prepared by the other agency.
HANDOVER_REVIEW = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Übergabe prüfen",
    "description": "Prüfen Sie die vorbereitete Übergabe und entscheiden Sie.",
    "properties": {
        "person": {
            "type": "object",
            "title": "Leistungsberechtigte Person",
            "properties": {
                "last_name": {"type": "string", "title": "Nachname", "minLength": 1, "maxLength": 100},
                "first_name": {"type": "string", "title": "Vorname", "maxLength": 100},
                "birth_date": {"type": "string", "format": "date", "title": "Geburtsdatum"},
            },
            "required": ["last_name", "birth_date"],
            "additionalProperties": False,
        },
        "school_end_date": {
            "type": "string",
            "format": "date",
            "title": "Voraussichtliches Ende der Schulzeit",
            "description": "Zum Beispiel 31.07.2026",
        },
        "workshop_needed": {"type": "boolean", "title": "Kommt eine Werkstatt für behinderte Menschen in Frage?"},
        "household_size": {"type": "integer", "title": "Anzahl", "minimum": 0, "maximum": 20},
        "decision": {
            "title": "Entscheidung",
            "oneOf": [
                {"const": "accept", "title": "Übernahme bestätigen"},
                {"const": "question", "title": "Rückfrage stellen"},
            ],
        },
        "question": {"type": "string", "title": "Rückfrage", "maxLength": 2000},
        "consent_confirmed": {"type": "boolean", "const": True, "title": "Einwilligung zur Datenweitergabe liegt vor"},
    },
    "required": ["person", "workshop_needed", "decision", "consent_confirmed"],
    "additionalProperties": False,
    "allOf": [
        {
            "if": {"properties": {"decision": {"const": "question"}}, "required": ["decision"]},
            "then": {"required": ["question"]},
        }
    ],
}

UI = {
    "ui:order": ["decision", "question", "*"],
    "question": {"ui:widget": "textarea", "ui:help": "Die Rückfrage geht an den abgebenden Träger."},
    "person": {"birth_date": {"ui:help": "Wie im Bescheid angegeben."}},
}

COMPLETE = {
    "person.last_name": "Muster",
    "person.first_name": "Erika",
    "person.birth_date": "2008-07-31",
    "school_end_date": "31.07.2026",
    "workshop_needed": "false",
    "household_size": "3",
    "decision": "question",
    "question": "Liegt der Gesamtplan vor?",
    "consent_confirmed": "true",
    "csrf_token": "abc123",
}


def posted(**changes):
    form = dict(COMPLETE)
    for name, value in changes.items():
        name = name.replace("__", ".")
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return MultiDict(form)


def render(fields, values, errors):
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    page = env.from_string(
        '{% from "parts/forms/error_summary.html" import error_summary %}'
        '{% from "parts/forms/form_fields.html" import form_fields %}'
        "{{ error_summary(errors) }}<form novalidate>{{ form_fields(fields, values, errors) }}</form>"
    )
    return page.render(fields=fields, values=values, errors=errors)


# --- fields -----------------------------------------------------------------------------

def test_fields_follow_ui_order_and_nest_the_person_as_a_group():
    fields = form_fields(HANDOVER_REVIEW, UI)

    assert [f.name for f in fields][:3] == ["decision", "question", "person"]
    person = fields[2]
    assert person.kind == "group" and person.widget == "fieldset"
    assert [c.name for c in person.children] == ["person.last_name", "person.first_name", "person.birth_date"]
    assert person.children[0].id == "field-person-last_name"
    assert person.children[2].hint == "Wie im Bescheid angegeben. Format: TT.MM.JJJJ, z. B. 31.07.2027."


def test_field_kinds_and_widgets_come_from_the_schema():
    fields = {f.name: f for f in form_fields(HANDOVER_REVIEW, UI)}

    assert fields["workshop_needed"].widget == "radio"
    assert [o.label for o in fields["workshop_needed"].options] == ["Ja", "Nein"]
    assert fields["consent_confirmed"].widget == "checkbox"
    assert fields["question"].widget == "textarea"
    assert fields["question"].conditional and not fields["question"].required
    assert [(o.value, o.label) for o in fields["decision"].options] == [
        ("accept", "Übernahme bestätigen"),
        ("question", "Rückfrage stellen"),
    ]


def test_an_unsupported_property_type_is_refused_when_the_form_is_read():
    schema = {"type": "object", "properties": {"files": {"type": "array", "title": "Dateien"}}}

    with pytest.raises(ValueError, match="files"):
        form_fields(schema, None)


# --- parsing and validation ---------------------------------------------------------------

def test_complete_form_is_accepted_as_typed_data():
    data, errors = check_form(HANDOVER_REVIEW, UI, posted())

    assert errors == {}
    assert data == {
        "person": {"last_name": "Muster", "first_name": "Erika", "birth_date": "2008-07-31"},
        "school_end_date": "2026-07-31",
        "workshop_needed": False,
        "household_size": 3,
        "decision": "question",
        "question": "Liegt der Gesamtplan vor?",
        "consent_confirmed": True,
    }


def test_german_date_is_accepted_and_normalised_to_iso():
    data, errors = check_form(HANDOVER_REVIEW, UI, posted(person__birth_date=" 1.7.2008 "))

    assert errors == {}
    assert data["person"]["birth_date"] == "2008-07-01"


@pytest.mark.parametrize("typed", ["2025-02-30", "30.02.2025", "31.13.2025"])
def test_impossible_date_is_rejected_at_its_field(typed):
    data, errors = check_form(HANDOVER_REVIEW, UI, posted(person__birth_date=typed))

    assert errors == {"person.birth_date": "Geburtsdatum muss ein gültiges Datum sein, z. B. 31.07.2025."}


def test_validate_form_checks_the_date_format_itself():
    data = {"person": {"last_name": "Muster", "birth_date": "2025-02-30"}, "workshop_needed": True,
            "decision": "accept", "consent_confirmed": True}

    assert validate_form(HANDOVER_REVIEW, data) == {
        "person.birth_date": "Geburtsdatum muss ein gültiges Datum sein, z. B. 31.07.2025."
    }


def test_unreadable_date_is_a_parse_error():
    data, errors = parse_form(HANDOVER_REVIEW, UI, posted(school_end_date="Sommer 2026"))

    assert "school_end_date" not in data
    assert errors == {
        "school_end_date": "Voraussichtliches Ende der Schulzeit muss ein gültiges Datum sein, z. B. 31.07.2025."
    }


def test_letters_in_an_integer_field_give_a_message_not_a_crash():
    data, errors = check_form(HANDOVER_REVIEW, UI, posted(household_size="abc"))

    assert errors == {"household_size": "Anzahl muss eine ganze Zahl sein, z. B. 12."}
    assert "household_size" not in data


def test_integer_below_minimum_names_the_limit():
    _, errors = check_form(HANDOVER_REVIEW, UI, posted(household_size="-1"))

    assert errors == {"household_size": "Anzahl muss mindestens 0 sein."}


def test_empty_form_names_every_missing_answer_at_its_field_in_form_order():
    _, errors = check_form(HANDOVER_REVIEW, UI, MultiDict({"csrf_token": "abc", "person.last_name": "   "}))

    assert errors == {
        "decision": "Bitte wählen Sie bei „Entscheidung“ eine der Möglichkeiten.",
        "person.last_name": "Bitte geben Sie „Nachname“ an.",
        "person.birth_date": "Bitte geben Sie „Geburtsdatum“ an.",
        "workshop_needed": "Bitte beantworten Sie „Kommt eine Werkstatt für behinderte Menschen in Frage?“ mit Ja oder Nein.",
        "consent_confirmed": "Bitte bestätigen Sie „Einwilligung zur Datenweitergabe liegt vor“.",
    }


def test_question_is_required_only_when_the_decision_is_to_ask():
    _, asking = check_form(HANDOVER_REVIEW, UI, posted(question=""))
    _, accepting = check_form(HANDOVER_REVIEW, UI, posted(question="", decision="accept"))

    assert asking == {"question": "Bitte geben Sie „Rückfrage“ an."}
    assert accepting == {}


def test_too_long_text_names_the_maximum():
    _, errors = check_form(HANDOVER_REVIEW, UI, posted(person__last_name="x" * 101))

    assert errors == {"person.last_name": "Nachname darf höchstens 100 Zeichen lang sein."}


def test_unknown_choice_and_yes_no_values_are_refused():
    _, errors = check_form(HANDOVER_REVIEW, UI, posted(decision="delete", workshop_needed="vielleicht"))

    assert errors == {
        "decision": "Bitte wählen Sie bei „Entscheidung“ eine der Möglichkeiten.",
        "workshop_needed": "Bitte beantworten Sie „Kommt eine Werkstatt für behinderte Menschen in Frage?“ mit Ja oder Nein.",
    }


def test_data_the_form_does_not_know_is_a_form_level_error():
    data = {"person": {"last_name": "Muster", "birth_date": "2008-07-31"}, "workshop_needed": True,
            "decision": "accept", "consent_confirmed": True, "salary": 1}

    assert validate_form(HANDOVER_REVIEW, data) == {
        "": "Die Angaben enthalten Felder, die dieses Formular nicht kennt."
    }


def test_plain_enum_and_decimal_comma_are_understood():
    schema = {"type": "object", "properties": {
        "body": {"title": "Gremium", "enum": ["Lenkungsgruppe", "Arbeitsgruppe"]},
        "hours": {"type": "number", "title": "Stunden", "maximum": 10},
    }}

    data, errors = check_form(schema, None, {"body": "Arbeitsgruppe", "hours": "2,5"})
    _, too_many = check_form(schema, None, {"hours": "10,5"})

    assert (data, errors) == ({"body": "Arbeitsgruppe", "hours": 2.5}, {})
    assert too_many == {"hours": "Stunden darf höchstens 10 sein."}


# --- rendering ----------------------------------------------------------------------------

def test_every_input_has_a_label_pointing_at_it():
    html = render(form_fields(HANDOVER_REVIEW, UI), {}, {})

    for field_id in ("field-person-last_name", "field-person-birth_date", "field-household_size",
                     "field-question", "field-consent_confirmed"):
        assert f'for="{field_id}"' in html
        assert f'id="{field_id}"' in html
    assert 'type="text" id="field-person-birth_date" name="person.birth_date"' in html
    assert "Format: TT.MM.JJJJ" in html  # typed as text: the browser's picker would drop 31.02. unseen
    assert "<legend class=\"fieldset__legend\">Leistungsberechtigte Person</legend>" in html
    assert '<textarea class="textarea" id="field-question" name="question"' in html
    assert "Es gibt ein Problem" not in html


def test_yes_no_question_is_a_radio_group_in_a_fieldset():
    html = render(form_fields(HANDOVER_REVIEW, UI), {"workshop_needed": "false"}, {})

    assert "<legend class=\"fieldset__legend\">Kommt eine Werkstatt für behinderte Menschen in Frage?</legend>" in html
    assert 'id="field-workshop_needed" name="workshop_needed" value="true" required>' in html
    assert 'id="field-workshop_needed-2" name="workshop_needed" value="false" checked required>' in html


def test_errors_are_summarised_linked_and_repeated_at_the_field():
    fields = form_fields(HANDOVER_REVIEW, UI)
    form = posted(person__birth_date="30.02.2025", decision=None)
    _, errors = check_form(HANDOVER_REVIEW, UI, form)

    html = render(fields, form, errors)

    assert 'role="alert"' in html and "Es gibt ein Problem" in html
    assert '<a href="#field-person-birth_date">Geburtsdatum muss ein gültiges Datum sein' in html
    assert '<a href="#field-decision">Bitte wählen Sie bei „Entscheidung“ eine der Möglichkeiten.</a>' in html
    assert ('<p class="field-error" id="field-person-birth_date-error"><span class="visually-hidden">Fehler:</span> '
            "Geburtsdatum muss ein gültiges Datum sein, z. B. 31.07.2025.</p>") in html
    assert ('aria-invalid="true" aria-describedby="field-person-birth_date-hint field-person-birth_date-error"'
            in html)
    assert 'id="field-decision" name="decision" value="accept" required aria-invalid="true">' in html
    assert html.index("Es gibt ein Problem") < html.index("<form")


def test_entered_values_are_refilled_after_an_error():
    form = posted(household_size="abc", person__birth_date="30.02.2025")
    _, errors = check_form(HANDOVER_REVIEW, UI, form)

    html = render(form_fields(HANDOVER_REVIEW, UI), form, errors)

    assert 'name="person.last_name" value="Muster"' in html
    assert 'name="household_size" value="abc"' in html
    # An impossible date stays visible as typed.
    assert 'type="text" id="field-person-birth_date" name="person.birth_date" value="30.02.2025"' in html
    assert 'value="question" checked' in html
    assert ">Liegt der Gesamtplan vor?</textarea>" in html
    assert 'name="consent_confirmed" value="true" checked' in html


def test_user_input_is_escaped():
    form = posted(person__last_name='<script>alert("x")</script>', question="<script>evil()</script>")
    _, errors = check_form(HANDOVER_REVIEW, UI, form)

    html = render(form_fields(HANDOVER_REVIEW, UI), form, errors)

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_stored_data_prefills_the_form():
    data, _ = check_form(HANDOVER_REVIEW, UI, posted())

    html = render(form_fields(HANDOVER_REVIEW, UI), form_values(HANDOVER_REVIEW, UI, data), {})

    assert 'type="text" id="field-school_end_date" name="school_end_date" value="31.07.2026"' in html
    assert 'value="false" checked' in html


# --- read-only display --------------------------------------------------------------------

def test_submitted_data_is_described_in_german():
    data, _ = check_form(HANDOVER_REVIEW, UI, posted())

    assert describe_values(HANDOVER_REVIEW, UI, data) == [
        ("Entscheidung", "Rückfrage stellen"),
        ("Rückfrage", "Liegt der Gesamtplan vor?"),
        ("Leistungsberechtigte Person – Nachname", "Muster"),
        ("Leistungsberechtigte Person – Vorname", "Erika"),
        ("Leistungsberechtigte Person – Geburtsdatum", "31.07.2008"),
        ("Voraussichtliches Ende der Schulzeit", "31.07.2026"),
        ("Kommt eine Werkstatt für behinderte Menschen in Frage?", "Nein"),
        ("Anzahl", "3"),
        ("Einwilligung zur Datenweitergabe liegt vor", "Ja"),
    ]


def test_every_field_of_every_form_has_a_grammatical_required_message():
    """Own messages ("Bitte geben Sie das Geburtsdatum an.") or the generic one with the label
    quoted ("Bitte geben Sie „Bescheid vom“ an."), never a label dropped into a sentence."""
    import json

    from workflows.forms import form_fields as fields_of
    from workflows.forms.validation import required_message

    forms = Path(__file__).resolve().parent.parent / "forms"
    checked = 0
    for path in sorted(forms.glob("*.schema.json")):
        ui_path = path.with_name(path.name.replace(".schema.json", ".ui.json"))
        ui = json.loads(ui_path.read_text()) if ui_path.exists() else None
        stack = list(fields_of(json.loads(path.read_text()), ui))
        while stack:
            field = stack.pop()
            stack += list(field.children)
            if field.kind == "group":
                continue
            message = required_message(field)
            own = dict(field.messages).get("required")
            assert message.endswith("."), (path.name, field.name, message)
            if message != own:
                assert message.startswith("Bitte ") and "„" in message, (path.name, field.name, message)
            checked += 1
    assert checked > 50


def test_the_generic_required_message_quotes_the_label_for_every_kind_of_field():
    """A label such as "Bescheid vom" or "Art der Leistung" never stands bare in a sentence."""
    from workflows.forms import form_fields as fields_of
    from workflows.forms.validation import required_message

    schema = {"type": "object", "properties": {
        "text": {"type": "string", "title": "Bescheid vom"},
        "choice": {"type": "string", "title": "Art der Leistung", "enum": ["a", "b"]},
        "yes_no": {"type": "boolean", "title": "Liegt ein Bescheid vor?"},
        "lines": {"type": "array", "title": "Schulen", "items": {"type": "string"}},
    }}
    messages = {field.name: required_message(field) for field in fields_of(schema, None)}
    assert messages == {
        "text": "Bitte geben Sie „Bescheid vom“ an.",
        "choice": "Bitte wählen Sie bei „Art der Leistung“ eine der Möglichkeiten.",
        "yes_no": "Bitte beantworten Sie „Liegt ein Bescheid vor?“ mit Ja oder Nein.",
        "lines": "Bitte geben Sie bei „Schulen“ mindestens einen Eintrag an.",
    }
