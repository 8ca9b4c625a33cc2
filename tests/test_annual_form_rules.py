"""The annual forms carry the law on screen: § 8 b shows the list year and its target year and
refuses rows leaving school in another year; § 8 c shows its reference date with the year and
counts persons with a Regelaltersgrenze of their own; § 8 d shows its reference date."""
from __future__ import annotations

from tests.support.annual import case_id_of, complete, the_task, worker_round
from tests.support.api import api_client
from tests.support.cohort import row
from tests.support.pages import task_in_inbox

WRONG_YEAR = ("Person 2: Das voraussichtliche Ende der Schulausbildung (31.07.2028) liegt nicht im Zieljahr 2029. "
              "Auf die Liste 2027 gehören nach § 8 b nur Personen, die ihre Schulausbildung voraussichtlich 2029 beenden.")


def list_form(rows: list[dict]) -> dict:
    form = {"persons": ""}
    for index, person in enumerate(rows):
        form[f"persons.{index}"] = ""
        for key, value in person.items():
            if key.endswith("date") or key == "expected_school_end":
                year, month, day = value.split("-")
                value = f"{day}.{month}.{year}"
            form[f"persons.{index}.{key}"] = value
    return form


def test_the_named_list_shows_its_year_and_target_year_and_refuses_a_row_of_another_year(kf, as_user):
    worker_round(kf, "2027-01-04")
    sozialamt = as_user("lk.sozialamt")
    task_id, _ = the_task(sozialamt, "Namentliche Liste übermitteln")
    sozialamt.get(f"/tasks/{task_id}")
    assert "Liste des Jahres 2027" in sozialamt.text
    assert "Zieljahr 2029 (übernächstes Jahr)" in sozialamt.text
    assert "Schulische Berufsausbildung" in sozialamt.text  # the field § 8 b asks for besides school

    rows = [row("Eins", "Erika", "2011-01-05"), row("Zwei", "Zoe", "2012-02-06", school_end="2028-07-31")]
    response = complete(sozialamt, task_id, list_form(rows), status=422)

    html = response.get_data(as_text=True)
    assert html.count(WRONG_YEAR) == 2  # in the error summary and next to the row's field
    assert 'href="#field-persons.1.expected_school_end"' in html or "persons.1.expected_school_end" in html
    complete(sozialamt, task_id, list_form([rows[0], {**rows[1], "expected_school_end": "2029-06-30"}]))


def test_the_api_refuses_the_row_of_another_year_under_its_field(app, kf, clock):
    worker_round(kf, "2027-01-04")
    api = api_client(app, kf, clock, "lk.sozialamt")
    task_id = next(t["id"] for t in api.get("/api/v1/tasks")["tasks"] if t["name"] == "Namentliche Liste übermitteln")
    rows = [row("Eins", "Erika", "2011-01-05"), row("Zwei", "Zoe", "2012-02-06", school_end="2028-07-31")]

    body = api.complete(task_id, {"persons": rows}, status=422)

    assert body["errors"] == {"persons.1.expected_school_end": WRONG_YEAR}


def test_the_retirement_count_shows_its_reference_date_and_counts_a_persons_own_limit(kf, as_user):
    worker_round(kf, "2027-01-04")
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    task_id, case_number = the_task(sozialamt, "Anzahl nach Regelaltersgrenze melden")
    sozialamt.get(f"/tasks/{task_id}")
    assert "Stichtag 31.12.2026" in sozialamt.text
    assert "Personen mit abweichender Regelaltersgrenze" in sozialamt.text
    override = {"method": "compute", "birth_dates": "01.01.1964", "overrides": "",
                "overrides.0": "", "overrides.0.birth_date": "01.06.1953", "overrides.0.reason": "Altersteilzeit vor 2007"}

    complete(sozialamt, task_id, {**override, "overrides.0.reached_on": "01.06.1950"}, status=422)
    assert "Person 1: Die Regelaltersgrenze kann nicht vor dem Geburtsdatum erreicht sein." in sozialamt.text
    complete(sozialamt, task_id, {**override, "overrides.0.reached_on": "31.05.2018"})

    acknowledge = task_in_inbox(fachdienst, "Meldung entgegennehmen", case_number)
    fachdienst.get(f"/cases/{case_id_of(kf, case_number)}")
    # 01.01.1964 reaches 67 only on 31.12.2030; the person of her own limit has reached it: 1
    assert "Anzahl der Personen nach Erreichen der Regelaltersgrenze 1" in fachdienst.text
    assert "Altersteilzeit" not in fachdienst.text and "01.06.1953" not in fachdienst.text  # counted, not kept
    assert acknowledge


def test_the_residents_count_shows_its_reference_date(kf, as_user):
    worker_round(kf, "2027-04-01")
    fachdienst = as_user("lwv.fachdienst")
    task_id, _ = the_task(fachdienst, "Anzahl der Leistungsberechtigten melden")

    fachdienst.get(f"/tasks/{task_id}")

    assert "Stichtag 31.12.2026" in fachdienst.text and "Liefertermin 30.06.2027" in fachdienst.text
