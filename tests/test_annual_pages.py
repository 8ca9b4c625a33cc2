"""The annual requests (§ 8 b, c, d) through the web pages, as the people at both agencies
would work them: the worker opens the year's case on the agreement's calendar, the right
group finds it in its Posteingang, fills in the form, the partner acknowledges, and the
year's figures appear on the Kennzahlen page and in its CSV export."""
from __future__ import annotations

import re
from datetime import date, datetime

from click.testing import CliRunner
from sqlalchemy import text

import service.cli.commands
from tests.support.annual import case_id_of, complete, row_with, the_task, worker_round
from tests.support.pages import inbox_tasks, task_in_inbox
from workflows.annual.requests import schedule
from workflows.clock import BERLIN, FixedClock
from workflows.legal_dates import past_retirement_age

RETIREMENT_TITLE = "Anzahl der Leistungsberechtigten nach Erreichen der Regelaltersgrenze"
RESIDENTS_TITLE = "Anzahl der Leistungsberechtigten mit gewöhnlichem Aufenthalt im Landkreis"
INSIDE = "Leistungsberechtigte mit gewöhnlichem Aufenthalt im Landkreis, die Leistungen im Landkreis erhalten"
OUTSIDE = ("Leistungsberechtigte mit gewöhnlichem Aufenthalt im Landkreis, "
           "die Leistungen außerhalb des Landkreises erhalten")


# --- § 8 d: the LWV reports, the Landkreis acknowledges, the years are compared ----------------

def report_residents(kf, fachdienst, sozialamt, opening_day: str, inside: int, outside: int, due: str) -> None:
    worker_round(kf, opening_day)
    task_id, case_number = the_task(fachdienst, "Anzahl der Leistungsberechtigten melden")
    assert due in row_with(fachdienst.page.text, f'href="/tasks/{task_id}"')
    complete(fachdienst, task_id, {"count_inside": str(inside), "count_outside": str(outside)})
    acknowledge = task_in_inbox(sozialamt, "Meldung entgegennehmen", case_number)
    sozialamt.get(f"/tasks/{acknowledge}")
    assert f"{INSIDE} {inside}" in sozialamt.text and f"{OUTSIDE} {outside}" in sozialamt.text
    complete(sozialamt, acknowledge, {"complete": "true"})
    sozialamt.get(f"/cases/{case_id_of(kf, case_number)}")
    assert "Status Abgeschlossen" in sozialamt.text


def test_residents_count_of_two_years_is_shown_as_table_chart_and_csv(kf, as_user):
    fachdienst, sozialamt = as_user("lwv.fachdienst"), as_user("lk.sozialamt")
    report_residents(kf, fachdienst, sozialamt, "2027-04-01", 41, 17, due="30.06.2027")
    report_residents(kf, fachdienst, sozialamt, "2028-04-03", 44, 12, due="30.06.2028")

    page = fachdienst.get("/figures").text
    assert '<tr><th scope="row">2027</th><td>41</td><td>17</td></tr>' in page
    assert '<tr><th scope="row">2028</th><td>44</td><td>12</td></tr>' in page
    [chart] = re.findall(r'<svg class="chart" role="img".*?</svg>', page, re.S)
    assert f"<title id=\"chart-2-title\">§ 8 d {RESIDENTS_TITLE}</title>" in chart
    desc = re.search(r"<desc [^>]*>(.*?)</desc>", chart).group(1)
    assert desc == f"2027: {INSIDE} 41, {OUTSIDE} 17; 2028: {INSIDE} 44, {OUTSIDE} 12"
    bars = re.findall(r"<rect [^>]*><title>([^<]*)</title></rect><text [^>]*>(\d+)</text>", chart)
    assert bars == [(f"{INSIDE} 2027: 41", "41"), (f"{OUTSIDE} 2027: 17", "17"),
                    (f"{INSIDE} 2028: 44", "44"), (f"{OUTSIDE} 2028: 12", "12")]

    export = sozialamt.get("/figures/export.csv")
    assert export.mimetype == "text/csv"
    assert export.headers["Content-Disposition"] == 'attachment; filename="kennzahlen.csv"'
    rows = export.get_data().decode("utf-8-sig").split("\r\n")
    assert rows == [
        "Vereinbarung;Paragraph;Abfrage;Jahr;Kennzahl;Wert",
        f"landkreis-giessen;§ 8 d;{RESIDENTS_TITLE};2027;{INSIDE};41",
        f"landkreis-giessen;§ 8 d;{RESIDENTS_TITLE};2027;{OUTSIDE};17",
        f"landkreis-giessen;§ 8 d;{RESIDENTS_TITLE};2028;{INSIDE};44",
        f"landkreis-giessen;§ 8 d;{RESIDENTS_TITLE};2028;{OUTSIDE};12",
        "",
    ]


# --- § 8 c: birth dates pasted, counted by the exact rule, then forgotten -----------------------

# Around the reference date 31.12.2026: born 01.09.1960 reaches 66 years 4 months at the end of
# 31.12.2026 (counted), born 02.09.1960 one day later (not); 31.05.1955 and 01.03.1958 are the
# worked cases of the domain notes; 31.10.1960 has no 31.02.2027 (limit 28.02.2027).
BIRTH_DATES = ["31.05.1955", "01.03.1958", "30.04.1960", "01.09.1960", "02.09.1960", "31.10.1960",
               "01.01.1964", "14.05.1990"]


def iso(german: str) -> str:
    day, month, year = german.split(".")
    return f"{year}-{month}-{day}"


def test_retirement_age_count_is_computed_from_pasted_birth_dates_which_are_then_forgotten(kf, as_user):
    worker_round(kf, "2027-01-02")
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    task_id, case_number = the_task(sozialamt, "Anzahl nach Regelaltersgrenze melden")

    pasted = BIRTH_DATES[:2] + ["31.02.1958"] + BIRTH_DATES[2:]
    complete(sozialamt, task_id, {"method": "compute", "birth_dates": "\r\n".join(pasted)}, status=422)
    assert "Zeile 3: „31.02.1958“ ist kein gültiges Datum." in sozialamt.text
    assert "\r\n".join(pasted) in sozialamt.page.text  # nothing typed is lost on the form

    complete(sozialamt, task_id, {"method": "compute", "birth_dates": "\r\n".join(BIRTH_DATES)})
    acknowledge = task_in_inbox(fachdienst, "Meldung entgegennehmen", case_number)
    complete(fachdienst, acknowledge, {"complete": "true"})

    reference = date(2026, 12, 31)
    expected = sum(past_retirement_age(date.fromisoformat(iso(born)), reference) for born in BIRTH_DATES)
    assert expected == 4
    export = fachdienst.get("/figures/export.csv").get_data().decode("utf-8-sig").split("\r\n")
    assert (f"landkreis-giessen;§ 8 c;{RETIREMENT_TITLE};2027;"
            f"Anzahl der Personen nach Erreichen der Regelaltersgrenze;{expected}") in export

    # The birth dates were used for counting only: no page, no history entry, no case state has them.
    case_id = case_id_of(kf, case_number)
    pages = [sozialamt.get(f"/cases/{case_id}").text, sozialamt.get(f"/tasks/{task_id}").text,
             fachdienst.get(f"/cases/{case_id}").text, fachdienst.get(f"/tasks/{acknowledge}").text]
    with kf.db.transaction() as session:
        details = [str(d) for d in session.scalars(text("SELECT details FROM history_events"))]
        states = list(session.scalars(text("SELECT state FROM cases")))
    for born in pasted:
        for form in (born, iso(born)):
            assert not [p for p in pages if form in p], form
            assert not [d for d in details if form in d], form
            assert not [s for s in states if form.encode() in s], form



def test_lwv_sees_the_computed_count_before_acknowledging_it(kf, as_user):
    worker_round(kf, "2027-01-02")
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    task_id, case_number = the_task(sozialamt, "Anzahl nach Regelaltersgrenze melden")
    complete(sozialamt, task_id, {"method": "compute", "birth_dates": "\r\n".join(BIRTH_DATES)})

    fachdienst.get(f"/tasks/{task_in_inbox(fachdienst, 'Meldung entgegennehmen', case_number)}")

    assert "Anzahl der Personen nach Erreichen der Regelaltersgrenze 4" in fachdienst.text

# --- § 8 b: the named list, row by row ---------------------------------------------------------

NAMED_LIST_TITLE = "Namentliche Liste der voraussichtlichen Schulabgänger (stationär)"
PERSONS = [("Musterfrau", "Mirja", "14.05.2011", "Lich"), ("Beisiegel", "Jorinde", "02.11.2010", "Hungen"),
           ("Prohaska", "Tjark", "29.02.2012", "Laubach")]


def person_rows(count: int) -> dict:
    """The first ``count`` persons as the form posts them, with the rows' hidden markers."""
    form = {"persons": ""}
    for index, (last, first, born, residence) in enumerate(PERSONS[:count]):
        form.update({f"persons.{index}": "", f"persons.{index}.last_name": last,
                     f"persons.{index}.first_name": first, f"persons.{index}.birth_date": born,
                     f"persons.{index}.habitual_residence": residence,
                     f"persons.{index}.school": "Förderschule am Rosenhang",
                     f"persons.{index}.education": "school",
                     f"persons.{index}.expected_school_end": "31.07.2029",
                     f"persons.{index}.placement": "Wohnheim Am Wald"})
    return form


def test_named_list_rows_are_added_delivered_and_counted(kf, as_user):
    worker_round(kf, "2027-01-04")
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    task_id, case_number = the_task(sozialamt, "Namentliche Liste übermitteln")
    url = f"/tasks/{task_id}"
    sozialamt.get(url)
    assert 'name="persons.0.last_name"' in sozialamt.page.text and "persons.1." not in sozialamt.page.text

    for rows in (1, 2):  # "Weitere Person hinzufügen" keeps what was typed and adds an empty row
        assert 'value="add:persons">Weitere Person hinzufügen</button>' in sozialamt.page.text
        page = sozialamt.submit(url, url, {**person_rows(rows), "_form_action": "add:persons"}, status=200).text
        assert f'name="persons.{rows - 1}.last_name" value="{PERSONS[rows - 1][0]}"' in page
        assert f'name="persons.{rows}.last_name" value=""' in page
        assert "Es gibt ein Problem" not in page

    complete(sozialamt, task_id, {**person_rows(3), "nobody_to_report": "false"})

    acknowledge = task_in_inbox(fachdienst, "Liste entgegennehmen", case_number)
    fachdienst.get(f"/cases/{case_id_of(kf, case_number)}")
    for index, (last, first, born, residence) in enumerate(PERSONS, 1):
        for label, value in (("Name", last), ("Vorname", first), ("Geburtsdatum", born),
                             ("Gewöhnlicher Aufenthalt (Ort)", residence)):
            assert f"Person {index} – {label} {value}" in fachdienst.text
    complete(fachdienst, acknowledge, {"complete": "true"})
    export = fachdienst.get("/figures/export.csv").get_data().decode("utf-8-sig").split("\r\n")
    assert f"landkreis-giessen;§ 8 b;{NAMED_LIST_TITLE};2027;Zu meldende Personen;3" in export


def test_named_list_without_rows_and_without_nobody_to_report_is_refused_in_german(kf, as_user):
    worker_round(kf, "2027-01-04")
    sozialamt = as_user("lk.sozialamt")
    task_id, case_number = the_task(sozialamt, "Namentliche Liste übermitteln")
    blank_row = {key: "" for key in person_rows(1)}

    complete(sozialamt, task_id, blank_row, status=422)

    assert ("Bitte tragen Sie mindestens eine Person ein oder bestätigen Sie, "
            "dass keine Personen zu melden sind.") in sozialamt.text
    assert task_in_inbox(sozialamt, "Namentliche Liste übermitteln", case_number) == task_id


# --- escalation, as the people concerned see it -----------------------------------------------

def test_overdue_named_list_is_reminded_then_escalated_to_the_kreisbeigeordnete(kf, as_user):
    agreement = kf.agreements["landkreis-giessen"].data
    named_list = next(r for r in agreement["annual_requests"] if r["key"] == "named_list")
    dates = schedule(named_list, 2027, agreement)
    assert (dates.due_on, dates.escalation_on) == (date(2027, 3, 31), date(2027, 4, 1))
    worker_round(kf, "2027-01-04")
    worker_round(kf, dates.reminder_on.isoformat())
    lead = as_user("lk.kreisbeigeordnete")
    assert inbox_tasks(lead) == []

    worker_round(kf, "2027-04-01")  # the first working day after the deadline, nothing delivered

    sozialamt = as_user("lk.sozialamt")
    _, case_number = the_task(sozialamt, "Namentliche Liste übermitteln")
    follow_up = task_in_inbox(lead, "Überfällige Meldung nachhalten", case_number)
    lead.get(f"/cases/{case_id_of(kf, case_number)}")
    history = lead.text
    assert (f"{dates.reminder_on:%d.%m.%Y}, 08:00 System Erinnerung an den Posteingang "
            "(Posteingang Landkreis Gießen: Jugendamt, Landkreis Gießen: Sozialamt)") in history
    assert ("01.04.2027, 08:00 System Eskalation an die Leitung: Eskalation "
            "(Posteingang Landkreis Gießen: Kreisbeigeordnete/r)") in history
    assert "case.reminder" not in history and "case.escalation" not in history
    # the lead notes what was done; the list itself is still the Sozialamt's to deliver
    complete(lead, follow_up, {"action_taken": "Sozialamt telefonisch erinnert."})
    assert task_in_inbox(sozialamt, "Namentliche Liste übermitteln", case_number)


def test_a_late_list_once_acknowledged_ends_the_case_and_the_lead_s_follow_up_with_it(kf, as_user):
    worker_round(kf, "2027-01-04")
    worker_round(kf, "2027-04-01")  # overdue: escalated to the Kreisbeigeordnete
    sozialamt, fachdienst, lead = as_user("lk.sozialamt"), as_user("lwv.fachdienst"), as_user("lk.kreisbeigeordnete")
    task_id, case_number = the_task(sozialamt, "Namentliche Liste übermitteln")
    assert task_in_inbox(lead, "Überfällige Meldung nachhalten", case_number)
    complete(sozialamt, task_id, {**person_rows(1), "nobody_to_report": "false"})
    complete(fachdienst, task_in_inbox(fachdienst, "Liste entgegennehmen", case_number), {"complete": "true"})
    # the lead never got round to the follow-up: it ends with the case instead of keeping it open
    assert case_number not in [number for _, _, number in inbox_tasks(lead)]
    lead.get(f"/cases/{case_id_of(kf, case_number)}")
    assert "Status Abgeschlossen" in lead.text


# --- the worker command ---------------------------------------------------------------------

def test_worker_once_prints_timers_fired_and_annual_cases_opened(empty_database_url, monkeypatch, tmp_path):
    env = {"KOOPFLOW_DATABASE_URL": empty_database_url, "KOOPFLOW_SECRET_KEY": "cli-test",
           "KOOPFLOW_DOCUMENTS_DIR": str(tmp_path / "documents")}
    clock = FixedClock(datetime(2027, 1, 4, 8, 0, tzinfo=BERLIN))
    monkeypatch.setattr(service.cli.commands, "SystemClock", lambda: clock)  # the command's "now"
    runner = CliRunner()

    def koopflow(*args: str) -> str:
        result = runner.invoke(service.cli.commands.main, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    koopflow("db", "upgrade")
    # 04.01.2027: § 8 b and § 8 c open; their reminders are not due yet
    assert "Timer ausgelöst: 0; Jahresabfragen eröffnet: 2" in koopflow("worker", "--once")
    # 01.04.2027: both are reminded and escalated (one wake each), § 8 d opens; and in the
    # second (fictitious) agreement its § 8 b (opens 01.02.) and § 8 c (01.03.)
    clock.set(datetime(2027, 4, 1, 8, 0, tzinfo=BERLIN))
    assert "Timer ausgelöst: 2; Jahresabfragen eröffnet: 3" in koopflow("worker", "--once")
    # a second round the same day finds nothing to do
    assert "Timer ausgelöst: 0; Jahresabfragen eröffnet: 0" in koopflow("worker", "--once")
