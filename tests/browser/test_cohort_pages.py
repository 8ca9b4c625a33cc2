"""The cohort page in a real browser: axe finds nothing, it reflows at 320 px, and it works with
JavaScript switched off (a table and links, nothing to click that needs a script)."""
from __future__ import annotations

import pytest

from tests.support.browser import no_violations
from tests.support.cohort import ROWS, deliver_list

PATH = "/cohort/landkreis-giessen/2027"


@pytest.fixture(scope="module")
def delivered(server):
    """The list of 2027, delivered once for this module's server."""
    return deliver_list(server.kf, 2027, ROWS, "2027-03-31")


def test_the_cohort_page_is_accessible_and_reflows_at_320_px(page_as, server, delivered):
    page = page_as("lk.sozialamt")
    page.goto(f"{server.url}{PATH}")
    assert page.locator("table caption").inner_text().startswith("Personen der Liste 2027")
    assert page.locator("tbody tr").count() == 3
    no_violations(page)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{server.url}{PATH}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.goto(f"{server.url}/figures")
    no_violations(page)
    assert page.console_errors == []


def test_the_cohort_page_works_without_javascript(chromium, server, delivered):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.fill("#field-username", "lk.sozialamt")
        page.fill("#field-password", "demo")
        page.click("button[type=submit]")
        page.goto(f"{server.url}/cohort")
        page.click("text=Liste 2027")
        assert "Übergabe nicht begonnen" in page.inner_text("main")
    finally:
        context.close()
