"""Process change by agreement in a real browser, end to end: a lead edits the diagram in the
bpmn-js Modeler and proposes it; a reviewer sees the diff on the diagram and comments; the
leads of both agreements consent; on its date (clock moved) it is the current Fassung; a running
case moves to it on the version page and is completed on it. axe finds nothing on the pages."""
from __future__ import annotations

from datetime import timedelta

from tests.support.browser import drawn, no_violations
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CLOSE_LOCAL_JSON, CLOSE_SUPRA_JSON
from workflows.store.cases import Case
from workflows.store.definitions import current_definition
from workflows.tasks import complete_task
from workflows.worker import run_once

KEY = "handover_school_end"
LEADS = ("lk.kreisbeigeordnete", "lwv.leitung", "lf.sozialdezernat", "lwvlf.leitung")  # both agreements run it
NEW_NAME = "Übergabe sorgfältig prüfen"


def _current(kf):
    with kf.db.transaction() as session:
        row = current_definition(session, KEY)
        return row.id, row.number


def test_a_change_edited_in_the_modeler_is_agreed_takes_effect_and_a_running_case_moves_to_it(page_as, server):
    kf = server.kf
    running = offered_handover(kf)  # waits at the LWV's review on the Fassung in effect today
    base_id, number = _current(kf)

    # a lead edits the diagram in the browser: renames the LWV's review step
    lead = page_as("lk.kreisbeigeordnete")
    lead.goto(f"{server.url}/processes/{KEY}/versions/{base_id}/change")
    lead.wait_for_selector('#modeler[data-rendered="true"], #modeler[data-error]', state="attached")
    assert lead.get_attribute("#modeler", "data-error") is None, lead.get_attribute("#modeler", "data-error")
    lead.evaluate("""(name) => {
        const modeler = window.koopflowModeler;
        const element = modeler.get('elementRegistry').get('review_handover');
        modeler.get('modeling').updateLabel(element, name);
    }""", NEW_NAME)
    lead.fill("#field-change_note", "Der Prüfschritt des LWV heißt, was er ist.")
    effective = (kf.clock.now() + timedelta(days=10)).strftime("%d.%m.%Y")
    lead.fill("#field-effective_on", effective)
    no_violations(lead)
    lead.click("text=Änderung zur Zustimmung vorschlagen")
    lead.wait_for_load_state()
    assert "/proposals/" in lead.url, lead.inner_text("main")[:500]
    proposal_url = lead.url.split("#")[0]
    assert NEW_NAME in lead.inner_text("main") and "Zustimmung fehlt" in lead.inner_text("main")

    # a reviewer of the other partner sees the change on the diagram and comments on the element
    reviewer = page_as("lwv.fachdienst")
    drawn(reviewer, proposal_url)
    classes = reviewer.get_attribute('g.djs-element[data-element-id="review_handover"]', "class").split()
    assert "change-changed" in classes
    reviewer.select_option("#field-element_id", "review_handover")
    reviewer.fill("#field-body", "Einverstanden, so verstehen es auch neue Kolleginnen.")
    reviewer.click("text=Kommentar speichern")
    reviewer.wait_for_load_state()
    assert "Einverstanden, so verstehen es auch neue Kolleginnen." in reviewer.inner_text("main")
    no_violations(reviewer)

    # the leads of both agreements consent, each on the page
    for name in LEADS:
        page = page_as(name)
        page.goto(proposal_url)
        page.click("button:has-text('Zustimmen für')")
        page.wait_for_load_state()
    assert "angenommen" in page.inner_text("main")
    assert _current(kf)[0] == base_id  # not before its date

    # on its date the worker puts it into effect
    kf.clock.set(kf.clock.now() + timedelta(days=11))
    run_once(kf.db, kf.clock)
    new_id, new_number = _current(kf)
    assert new_id != base_id and new_number == number + 1

    # the running case moves to the new Fassung on the version page
    admin = page_as("lwv.leitung")
    drawn(admin, f"{server.url}/processes/{KEY}/versions/{new_id}")
    with kf.db.transaction() as session:
        case_number = session.get(Case, running).case_number
    admin.fill("#field-reason", "Schritt umbenannt, sonst gleich")
    admin.click(f"button:has-text('{case_number} umstellen')")
    admin.wait_for_load_state()
    with kf.db.transaction() as session:
        assert session.get(Case, running).definition_id == new_id
    no_violations(admin)

    # and is completed on it
    fachdienst = actor(kf, "lwv.fachdienst")
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, running, "review_handover"),
                  {"decision": "confirm", "effective_date": "2027-08-01", "vocational_participation": False})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, running, "approve_takeover"),
                  {"decision": "approve"})
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, running, "close_local"), CLOSE_LOCAL_JSON)
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, running, "close_supra_local"), CLOSE_SUPRA_JSON)
    with kf.db.transaction() as session:
        case = session.get(Case, running)
        assert (case.status, case.definition_id) == ("completed", new_id)
    history = page_as("lk.sozialamt")
    history.goto(f"{server.url}/cases/{running}")
    assert "auf eine neuere Fassung des Ablaufs umgestellt" in history.inner_text("main")
    assert lead.console_errors == [] and reviewer.console_errors == [] and admin.console_errors == []
