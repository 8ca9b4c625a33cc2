"""The new diagrams drawn by bpmn-js, and the Kontakte page, in a real browser: no bpmn-js
error, no console errors, no axe violations."""
from __future__ import annotations

import pytest

from tests.support.browser import drawn, no_violations
from workflows.store.definitions import current_definition

NEW_PROCESSES = {"cooperation_conference": "approve_minutes", "planning_conference": "fix_date",
                 "facility_information": "give_view", "handover_care_need": "review_handover"}


@pytest.mark.parametrize("process_key", sorted(NEW_PROCESSES))
def test_the_new_diagrams_are_drawn(page_as, server, process_key):
    with server.kf.db.transaction() as session:
        definition_id = current_definition(session, process_key).id
    page = drawn(page_as("lwv.fachdienst"), f"{server.url}/processes/{process_key}/versions/{definition_id}")
    assert page.locator(f'[data-element-id="{NEW_PROCESSES[process_key]}"]').count() >= 1
    assert page.console_errors == []


def test_the_contacts_page_has_no_violations(page_as, server):
    page = page_as("admin")
    page.goto(f"{server.url}/admin/contacts")
    assert page.locator("#field-email").count() == 1
    page.click("text=Kontakt speichern")  # empty: the error summary and the messages at the fields
    assert page.locator(".error-summary a[href='#field-name']").count() == 1
    no_violations(page)
    # the browser reports the page's own 422 answer as a console error; nothing else may appear
    assert [e for e in page.console_errors if "422" not in e] == []


def test_the_contact_edit_page_has_no_violations(page_as, server):
    page = page_as("admin")
    page.goto(f"{server.url}/admin/contacts")
    page.click("main table a:has-text('Ändern') >> nth=0")
    assert "Kontakt ändern" in page.inner_text("main")
    no_violations(page)
    page.fill("#field-organisation", "")
    page.click("text=Änderung speichern")
    assert page.locator(".error-summary a[href='#field-organisation']").count() == 1
    no_violations(page)
    assert [e for e in page.console_errors if "422" not in e] == []
