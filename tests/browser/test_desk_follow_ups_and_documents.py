"""The caseworker's desk in a real browser, second part: a Wiedervorlage on a task and one on a
whole case that come back on their day (the clock moved), a document the Landkreis attaches to its answer and the LWV
downloads, and an internal note the other agency never sees; axe finds nothing."""
from __future__ import annotations

from datetime import timedelta

from tests.support.browser import no_violations
from tests.support.flows import actor, offered_handover, open_task
from workflows.clock import berlin_date
from workflows.store.cases import Case
from workflows.tasks import complete_task

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def case_number(kf, case_id: int) -> str:
    with kf.db.transaction() as session:
        return session.get(Case, case_id).case_number


def test_a_follow_up_keeps_the_task_out_of_the_inbox_until_its_day(page_as, server):
    kf = server.kf
    case_id = offered_handover(kf)
    number, review = case_number(kf, case_id), open_task(kf, case_id, "review_handover")
    start = kf.clock.now()
    day = berlin_date(start) + timedelta(days=7)
    page = page_as("lwv.fachdienst")
    page.goto(f"{server.url}/tasks/{review}")
    page.fill("#field-follow_up_on", day.strftime("%d.%m.%Y"))
    page.fill("#field-follow_up_note", "Gutachten abwarten")
    page.click("main button:has-text('Wiedervorlage setzen')")
    # back in the Posteingang, without the task
    assert f"Wiedervorlage am {day:%d.%m.%Y}" in page.inner_text("main")
    assert number not in page.inner_text("main")
    no_violations(page)
    page.select_option("#field-scope", "followups")
    page.click("main button:has-text('Anzeigen')")
    assert number in page.inner_text("tbody")
    no_violations(page)
    page.goto(f"{server.url}/tasks/{review}")
    assert f"Ihre Wiedervorlage: {day:%d.%m.%Y} – Gutachten abwarten" in page.inner_text("main")
    try:
        kf.clock.set(start + timedelta(days=7))
        page.goto(f"{server.url}/inbox")
        assert number in page.inner_text("tbody")
    finally:
        kf.clock.set(start)
    assert page.console_errors == []


def test_a_follow_up_on_a_whole_case_comes_back_as_its_own_row_on_its_day(page_as, server):
    kf = server.kf
    case_id = offered_handover(kf)  # the LWV reviews now: the Landkreis has no task of the case
    number = case_number(kf, case_id)
    start = kf.clock.now()
    day = berlin_date(start) + timedelta(days=5)
    page = page_as("lk.sozialamt")
    page.goto(f"{server.url}/cases/{case_id}")
    page.fill("#field-follow_up_on", day.strftime("%d.%m.%Y"))
    page.fill("#field-follow_up_note", "Beim LWV nachfragen")
    page.click("main button:has-text('Wiedervorlage setzen')")
    assert f"am {day:%d.%m.%Y} wieder vorgelegt" in page.inner_text("main")
    no_violations(page)
    page.goto(f"{server.url}/inbox")
    assert "Wieder vorgelegte Vorgänge" not in page.inner_text("main")
    try:
        kf.clock.set(start + timedelta(days=5))
        page.goto(f"{server.url}/inbox")
        came_back = page.inner_text("section:has(#case-follow-ups-title)")
        assert number in came_back and "Beim LWV nachfragen" in came_back
        no_violations(page)
        page.click("section:has(#case-follow-ups-title) button:has-text('Erledigt')")
        assert "Wieder vorgelegte Vorgänge" not in page.inner_text("main")
    finally:
        kf.clock.set(start)
    assert page.console_errors == []


def test_the_landkreis_attaches_the_asked_for_plan_and_the_lwv_downloads_it(page_as, server):
    kf = server.kf
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {"decision": "question", "question": "Bitte Gesamtplan nachreichen."})
    page = page_as("lk.sozialamt")
    page.goto(f"{server.url}/tasks/{open_task(kf, case_id, 'answer_question')}")
    page.fill("textarea[name=answer]", "Der Gesamtplan liegt bei.")
    page.set_input_files("#field-attachment_1_document_id",
                         files=[{"name": "Gesamtplan.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    no_violations(page)
    page.click("main button:has-text('Absenden und Aufgabe abschließen')")
    page.wait_for_load_state()
    assert page.console_errors == []

    lwv = page_as("lwv.fachdienst")
    lwv.goto(f"{server.url}/cases/{case_id}")
    documents = lwv.inner_text("section:has(#documents-heading)")
    assert "Gesamtplan.pdf" in documents and "Sina Sozial" in documents
    no_violations(lwv)
    with lwv.expect_download() as download:
        lwv.click("section:has(#documents-heading) a:has-text('Herunterladen')")
    with open(download.value.path(), "rb") as file:
        assert file.read() == PDF
    assert lwv.console_errors == []


def test_an_internal_note_stays_with_its_agency(page_as, server):
    case_id = offered_handover(server.kf)
    lwv = page_as("lwv.fachdienst")
    lwv.goto(f"{server.url}/cases/{case_id}")
    lwv.fill("#field-note", "Rücksprache mit der Schule am Montag")
    lwv.click("main button:has-text('Notiz speichern')")
    assert "Rücksprache mit der Schule am Montag" in lwv.inner_text("section:has(#notes-heading)")
    no_violations(lwv)
    landkreis = page_as("lk.sozialamt")
    landkreis.goto(f"{server.url}/cases/{case_id}")
    assert "Rücksprache mit der Schule" not in landkreis.inner_text("main")
    no_violations(landkreis)
    assert lwv.console_errors == [] and landkreis.console_errors == []
