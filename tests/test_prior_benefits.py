"""§ 4: before Eingliederungshilfe from municipal funds, prior benefits of other agencies come
first. Both handovers (school end, care need) record whether they were checked, and which; the
case page shows it in the record (issue 18 point 6)."""
from __future__ import annotations

from tests.support.api import api_client
from tests.support.handover import CARE, PREPARE_FORM, PREPARE_JSON
from tests.support.pages import complete, start_handover, task_in_inbox

WITHOUT = {k: v for k, v in PREPARE_FORM.items() if not k.startswith("prior_benefits.")}
ASK_WHICH = ("Bitte kreuzen Sie an, welche vorrangigen Leistungen geprüft wurden, oder nennen Sie sie unter "
             "„Andere Träger oder Leistungen“.")


def test_the_prepare_page_asks_for_the_check_and_refuses_a_yes_without_any_agency(as_user):
    sozialamt = as_user("lk.sozialamt")
    case_number, prepare = start_handover(sozialamt)
    page = sozialamt.get(f"/tasks/{prepare}")
    assert "Vorrangige Leistungen anderer Träger (§ 4)" in page.text
    assert '<label class="checkboxes__label" for="field-prior_benefits-psychkhg">' in page.text

    response = complete(sozialamt, prepare, WITHOUT, status=422)
    assert "Bitte geben Sie an, ob vorrangige Leistungen anderer Träger geprüft wurden (§ 4)." in sozialamt.text
    assert 'href="#field-prior_benefits-checked"' in response.text

    response = complete(sozialamt, prepare, {**WITHOUT, "prior_benefits.checked": "true"}, status=422)
    assert ASK_WHICH in sozialamt.text
    assert 'href="#field-prior_benefits-sgb_v"' in response.text

    response = complete(sozialamt, prepare, {**WITHOUT, "prior_benefits.checked": "false"}, status=422)
    assert "Bitte begründen Sie, warum vorrangige Leistungen noch nicht geprüft wurden" in sozialamt.text
    assert task_in_inbox(sozialamt, "Übergabe vorbereiten", case_number) == prepare


def test_the_checked_agencies_show_in_the_case_record_for_both_partners(as_user):
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    case_number, prepare = start_handover(sozialamt)
    form = {**WITHOUT, "prior_benefits.checked": "true", "prior_benefits.sgb_vi": "true",
            "prior_benefits.other": "Unfallkasse Hessen", "prior_benefits.outcome": "Rente wegen Erwerbsminderung beantragt."}
    case_page = sozialamt.follow(complete(sozialamt, prepare, form))
    for browser in (sozialamt, fachdienst):
        browser.get(case_page.request.path)
        text = browser.text
        section = "Vorrangige Leistungen anderer Träger (§ 4) – "
        assert f"{section}Wurde geprüft, ob vorrangige Leistungen anderer Sozialleistungsträger in Frage kommen? Ja" in text
        assert f"{section}Rentenversicherung (SGB VI) Ja" in text
        assert f"{section}Andere Träger oder Leistungen Unfallkasse Hessen" in text
        assert f"{section}Ergebnis der Prüfung Rente wegen Erwerbsminderung beantragt." in text
        assert "Krankenversicherung (SGB V)" not in text  # not ticked: not claimed


def test_the_api_refuses_both_handovers_without_the_check_with_german_field_errors(app, kf, clock):
    lk = api_client(app, kf, clock, "lk.sozialamt")
    started = lk.post("/api/v1/cases", {"process": "handover_school_end", "agreement": "landkreis-giessen"}, status=201)
    without = {k: v for k, v in PREPARE_JSON.items() if k != "prior_benefits"}
    body = lk.complete(started["task_id"], without, status=422)
    assert body["errors"] == {
        "prior_benefits": "Bitte machen Sie die Angaben zu vorrangigen Leistungen anderer Träger (§ 4)."}
    body = lk.complete(started["task_id"], {**without, "prior_benefits": {"checked": True}}, status=422)
    assert body["errors"] == {"prior_benefits.sgb_v": ASK_WHICH}

    lwv = api_client(app, kf, clock, "lwv.fachdienst")
    care = lwv.post("/api/v1/cases", {"process": "handover_care_need", "agreement": "landkreis-giessen"}, status=201)
    body = lwv.complete(care["task_id"], {**CARE, "prior_benefits": {"checked": False}}, status=422)
    assert list(body["errors"]) == ["prior_benefits.not_checked_reason"]
    lwv.complete(care["task_id"], {**CARE, "prior_benefits": {
        "checked": False, "not_checked_reason": "Pflegegutachten steht aus; Antrag bei der Pflegekasse bis 15.05."}})
    assert lwv.get(f"/api/v1/tasks/{care['task_id']}")["state"] == "completed"
