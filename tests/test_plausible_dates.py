"""Dates are plausible: a birth date lies in the past, the expected end of school fits the birth
date (between the 5th and the 30th birthday) and lies within the next few years — each refused
next to its field in German, on the page and in the API, and nothing is completed."""
from __future__ import annotations

from tests.support.annual import worker_round
from tests.support.api import api_client
from tests.support.cohort import row
from tests.support.handover import PREPARE_FORM
from tests.support.pages import complete, start_handover
from workflows.store.tasks import OPEN, HumanTask

FUTURE_BIRTH = "Das Geburtsdatum muss in der Vergangenheit liegen."
AFTER_30 = ("Das voraussichtliche Ende der Schulausbildung passt nicht zum Geburtsdatum: Es muss zwischen dem 5. "
            "und dem 30. Geburtstag liegen. Bitte prüfen Sie beide Daten.")
FAR_AHEAD = "Das voraussichtliche Ende der Schulausbildung muss zwischen dem 01.03.2026 und dem 01.03.2033 liegen."


def test_the_handover_refuses_a_birth_date_to_come_and_a_school_end_far_off(as_user, kf):
    sozialamt = as_user("lk.sozialamt")  # today is 01.03.2027
    _, prepare = start_handover(sozialamt)

    response = complete(sozialamt, prepare, {**PREPARE_FORM, "person.birth_date": "02.03.2027"}, status=422)
    assert response.text.count(FUTURE_BIRTH) == 2  # the summary and the field
    assert 'id="field-person-birth_date-error"' in response.text

    complete(sozialamt, prepare, {**PREPARE_FORM, "person.birth_date": "14.05.1990"}, status=422)
    assert AFTER_30 in sozialamt.text  # school end 31.07.2027 would be at 37

    complete(sozialamt, prepare, {**PREPARE_FORM, "expected_school_end": "2035-07-31"}, status=422)
    assert FAR_AHEAD in sozialamt.text
    with kf.db.transaction() as session:
        assert session.get(HumanTask, prepare).state == OPEN
    complete(sozialamt, prepare, PREPARE_FORM)


def test_the_named_list_refuses_a_row_born_tomorrow_through_the_api(app, kf, clock):
    worker_round(kf, "2027-01-04")
    api = api_client(app, kf, clock, "lk.sozialamt")
    task_id = next(t["id"] for t in api.get("/api/v1/tasks")["tasks"] if t["name"] == "Namentliche Liste übermitteln")

    body = api.complete(task_id, {"persons": [row("Eins", "Erika", "2011-01-05"), row("Zwei", "Zoe", "2027-01-05")]},
                        status=422)

    assert body["errors"] == {"persons.1.birth_date": f"Person 2: {FUTURE_BIRTH}",
                              "persons.1.expected_school_end": "Person 2: " + AFTER_30}
