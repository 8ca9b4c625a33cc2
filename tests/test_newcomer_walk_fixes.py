"""The smaller defects the newcomer walk found (shared/reports/ux-walk-2026-12-02.md, m1–m16),
each as the caseworker met it."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from workflows.cases.starting import start_case
from workflows.store.outbox import OutboxMail
from workflows.tasks import claim_task


def test_the_case_page_names_the_other_agencys_task_without_a_link_to_a_not_found_page(kf, as_user):  # m1
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    sozialamt = as_user("lk.sozialamt")
    sozialamt.get(f"/cases/{case_id}")
    assert "Übergabe prüfen – wartet bei LWV Hessen" in sozialamt.text
    assert f'href="/tasks/{review}"' not in sozialamt.page.text
    fachdienst = as_user("lwv.fachdienst")
    fachdienst.get(f"/cases/{case_id}")
    assert f'href="/tasks/{review}"' in fachdienst.page.text


def test_handing_on_to_a_colleague_starts_with_nobody_chosen(kf, as_user):  # m16
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    claim_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), review)
    page = as_user("lwv.fachdienst").get(f"/tasks/{review}").text
    select = re.search(r'<select[^>]*name="colleague"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert select.strip().startswith('<option value="">Bitte wählen</option>')
    assert "selected" not in select


def test_new_case_without_a_choice_focuses_its_error_summary(as_user):  # m16
    sozialamt = as_user("lk.sozialamt")
    response = sozialamt.submit("/cases/new", "/cases", {}, status=422)
    summary = re.search(r'<div class="error-summary"[^>]*>', response.text).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary


def test_a_long_text_field_says_its_limit_before_sending(kf, as_user):  # m11
    case_id = offered_handover(kf)
    fachdienst = as_user("lwv.fachdienst")
    fachdienst.get(f"/tasks/{open_task(kf, case_id, 'review_handover')}")
    assert "Höchstens 4000 Zeichen." in fachdienst.text


def test_the_prepare_form_speaks_of_sending_and_states_the_consent(as_user):  # m7
    sozialamt = as_user("lk.sozialamt")
    response = sozialamt.submit("/cases/new", "/cases", {"choice": "landkreis-giessen/handover_school_end"}, status=302)
    sozialamt.get(response.headers["Location"])
    assert "speichern Sie das Formular" not in sozialamt.text and "kann erst gespeichert" not in sozialamt.text
    assert "senden Sie das Formular erst danach ab" in sozialamt.text
    assert "Die Einwilligung zur Datenweitergabe liegt vor" in sozialamt.text


def test_handing_a_task_to_a_colleague_can_carry_a_note_only_the_own_agency_reads(kf, as_user):  # m16
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    claim_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), review)
    note = "Bitte Rückruf der Schule abwarten, Gesamtplan liegt bei mir."
    as_user("lwv.fachdienst").submit(f"/tasks/{review}", f"/tasks/{review}/hand-over",
                                     {"colleague": "lwv.fachdienst2", "handover_note": note}, status=302)
    lars = as_user("lwv.fachdienst2")
    task_page = lars.get(f"/tasks/{review}").text
    assert "Interne Notizen zum Vorgang" in task_page and note in task_page and "an Lars" in lars.text
    assert note in lars.get(f"/cases/{case_id}").text
    assert note not in as_user("lk.sozialamt").get(f"/cases/{case_id}").text  # the other agency never reads it
    with kf.db.transaction() as session:
        mails = session.scalars(select(OutboxMail)).all()
    assert mails and all(note not in m.text_body and note not in (m.html_body or "") for m in mails)


def test_claiming_from_the_inbox_opens_the_task_and_an_unclaimed_form_says_what_sending_does(kf, as_user):  # m8
    review = open_task(kf, offered_handover(kf), "review_handover")
    lea = as_user("lwv.fachdienst")
    assert "Wenn Sie das Formular absenden, übernehmen Sie die Aufgabe" in lea.get(f"/tasks/{review}").text
    response = lea.submit("/inbox", f"/tasks/{review}/claim", {"return_to": "inbox"}, status=302)
    assert response.headers["Location"].endswith(f"/tasks/{review}")
    assert "Wenn Sie das Formular absenden" not in lea.follow(response).text


def test_no_page_offers_a_date_picker_that_drops_an_impossible_date(kf, as_user):  # m5
    review = open_task(kf, offered_handover(kf), "review_handover")
    admin, lea = as_user("admin"), as_user("lwv.fachdienst")
    for browser, url in [(lea, f"/tasks/{review}"), (lea, "/inbox"), (lea, "/cases"), (lea, "/absences"),
                         (admin, "/admin/audit"), (as_user("lk.sozialamt"), "/cases/new?process=handover_school_end")]:
        page = browser.get(url).text
        assert 'type="date"' not in page, url
    # typed as text, an impossible date reaches the server and is named as such, and it stays
    prepare = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen").my_task_id
    page = as_user("lk.sozialamt").submit(f"/tasks/{prepare}", f"/tasks/{prepare}", {"person.birth_date": "31.02.2009"},
                                          status=422).text
    assert "Geburtsdatum muss ein gültiges Datum sein" in page and 'value="31.02.2009"' in page
