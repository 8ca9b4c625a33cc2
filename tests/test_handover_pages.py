"""The whole school-end handover through the web pages, two question rounds included."""
from __future__ import annotations

from tests.support.handover import PREPARE_FORM
from tests.support.pages import complete, inbox_tasks, start_handover, task_in_inbox


def test_handover_with_two_question_rounds_runs_to_the_end(as_user):
    sozialamt, fachdienst, leitung = as_user("lk.sozialamt"), as_user("lwv.fachdienst"), as_user("lwv.leitung")

    # The Landkreis prepares the handover; the case then waits at the LWV.
    case_number, prepare = start_handover(sozialamt)
    sozialamt.follow(complete(sozialamt, prepare, PREPARE_FORM))
    assert "Übergabe prüfen – wartet bei LWV Hessen: Fachdienst für den Landkreis Gießen" in sozialamt.text
    assert "Mustermann" in sozialamt.text and "14.05.2008" in sozialamt.text

    # The LWV Fachdienst claims it from its group inbox and asks two questions back.
    for round_no, text in enumerate(["Welche Werkstatt ist angefragt?", "Liegt das Gutachten vor?"], 1):
        review = task_in_inbox(fachdienst, "Übergabe prüfen", case_number)
        fachdienst.submit("/inbox", f"/tasks/{review}/claim", {"return_to": "inbox"}, status=302)
        fachdienst.get(f"/tasks/{review}")
        assert "Mustermann" in fachdienst.text  # the handed-over data is there to review
        complete(fachdienst, review, {"decision": "question", "question": text})
        assert ("Übergabe prüfen", case_number) not in [(n, c) for _, n, c in inbox_tasks(fachdienst)]

        answer = task_in_inbox(sozialamt, "Rückfrage beantworten", case_number)
        sozialamt.get(f"/tasks/{answer}")
        assert text in sozialamt.text
        complete(sozialamt, answer, {"answer": f"Antwort {round_no}"})

    # The Fachdienst proposes the takeover; vocational participation is in question (§ 7).
    review = task_in_inbox(fachdienst, "Übergabe prüfen", case_number)
    complete(fachdienst, review, {"decision": "confirm", "effective_date": "01.08.2027",
                                  "vocational_participation": "true"})

    # The lead of the Fachdienst approves it from her Posteingang; until then nothing moves on.
    assert [n for _, n, c in inbox_tasks(fachdienst) if c == case_number] == []
    assert [n for _, n, c in inbox_tasks(sozialamt) if c == case_number] == []
    approval = task_in_inbox(leitung, "Übernahme genehmigen", case_number)
    leitung.get(f"/tasks/{approval}")
    assert "Genehmigen" in leitung.text and "Ablehnen" in leitung.text
    complete(leitung, approval, {"decision": "approve"})
    assert ("Übernahme genehmigen", case_number) not in [(n, c) for _, n, c in inbox_tasks(leitung)]

    # Only now is the takeover confirmed to the Landkreis: planning at the LWV, closing at the Landkreis.
    planning = task_in_inbox(fachdienst, "Am Teilhabeplanverfahren der Bundesagentur für Arbeit mitwirken", case_number)
    close_local = task_in_inbox(sozialamt, "Übergabe abschließen (Landkreis)", case_number)

    complete(fachdienst, planning, {"procedure_date": "2027-05-10", "outcome": "Eingangsverfahren WfbM"})
    close_supra = task_in_inbox(fachdienst, "Übergabe abschließen (LWV)", case_number)
    complete(fachdienst, close_supra, {"benefit_notice_issued": "true", "benefit_notice_date": "2027-07-20"})
    response = complete(sozialamt, close_local, {"files_transferred_on": "2027-07-15", "benefits_ended_on": "2027-07-31"})

    # Both sides see a completed case with every step in its history.
    case_page = sozialamt.follow(response)
    text = sozialamt.text
    assert "Status Abgeschlossen" in text
    assert "Keine offenen Aufgaben" in text
    assert text.count("Aufgabe erledigt: Übergabe prüfen") == 3
    assert text.count("Aufgabe erledigt: Rückfrage beantworten") == 2
    assert "Lea Fachdienst Aufgabe übernommen: Übergabe prüfen" in text
    assert "Sina Sozial Aufgabe erledigt: Übergabe abschließen (Landkreis)" in text
    assert "Leonie Leitung Aufgabe erledigt: Übernahme genehmigen" in text
    assert "Vorgang abgeschlossen" in text
    assert "Welche Werkstatt ist angefragt?" in text and "Liegt das Gutachten vor?" in text
    fachdienst.get(case_page.request.path)
    assert "Status Abgeschlossen" in fachdienst.text
    assert not [c for _, _, c in inbox_tasks(sozialamt) if c == case_number]


def test_invalid_form_shows_german_errors_and_writes_nothing(as_user, kf):
    sozialamt = as_user("lk.sozialamt")
    case_number, prepare = start_handover(sozialamt)
    form = {**PREPARE_FORM, "person.last_name": "", "person.birth_date": "31.02.2008", "consent_on_file": ""}

    response = complete(sozialamt, prepare, form, status=422)

    text = sozialamt.text
    assert text.startswith("Fehler:")
    assert "Es gibt ein Problem" in text
    assert "Bitte geben Sie den Namen an." in text
    assert "Geburtsdatum muss ein gültiges Datum sein" in text
    assert 'href="#field-person-last_name"' in response.text  # the summary links to the field
    assert 'id="field-person-last_name"' in response.text and 'aria-invalid="true"' in response.text
    assert 'value="Förderschule am Rosenhang"' in response.text  # nothing typed is lost
    sozialamt.get(f"/tasks/{prepare}")
    assert "Status offen" in sozialamt.text  # the task is still open, the case unchanged
    assert task_in_inbox(sozialamt, "Übergabe vorbereiten", case_number) == prepare


def test_review_asks_for_the_question_when_question_is_chosen(as_user):
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    case_number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, PREPARE_FORM)
    review = task_in_inbox(fachdienst, "Übergabe prüfen", case_number)

    complete(fachdienst, review, {"decision": "question"}, status=422)

    assert "Bitte schreiben Sie Ihre Rückfrage an den Landkreis." in fachdienst.text
    assert task_in_inbox(fachdienst, "Übergabe prüfen", case_number) == review
