"""The caseworker's desk in a real browser: search by name, filters, a saved filter, a deputy
taking a task, and reflow at 320 px on every main page; axe finds nothing, no console errors."""
from __future__ import annotations

from datetime import timedelta

from tests.support.browser import no_violations
from tests.support.flows import actor, offered_handover, open_task
from workflows.clock import berlin_date
from workflows.people.absences import record_absence
from workflows.store.cases import Case
from workflows.tasks import claim_task

MAIN_PAGES = ("/inbox", "/cases", "/cases/new", "/deadlines", "/processes", "/agreements", "/figures", "/settings",
              "/absences")
# what sticks out past the screen, outside the tables' own scroll containers (for the message)
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => !(e.parentElement && e.parentElement.closest('.table-scroll')) && e.getBoundingClientRect().right > 321)
  .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
ADMIN_PAGES = ("/admin/outbox", "/admin/audit", "/admin/contacts")


def test_search_by_name_then_save_the_filter_and_find_it_counted_on_the_inbox(page_as, server):
    offered_handover(server.kf)  # Jonas Mustermann
    page = page_as("lwv.fachdienst")
    page.goto(f"{server.url}/cases")
    page.fill("#field-q", "muster")
    page.click("main button:has-text('Suchen')")
    assert "Mustermann, Jonas, 14.05.2008" in page.inner_text("tbody")
    assert "muster" not in page.url.lower()
    no_violations(page)
    page.fill("#field-name", "Herr Mustermann")
    page.click("main button:has-text('Filter speichern')")
    assert "Mustermann" not in page.url
    page.goto(f"{server.url}/inbox")
    assert "Herr Mustermann (" in page.inner_text("main")
    page.click("main a:has-text('Herr Mustermann')")
    assert "Mustermann, Jonas" in page.inner_text("tbody")
    assert page.console_errors == []


def test_the_inbox_filters_overdue_tasks_and_marks_them_in_words(page_as, server):
    kf = server.kf
    late = offered_handover(kf)  # its review is due in 10 working days
    start = kf.clock.now()
    try:
        kf.clock.set(start + timedelta(days=30))
        fresh = offered_handover(kf)
        with kf.db.transaction() as session:
            late_number, fresh_number = (session.get(Case, i).case_number for i in (late, fresh))
        page = page_as("lwv.fachdienst")
        page.goto(f"{server.url}/inbox")
        page.check("#field-overdue")
        page.click("main button:has-text('Anzeigen')")
        assert "overdue=1" in page.url
        rows = page.inner_text("tbody")
        assert late_number in rows and "überfällig" in rows and fresh_number not in rows
        page.select_option("#field-sort", "case")
        page.click("main button:has-text('Anzeigen')")
        no_violations(page)
        assert page.console_errors == []
    finally:
        kf.clock.set(start)


def test_a_deputy_sees_the_banner_and_takes_over_the_absent_colleagues_task(page_as, server):
    kf = server.kf
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    lea = actor(kf, "lwv.fachdienst")
    claim_task(kf.db, kf.clock, lea, review)
    today = berlin_date(kf.clock.now())
    record_absence(kf.db, kf.clock, lea, today, today + timedelta(days=2), "lwv.fachdienst2")
    page = page_as("lwv.fachdienst2")
    page.goto(f"{server.url}/tasks/{review}")
    assert "Diese Aufgabe bearbeitet Lea Fachdienst" in page.inner_text("main")
    assert page.locator("text=Absenden und Aufgabe abschließen").count() == 0
    no_violations(page)
    page.click("main button:has-text('Aufgabe übernehmen')")
    assert "Sie bearbeiten diese Aufgabe jetzt" in page.inner_text("main")
    assert page.locator("text=Absenden und Aufgabe abschließen").count() == 1
    assert page.console_errors == []


def test_every_main_page_reflows_at_320_px_without_sideways_scrolling(page_as, server):
    offered_handover(server.kf)
    for username, paths in (("lwv.fachdienst", MAIN_PAGES), ("admin", ADMIN_PAGES + ("/inbox",))):
        page = page_as(username)
        page.set_viewport_size({"width": 320, "height": 640})
        for path in paths:
            page.goto(f"{server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{path} as {username} is {width} px wide at 320 px: {page.evaluate(WIDE)}"
            nav = page.locator(".header__nav")
            box = nav.bounding_box()
            assert box["x"] + box["width"] <= 320, f"{path}: the menu runs off the screen"
        no_violations(page)
        assert page.console_errors == []


def test_a_draft_is_saved_and_resumed(page_as, server):
    case_id = offered_handover(server.kf)
    review = open_task(server.kf, case_id, "review_handover")
    page = page_as("lwv.fachdienst")
    page.goto(f"{server.url}/tasks/{review}")
    page.check("input[name=decision][value=question]")
    page.fill("textarea[name=question]", "Bitte den Gesamtplan nachreichen.")
    page.click("main button:has-text('Als Entwurf speichern')")
    page.goto(f"{server.url}/inbox")
    page.goto(f"{server.url}/tasks/{review}")
    assert "Entwurf vom" in page.inner_text("main")
    assert page.input_value("textarea[name=question]") == "Bitte den Gesamtplan nachreichen."
    no_violations(page)
    assert page.console_errors == []
