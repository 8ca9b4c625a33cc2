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
