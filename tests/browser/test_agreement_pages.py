"""Kündigung and Anpassung in a real browser: their diagrams draw, the agreement page and the
prepare page with its dates have no axe violations."""
from __future__ import annotations

import pytest

from tests.support.browser import drawn, no_violations
from workflows.store.definitions import current_definition


@pytest.mark.parametrize("process_key", ["termination", "amendment"])
def test_the_diagrams_draw_with_their_party_lanes(page_as, server, process_key):
    with server.kf.db.transaction() as session:
        definition_id = current_definition(session, process_key).id
    page = drawn(page_as("lk.kreisbeigeordnete"), f"{server.url}/processes/{process_key}/versions/{definition_id}")
    for element_id in ("initiating_lead", "counterpart_lead"):
        assert page.locator(f'[data-element-id="{element_id}"]').count() >= 1, element_id
    assert page.console_errors == []


def test_the_agreement_page_and_the_prepare_page_have_no_violations(page_as, server):
    page = page_as("lk.kreisbeigeordnete")
    page.goto(f"{server.url}/agreements/landkreis-giessen")
    assert page.locator("h1").inner_text() == "Kooperationsvereinbarung LWV Hessen – Landkreis Gießen"
    no_violations(page)
    page.goto(f"{server.url}/cases/new")
    page.check("text=Kündigung der Kooperationsvereinbarung (§ 12)")
    page.click("button[type=submit]:has-text(\"Vorgang beginnen\")")
    assert page.locator("#termination-dates-heading").is_visible()
    no_violations(page)
    assert page.console_errors == []


def test_an_anpassung_prepared_in_the_form_shows_its_preview_and_opens_the_proposal(page_as, server):
    page = page_as("lk.kreisbeigeordnete")
    page.goto(f"{server.url}/agreements/landkreis-giessen")
    page.click("main a:has-text('Anpassung vorbereiten')")
    no_violations(page)
    page.fill("#field-body-cooperation_conference-times", "2")
    page.click("main button:has-text('Vorschau')")
    assert "2 Sitzung(en) im Jahr statt 1" in page.inner_text("#preview-heading + p + ul")
    no_violations(page)
    page.click("main button:has-text('Als Anpassung vorschlagen')")
    assert page.locator("h1").inner_text().startswith("Anpassung vorschlagen")
    assert "times_per_year: 2" in page.input_value("textarea[name=agreement_data]")
    no_violations(page)
    page.goto(f"{server.url}/agreements/landkreis-giessen/change")
    page.fill("#field-request-named_list-due", "31.02.")
    page.click("main button:has-text('Vorschau')")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')", timeout=5000)
    no_violations(page)
    assert [e for e in page.console_errors if "422" not in e] == []  # the refused preview answers 422
