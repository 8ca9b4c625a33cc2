"""Lists in human-task forms: rows of fields added and removed without JavaScript, and
simple values one per line."""

import copy
import re
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader
from werkzeug.datastructures import MultiDict

from workflows.forms import (
    apply_form_action,
    check_form,
    describe_values,
    form_action,
    form_fields,
    form_values,
    parse_form,
    validate_form,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "service" / "templates"

# A named list (Namensliste): the Landkreis reports the persons concerned, or that there are none.
NAMED_LIST = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Namensliste",
    "additionalProperties": False,
    "properties": {
        "persons": {
            "type": "array",
            "title": "Personen",
            "maxItems": 200,
            "x-messages": {"required": "Bitte nennen Sie mindestens eine Person oder bestätigen Sie, dass niemand zu melden ist."},
            "items": {
                "type": "object",
                "title": "Person",
                "additionalProperties": False,
                "properties": {
                    "last_name": {"type": "string", "title": "Name", "minLength": 1, "maxLength": 100,
                                  "x-messages": {"required": "Bitte geben Sie den Namen an."}},
                    "first_name": {"type": "string", "title": "Vorname", "maxLength": 100},
                    "birth_date": {"type": "string", "format": "date", "title": "Geburtsdatum",
                                   "x-messages": {"required": "Bitte geben Sie das Geburtsdatum an."}},
                    "in_school": {"type": "boolean", "title": "Besucht noch die Schule?"},
                },
                "required": ["last_name", "birth_date"],
            },
        },
        "birth_dates": {
            "type": "array",
            "title": "Geburtsdaten weiterer Kinder",
            "items": {"type": "string", "format": "date"},
        },
        "nobody_to_report": {"type": "boolean", "title": "Es ist niemand zu melden"},
    },
    "anyOf": [
        {"required": ["persons"], "properties": {"persons": {"minItems": 1}}},
        {"required": ["nobody_to_report"], "properties": {"nobody_to_report": {"const": True}}},
    ],
}

UI = {"persons": {"ui:options": {"initialRows": 1}}, "birth_dates": {"ui:widget": "lines"}}


def render(schema, ui, values, errors):
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
    page = env.from_string(
        '{% from "parts/forms/error_summary.html" import error_summary %}'
        '{% from "parts/forms/form_fields.html" import form_fields %}'
        "{{ error_summary(errors) }}<form novalidate>{{ form_fields(fields, values, errors) }}</form>"
    )
    return page.render(fields=form_fields(schema, ui), values=values, errors=errors)


def row(index, last_name="", first_name="", birth_date=""):
    return {f"persons.{index}": "", f"persons.{index}.last_name": last_name,
            f"persons.{index}.first_name": first_name, f"persons.{index}.birth_date": birth_date}


def posted(*rows, **others):
    form = {"csrf_token": "abc", "persons": "", "birth_dates": ""}
    for r in rows:
        form.update(r)
    form.update(others)
    return MultiDict(form)


# --- fields -----------------------------------------------------------------------------

def test_lists_become_rows_and_lines_fields():
    fields = {f.name: f for f in form_fields(NAMED_LIST, UI)}

    persons, dates = fields["persons"], fields["birth_dates"]
    assert (persons.kind, persons.item_label, persons.max_items, persons.initial_rows) == ("rows", "Person", 200, 1)
    assert [c.name for c in persons.children] == ["last_name", "first_name", "birth_date", "in_school"]
    assert persons.conditional  # the either/or rule may require it: not marked "(optional)"
    assert (dates.kind, dates.widget, dates.children[0].kind) == ("lines", "lines", "date")
    assert dates.hint == "Ein Datum pro Zeile, z. B. 31.12.1958."


def test_lists_of_lists_and_lists_without_items_are_refused():
    nested = copy.deepcopy(NAMED_LIST)
    nested["properties"]["persons"]["items"]["properties"]["children"] = copy.deepcopy(NAMED_LIST["properties"]["persons"])

    with pytest.raises(ValueError, match="persons"):
        form_fields(nested, None)
    with pytest.raises(ValueError, match="files"):
        form_fields({"type": "object", "properties": {"files": {"type": "array", "items": {"type": "boolean"}}}}, None)


# --- parsing ------------------------------------------------------------------------------

def test_rows_with_gaps_are_read_in_order_and_renumbered():
    form = posted(row(0, "Muster", "Erika", "31.12.1958"), row(3, "Beispiel", "", "1960-01-01"),
                  {"persons.3.in_school": "true"})

    data, errors = check_form(NAMED_LIST, UI, form)

    assert errors == {}
    assert data == {"persons": [
        {"last_name": "Muster", "first_name": "Erika", "birth_date": "1958-12-31"},
        {"last_name": "Beispiel", "birth_date": "1960-01-01", "in_school": True},
    ]}


def test_a_blank_row_at_the_end_is_dropped_but_a_started_one_is_checked():
    blank_end = posted(row(0, "Muster", "", "31.12.1958"), row(1, "  "))
    started = posted(row(0, "Muster", "", "31.12.1958"), row(1, "", "Max"))

    assert check_form(NAMED_LIST, UI, blank_end) == ({"persons": [{"last_name": "Muster", "birth_date": "1958-12-31"}]}, {})
    assert check_form(NAMED_LIST, UI, started)[1] == {
        "persons.1.last_name": "Person 2: Bitte geben Sie den Namen an.",
        "persons.1.birth_date": "Person 2: Bitte geben Sie das Geburtsdatum an.",
    }


def test_errors_in_rows_name_the_row_and_come_in_form_order():
    form = posted(row(0, "Muster", "", "31.02.1958"), row(1, "x" * 101, "", "1.1.1960"), nobody_to_report="vielleicht")

    _, errors = check_form(NAMED_LIST, UI, form)

    assert errors == {
        "persons.0.birth_date": "Person 1: Geburtsdatum muss ein gültiges Datum sein, z. B. 31.07.2025.",
        "persons.1.last_name": "Person 2: Name darf höchstens 100 Zeichen lang sein.",
        "nobody_to_report": "Bitte beantworten Sie „Es ist niemand zu melden“ mit Ja oder Nein.",
    }


def test_either_rows_or_nobody_to_report_is_said_at_the_list():
    without_own_text = copy.deepcopy(NAMED_LIST)
    del without_own_text["properties"]["persons"]["x-messages"]

    assert check_form(NAMED_LIST, UI, posted(row(0)))[1] == {
        "persons": "Bitte nennen Sie mindestens eine Person oder bestätigen Sie, dass niemand zu melden ist."
    }
    assert check_form(without_own_text, UI, posted(nobody_to_report="false"))[1] == {
        "persons": "Bitte machen Sie Angaben bei „Personen“ oder bei „Es ist niemand zu melden“."
    }
    assert check_form(NAMED_LIST, UI, posted(nobody_to_report="true")) == ({"nobody_to_report": True}, {})


def test_if_then_rule_and_item_limits_are_said_at_the_list():
    schema = copy.deepcopy(NAMED_LIST)
    del schema["anyOf"]
    schema["if"] = {"properties": {"nobody_to_report": {"const": True}}, "required": ["nobody_to_report"]}
    schema["else"] = {"required": ["persons"], "properties": {"persons": {"minItems": 2}}}
    one = {"last_name": "Muster", "birth_date": "1958-12-31"}

    assert validate_form(schema, {}) == {"persons": NAMED_LIST["properties"]["persons"]["x-messages"]["required"]}
    assert validate_form(schema, {"persons": [one]}) == {"persons": "Bitte geben Sie bei „Personen“ mindestens 2 Einträge an."}
    assert validate_form(schema, {"persons": [one] * 201}) == {"persons": "Bei „Personen“ sind höchstens 200 Einträge möglich."}


def test_lines_are_read_one_value_each_and_a_bad_line_is_named():
    good = posted(birth_dates="31.12.1958\n\n  1960-01-01 \r\n", nobody_to_report="true")
    bad = posted(birth_dates="31.12.1958\n\n31.02.1958\nbald", nobody_to_report="true")

    assert parse_form(NAMED_LIST, UI, good) == ({"birth_dates": ["1958-12-31", "1960-01-01"], "nobody_to_report": True}, {})
    data, errors = check_form(NAMED_LIST, UI, bad)
    assert "birth_dates" not in data
    assert errors == {"birth_dates": "Zeile 3: „31.02.1958“ ist kein gültiges Datum. Zeile 4: „bald“ ist kein gültiges Datum."}


def test_stored_lines_are_checked_by_line_too():
    data = {"birth_dates": ["1958-12-31", "1958-02-31"], "nobody_to_report": True}

    assert validate_form(NAMED_LIST, data) == {"birth_dates": "Zeile 2: „31.02.1958“ ist kein gültiges Datum."}


# --- add and remove rows ----------------------------------------------------------------------

def test_the_pressed_list_button_is_recognised():
    assert form_action(posted(row(0))) is None
    assert form_action({"_form_action": "add:persons"}) == ("add", "persons", None)
    assert form_action({"_form_action": "remove:persons:1"}) == ("remove", "persons", 1)
    assert form_action({"_form_action": "drop table"}) == ("reload", "", None)  # never completes the task


def test_adding_a_row_keeps_everything_typed_and_focuses_the_new_row():
    form = posted(row(0, "Muster", "Erika", "31.02.1958"), row(2, "Beispiel"), birth_dates="bald",
                  _form_action="add:persons")

    values = apply_form_action(NAMED_LIST, UI, form)

    assert values["persons.0.birth_date"] == "31.02.1958"  # typed, not yet checked
    assert values["persons.1.last_name"] == "Beispiel"  # renumbered 2 -> 1
    assert "persons.2" in values and "persons.2.last_name" not in values
    assert values["birth_dates"] == "bald" and "_form_action" not in values
    assert values["_focus"] == "field-persons-2-last_name"
    html = render(NAMED_LIST, UI, values, {})
    assert html.count('class="fieldset__legend">Person ') == 3
    assert 'id="field-persons-2-last_name" name="persons.2.last_name" value="" required aria-required="true" autofocus>' in html
    assert "Es gibt ein Problem" not in html


def test_removing_a_row_moves_the_later_rows_up():
    form = posted(row(0, "Muster"), row(1, "Beispiel"), row(2, "Dritte", "", "1.1.1960"),
                  _form_action="remove:persons:1")

    values = apply_form_action(NAMED_LIST, UI, form)

    assert values["persons.0.last_name"] == "Muster"
    assert values["persons.1.last_name"] == "Dritte" and values["persons.1.birth_date"] == "1.1.1960"
    assert not any(key.startswith("persons.2") for key in values)
    assert values["_focus"] == "field-persons-add"
    assert 'id="field-persons-add" name="_form_action" value="add:persons" autofocus>' in render(NAMED_LIST, UI, values, {})


def test_removing_the_last_row_leaves_an_empty_list_not_a_fresh_one():
    values = apply_form_action(NAMED_LIST, UI, posted(row(0, "Muster"), _form_action="remove:persons:0"))

    html = render(NAMED_LIST, UI, values, {})

    assert "Person 1" not in html
    assert ">Person hinzufügen</button>" in html


def test_no_row_beyond_max_items_and_unknown_lists_are_ignored():
    schema = copy.deepcopy(NAMED_LIST)
    schema["properties"]["persons"]["maxItems"] = 1

    full = apply_form_action(schema, UI, posted(row(0, "Muster"), _form_action="add:persons"))
    unknown = apply_form_action(NAMED_LIST, UI, posted(row(0, "Muster"), _form_action="add:birth_dates"))

    assert "persons.1" not in full and "_focus" not in full
    assert "persons.1" not in unknown
    assert 'value="add:persons"' not in render(schema, UI, full, {})


# --- rendering -------------------------------------------------------------------------------

def test_a_fresh_form_shows_the_initial_rows_with_their_buttons():
    html = render(NAMED_LIST, UI, None, {})

    assert '<legend class="fieldset__legend">Personen</legend>' in html
    assert '<legend class="fieldset__legend">Person 1</legend>' in html and "Person 2" not in html
    assert 'name="_form_action" value="remove:persons:0">Person 1 entfernen</button>' in html
    assert 'name="_form_action" value="add:persons">Weitere Person hinzufügen</button>' in html
    assert 'type="text" id="field-persons-0-birth_date" name="persons.0.birth_date"' in html
    assert '<textarea class="textarea" id="field-birth_dates" name="birth_dates"' in html
    assert "<script" not in html
    without_option = render(NAMED_LIST, {}, None, {})
    assert "Person 1" not in without_option and ">Person hinzufügen</button>" in without_option


def test_enter_in_a_field_submits_the_form_rather_than_pressing_a_list_button():
    html = render(NAMED_LIST, UI, None, {})

    first_submit = re.search(r'<button[^>]*type="submit"[^>]*>', html).group(0)
    assert "_form_action" not in first_submit and 'tabindex="-1"' in first_submit


def test_every_label_points_at_an_input_with_a_unique_id():
    values = form_values(NAMED_LIST, UI, {"persons": [{"last_name": "A", "birth_date": "1958-12-31"}] * 2})
    html = render(NAMED_LIST, UI, values, {})

    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    targets = re.findall(r' for="([^"]+)"', html)
    assert targets and all(target in ids for target in targets)
    assert 'for="field-persons-1-in_school-2"' in html


def test_row_errors_are_summarised_with_links_to_the_row_field():
    form = posted(row(0, "Muster", "", "31.12.1958"), row(1, "", "Max", "31.02.1958"))
    _, errors = check_form(NAMED_LIST, UI, form)

    html = render(NAMED_LIST, UI, form, errors)

    assert '<a href="#field-persons-1-last_name">Person 2: Bitte geben Sie den Namen an.</a>' in html
    assert '<a href="#field-persons-1-birth_date">Person 2: Geburtsdatum muss ein gültiges Datum sein' in html
    assert ('<p class="field-error" id="field-persons-1-birth_date-error"><span class="visually-hidden">Fehler:</span> '
            "Person 2: Geburtsdatum muss") in html
    assert 'name="persons.1.birth_date" value="31.02.1958"' in html
    assert html.index("field-persons-1-last_name\"") < html.index("field-persons-1-birth_date\"")


def test_an_error_at_the_list_links_to_its_fieldset():
    _, errors = check_form(NAMED_LIST, UI, posted(row(0)))

    html = render(NAMED_LIST, UI, posted(row(0)), errors)

    assert '<a href="#field-persons">Bitte nennen Sie mindestens eine Person' in html
    assert '<fieldset class="fieldset form-group form-group--error" id="field-persons" tabindex="-1"' in html


def test_user_input_in_rows_and_lines_is_escaped():
    form = posted(row(0, "<script>x()</script>"), birth_dates="<script>y()</script>")
    _, errors = check_form(NAMED_LIST, UI, form)

    html = render(NAMED_LIST, UI, form, errors)

    assert "<script" not in html and "&lt;script&gt;" in html


# --- stored data -------------------------------------------------------------------------------

STORED = {
    "persons": [
        {"last_name": "Muster", "first_name": "Erika", "birth_date": "1958-12-31", "in_school": False},
        {"last_name": "Beispiel", "birth_date": "1960-01-01"},
    ],
    "birth_dates": ["2001-02-03", "2004-05-06"],
}


def test_stored_data_fills_the_form_and_reads_back_the_same():
    values = form_values(NAMED_LIST, UI, STORED)

    assert values["persons.1.last_name"] == "Beispiel" and values["persons.0.in_school"] == "false"
    assert values["birth_dates"] == "03.02.2001\n06.05.2004"
    assert check_form(NAMED_LIST, UI, values) == (STORED, {})
    html = render(NAMED_LIST, UI, values, {})
    assert html.count('class="fieldset__legend">Person ') == 2
    assert 'type="text" id="field-persons-0-birth_date" name="persons.0.birth_date" value="31.12.1958"' in html


def test_lists_are_described_row_by_row():
    assert describe_values(NAMED_LIST, UI, STORED) == [
        ("Person 1 – Name", "Muster"),
        ("Person 1 – Vorname", "Erika"),
        ("Person 1 – Geburtsdatum", "31.12.1958"),
        ("Person 1 – Besucht noch die Schule?", "Nein"),
        ("Person 2 – Name", "Beispiel"),
        ("Person 2 – Geburtsdatum", "01.01.1960"),
        ("Geburtsdaten weiterer Kinder", "03.02.2001, 06.05.2004"),
    ]


def test_rows_of_untitled_items_are_called_entries():
    schema = copy.deepcopy(NAMED_LIST)
    del schema["properties"]["persons"]["items"]["title"]

    assert describe_values(schema, UI, {"persons": STORED["persons"][:1]})[0] == ("Personen – Eintrag 1 – Name", "Muster")
    _, errors = check_form(schema, UI, posted(row(0, "", "Max", "1.1.1960")))
    assert errors == {"persons.0.last_name": "Eintrag 1: Bitte geben Sie den Namen an."}
    assert "Weiteren Eintrag hinzufügen" in render(schema, UI, None, {})


# --- the task page ---------------------------------------------------------------------------

def test_list_buttons_on_the_task_page_re_render_instead_of_completing(as_user, monkeypatch):
    import dataclasses

    import service.pages.tasks
    import workflows.tasks

    sozialamt = as_user("lk.sozialamt")
    response = sozialamt.submit("/cases/new", "/cases", {"choice": "landkreis-giessen/handover_school_end"}, status=302)
    task_url = response.headers["Location"]
    real_view = service.pages.tasks.task_view
    monkeypatch.setattr(service.pages.tasks, "task_view",
                        lambda *args: dataclasses.replace(real_view(*args), schema=NAMED_LIST, ui=UI))
    real_form = service.pages.tasks.task_form  # what a list button's form is re-rendered from
    monkeypatch.setattr(service.pages.tasks, "task_form", lambda *args: (real_form(*args)[0], NAMED_LIST, UI))
    monkeypatch.setattr(workflows.tasks, "form_of", lambda definition, task: (NAMED_LIST, UI))  # a sent form's

    def browser_form(*rows, **others):  # as the page posts it; the browser adds the real csrf_token
        return {key: value for key, value in posted(*rows, **others).items() if key != "csrf_token"}

    added = sozialamt.submit(task_url, task_url, browser_form(row(0, "Muster"), _form_action="add:persons"), status=200)
    assert 'name="persons.0.last_name" value="Muster"' in added.text
    assert 'id="field-persons-1-last_name" name="persons.1.last_name" value="" required aria-required="true" autofocus>' in added.text
    assert "Es gibt ein Problem" not in added.text

    removed = sozialamt.submit(task_url, task_url, browser_form(row(0, "Muster"), row(1, "Zweite"),
                                                                _form_action="remove:persons:0"), status=200)
    assert 'name="persons.0.last_name" value="Zweite"' in removed.text and "Muster" not in removed.text

    refused = sozialamt.submit(task_url, task_url, browser_form(row(0, "", "Max")), status=422)
    assert '<a href="#field-persons-0-last_name">Person 1: Bitte geben Sie den Namen an.</a>' in refused.text
