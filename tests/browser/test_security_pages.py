"""The Protokoll page and the login lockout in a real browser: no axe violations, the error
summary links to its field, no console errors (the CSP holds without inline script)."""
from __future__ import annotations

from tests.support.browser import no_violations
from tests.support.flows import offered_handover


def test_the_protocol_page_lists_accesses_and_passes_axe(page_as, server):
    handover = offered_handover(server.kf)
    reader = page_as("lk.sozialamt")
    reader.goto(f"{server.url}/cases/{handover}")
    page = page_as("admin")
    page.goto(f"{server.url}/admin/audit")
    page.fill("#field-username", "lk.sozialamt")
    page.select_option("#field-kind", "case.read")
    page.click("main button[type=submit]")
    assert page.locator("tbody tr").count() == 1 and "Vorgang gelesen" in page.inner_text("tbody")
    no_violations(page)
    assert page.console_errors == []


def test_a_bad_date_on_the_protocol_page_is_summarised_and_linked_to_its_field(page_as, server):
    page = page_as("admin")
    page.goto(f"{server.url}/admin/audit?since=gestern")
    assert page.title().startswith("Fehler: ")
    page.click(".error-summary a[href='#field-since']")
    assert page.evaluate("document.activeElement.id") == "field-since" or page.url.endswith("#field-since")
    no_violations(page)
