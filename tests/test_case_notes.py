"""Internal notes: kept on the case for the writer's agency only. The other agency of the same
case sees none of them (page, API, by the note's id); retention deletes them with the case's
other personal data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.api import api_client
from tests.support.flows import actor, offered_handover, open_task
from tests.support.named_list import delivered_list
from tests.support.pages import text_of
from workflows.cases.notes import NOTE_MAX
from workflows.clock import BERLIN
from workflows.store.case_notes import CaseNote
from workflows.tasks import complete_task
from workflows.worker import run_once

NOTE = "Mutter rief an: Termin erst nach den Sommerferien möglich"


def write_note(browser, case_id: int, text: str, status: int = 302):
    return browser.submit(f"/cases/{case_id}", f"/cases/{case_id}/notes", {"note": text}, status=status)


def notes_in_db(kf) -> list[CaseNote]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(CaseNote)))


def test_a_note_is_shown_with_author_and_time_to_the_own_agency_only(app, kf, as_user):
    case_id = offered_handover(kf)
    kf.clock.set(datetime(2027, 3, 4, 9, 15, tzinfo=BERLIN))
    lea = as_user("lwv.fachdienst")
    lea.follow(write_note(lea, case_id, NOTE))
    assert NOTE in lea.text and "nur für Ihren Träger sichtbar" in lea.text
    assert actor(kf, "lwv.fachdienst").display_name in lea.text and "04.03.2027" in lea.text

    colleague = as_user("lwv.fachdienst2")  # same agency: reads it
    assert NOTE in colleague.get(f"/cases/{case_id}").text
    assert NOTE in str(api_client(app, kf, kf.clock, "lwv.fachdienst").get(f"/api/v1/cases/{case_id}")["notes"])

    landkreis = as_user("lk.sozialamt")  # the other agency of the same case: sees the case, not the note
    page = landkreis.get(f"/cases/{case_id}").text
    assert "Vorgang" in text_of(page) and NOTE not in page and "Noch keine Notizen" in text_of(page)
    answer = api_client(app, kf, kf.clock, "lk.sozialamt").get(f"/api/v1/cases/{case_id}")
    assert answer["notes"] == [] and NOTE not in str(answer)


def test_the_other_agency_cannot_delete_a_note_by_its_id_nor_can_a_colleague(kf, as_user):
    case_id = offered_handover(kf)
    lea = as_user("lwv.fachdienst")
    write_note(lea, case_id, NOTE)
    [note] = notes_in_db(kf)
    for username in ("lk.sozialamt", "lwv.fachdienst2"):
        visitor = as_user(username)
        visitor.submit(f"/cases/{case_id}", f"/cases/{case_id}/notes/{note.id}/delete", status=404)
    assert len(notes_in_db(kf)) == 1
    lea.submit(f"/cases/{case_id}", f"/cases/{case_id}/notes/{note.id}/delete", status=302)
    assert notes_in_db(kf) == []


def test_the_landkreis_keeps_its_own_note_which_the_lwv_does_not_see(kf, as_user):
    case_id = offered_handover(kf)
    write_note(as_user("lk.sozialamt"), case_id, "Schule meldet Verlängerung an")
    write_note(as_user("lwv.fachdienst"), case_id, NOTE)
    assert "Schule meldet" not in as_user("lwv.fachdienst").get(f"/cases/{case_id}").text
    landkreis = as_user("lk.sozialamt").get(f"/cases/{case_id}").text
    assert "Schule meldet" in landkreis and NOTE not in landkreis


def test_users_outside_the_case_cannot_write_a_note_on_it(kf, as_user):
    case_id = offered_handover(kf)
    outsider = as_user("lwvlf.fachdienst")
    outsider.submit("/inbox", f"/cases/{case_id}/notes", {"note": NOTE}, status=404)
    assert notes_in_db(kf) == []


def test_an_empty_or_too_long_note_gets_a_german_message_at_the_field(kf, as_user):
    case_id = offered_handover(kf)
    lea = as_user("lwv.fachdienst")
    write_note(lea, case_id, "   ", status=422)
    assert "Bitte geben Sie den Text der Notiz ein." in lea.text
    assert 'id="field-note-error"' in lea.page.text and 'aria-describedby="field-note-error"' in lea.page.text
    long = "x" * (NOTE_MAX + 1)
    write_note(lea, case_id, long, status=422)
    assert f"höchstens {NOTE_MAX} Zeichen" in lea.text and long in lea.page.text  # the typed text is kept
    assert notes_in_db(kf) == []


def test_retention_deletes_the_notes_with_the_cases_personal_data(kf, settings, as_user):
    case_id = delivered_list(kf)
    lea = as_user("lwv.fachdienst")
    write_note(lea, case_id, NOTE)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "acknowledge_named_list"),
                  {"complete": True})
    kf.clock.set(datetime(2037, 1, 5, 8, 0, tzinfo=BERLIN))  # ten years after it closed
    assert run_once(kf.db, kf.clock, documents_dir=settings.documents_dir).personal_data_deleted == 1
    assert notes_in_db(kf) == []
    page = lea.get(f"/cases/{case_id}").text
    assert NOTE not in page and 'name="note"' not in page  # nothing to write on an emptied case
