"""Meetings in a real browser (issue 18 point 5): convening an extra meeting, and the meeting's
case page where its organiser invites ad-hoc guests; axe finds nothing, also after a refused form."""
from __future__ import annotations

from tests.support.browser import no_violations


def test_an_extra_meeting_is_convened_and_its_organiser_invites_a_guest(page_as, server):
    page = page_as("lk.sozialamt")
    page.goto(f"{server.url}/meetings/new")
    no_violations(page)
    page.click("main button[type=submit]")
    assert "Bitte wählen Sie das Gremium" in page.inner_text("main")
    no_violations(page)
    page.check('input[name=body][value="landkreis-giessen:planning_conference_207"]')
    page.fill("#field-reason", "Neue Tagesstätte in Lich: Bedarf klären")
    page.click("main button[type=submit]")
    assert "Zusätzliche Sitzung einberufen" in page.inner_text("main")
    no_violations(page)
    case_url = page.url
    assert [e for e in page.console_errors if "422" not in e] == []  # the refused form answers 422

    organiser = page_as("lwv.fb207")  # the Fachbereich 207 runs the 207 conference
    organiser.goto(case_url)
    guests = organiser.locator("section:has(#guests-heading)")
    assert guests.count() == 1
    no_violations(organiser)
    guests.locator("input[type=checkbox]").first.check()
    guests.locator("button[type=submit]").click()
    organiser.wait_for_load_state()
    no_violations(organiser)
    assert organiser.console_errors == []
