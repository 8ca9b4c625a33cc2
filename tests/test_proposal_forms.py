"""Forms are part of a process change: the proposer edits a task's JSON Schema on the change
page (without JavaScript), it is checked like at start-up, reviewers read the change field by
field, and once the leads consent, cases started after it fill in the changed form while a
running case keeps the form it started with."""
from __future__ import annotations

import json
from html import unescape

from sqlalchemy import func, select

from tests.support.flows import offered_handover, open_task
from tests.support.pages import text_of
from workflows.processes.proposals import form_key
from workflows.store.definitions import ProcessDefinition, current_definition
from workflows.store.process_proposals import ProcessProposal

KEY = "handover_school_end"
FORM = "handover_review.schema.json"
LEADS = ("lk.kreisbeigeordnete", "lwv.leitung", "lf.sozialdezernat", "lwvlf.leitung")


def _base(kf):
    with kf.db.transaction() as session:
        row = current_definition(session, KEY)
        return row.id, json.loads(json.dumps(row.forms[FORM]))


def _proposals(kf) -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ProcessProposal))


def test_a_changed_form_is_proposed_reviewed_consented_and_used_by_new_cases(kf, as_user):
    base_id, schema = _base(kf)
    schema["properties"]["school_contact"] = {"type": "string", "title": "Ansprechperson der Schule", "maxLength": 200}
    schema["required"].append("review_note")
    lead = as_user("lk.kreisbeigeordnete")
    page = f"/processes/{KEY}/versions/{base_id}/change"
    assert "Übergabe prüfen" in lead.get(page).text and f'name="{form_key(FORM)}"' in lead.page.text
    running = offered_handover(kf)  # started on the base version

    posted = lead.submit(page, page, {"change_note": "Schule als Ansprechpartnerin, Bemerkung Pflicht",
                                      form_key(FORM): json.dumps(schema, ensure_ascii=False)}, status=302)
    url = posted.headers["Location"]
    shown = text_of(lead.get(url).text).replace("→ wird zu", "→")  # as seen (a screen reader hears "wird zu")
    assert "Feld „Ansprechperson der Schule“: – → neu (Text, Pflichtfeld: nein)" in shown
    assert "Feld „Bemerkung zur Prüfung“: Pflichtfeld: nein → Pflichtfeld: ja" in shown
    assert "handover_review.schema.json" in shown and "Zustimmung fehlt" in shown

    reviewer = as_user("lwv.fachdienst")
    reviewer.submit(url, url + "/comments", {"element_id": "review_handover", "body": "Das neue Feld hilft."},
                    status=302)
    assert "Das neue Feld hilft." in reviewer.get(url).text
    for name in LEADS:
        as_user(name).submit(url, url + "/consent", status=302)
    assert "angenommen" in lead.get(url).text

    after = offered_handover(kf)
    task = reviewer.get(f"/tasks/{open_task(kf, after, 'review_handover')}").text
    assert "Ansprechperson der Schule" in task
    refused = reviewer.submit(f"/tasks/{open_task(kf, after, 'review_handover')}",
                              f"/tasks/{open_task(kf, after, 'review_handover')}",
                              {"decision": "question", "question": "Bitte Gesamtplan nachreichen"}, status=422)
    assert "Bemerkung zur Prüfung" in text_of(refused.text)  # now required
    assert "Ansprechperson der Schule" not in reviewer.get(f"/tasks/{open_task(kf, running, 'review_handover')}").text
    with kf.db.transaction() as session:
        base = session.get(ProcessDefinition, base_id)  # its form is unchanged for its running cases
        assert "school_contact" not in base.forms[FORM]["properties"]


def test_a_form_that_is_no_json_or_no_json_schema_is_refused_next_to_it(kf, as_user):
    base_id, schema = _base(kf)
    lead = as_user("lk.kreisbeigeordnete")
    page = f"/processes/{KEY}/versions/{base_id}/change"

    refused = lead.submit(page, page, {"change_note": "x", form_key(FORM): '{"type": "object",'}, status=422)
    error = refused.text.split(f'id="field-{form_key(FORM)}-error"')[1].split("</p>")[0]
    assert "handover_review.schema.json ist kein gültiges JSON (Zeile 1" in error
    assert "Es gibt ein Problem" in refused.text and '{"type": "object",</textarea>' in unescape(refused.text)

    schema["properties"]["school_contact"] = {"type": "text", "title": "Ansprechperson der Schule"}
    refused = lead.submit(page, page, {"change_note": "x", form_key(FORM): json.dumps(schema)}, status=422)
    error = text_of(refused.text.split(f'id="field-{form_key(FORM)}-error"')[1].split("</p>")[0])
    assert "kein gültiges JSON Schema" in error and "properties/school_contact/type" in error
    assert _proposals(kf) == 0


def test_unchanged_forms_and_diagram_are_nothing_to_consent(kf, as_user):
    base_id, schema = _base(kf)
    lead = as_user("lk.kreisbeigeordnete")
    page = f"/processes/{KEY}/versions/{base_id}/change"
    lead.submit(page, page, {"change_note": "x", form_key(FORM): json.dumps(schema, indent=4)}, status=422)
    assert "Bitte ändern Sie das Diagramm" in lead.text  # a form written differently is no change
    assert _proposals(kf) == 0
