"""The smaller defects the newcomer walk found (shared/reports/ux-walk-2026-12-02.md, m1–m16),
each as the caseworker met it."""
from __future__ import annotations

import re

from tests.support.flows import actor, offered_handover, open_task
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
