"""Fristen: the annual requests' deadlines on the Fristen page — open, overdue, not yet
opened — and the same in a personal calendar address that carries no personal data, can be
renewed and cannot be guessed."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import yaml
from icalendar import Calendar

from tests.support.annual import complete, row_with, the_task, worker_round
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import PERSON, question
from tests.support.pages import text_of
from workflows.paths import AGREEMENTS_DIR
from workflows.tasks import complete_task

BASE_URL = "http://localhost:5000"
CALENDAR_ADDRESS = re.compile(r'id="calendar-address" type="text" readonly value="([^"]+)"')
NAMED_LIST = "§ 8 b Namentliche Liste der voraussichtlichen Schulabgänger (stationär) 2027"
RETIREMENT = "§ 8 c Anzahl der Leistungsberechtigten nach Erreichen der Regelaltersgrenze 2027"
RESIDENTS = "§ 8 d Anzahl der Leistungsberechtigten mit gewöhnlichem Aufenthalt im Landkreis 2027"
DEMO_NAMES = [u["display_name"] for u in
              yaml.safe_load((AGREEMENTS_DIR / "landkreis-giessen.demo-users.yaml").read_text())["users"]]


def calendar_path(browser) -> str:
    """The personal calendar address shown on the Fristen page, without the base URL."""
    address = unescape(CALENDAR_ADDRESS.search(browser.get("/deadlines").text).group(1))
    assert address.startswith(BASE_URL + "/calendar/"), address
    return address.removeprefix(BASE_URL)


def calendar_events(body: bytes) -> dict[str, date]:
    return {str(event["SUMMARY"]): event.decoded("DTSTART") for event in Calendar.from_ical(body).walk("VEVENT")}


def test_annual_deadlines_are_open_before_the_due_date_and_overdue_after_it(kf, as_user):
    worker_round(kf, "2027-01-04")
    worker_round(kf, "2027-03-20")
    sozialamt = as_user("lk.sozialamt")
    _, named_list_case = the_task(sozialamt, "Namentliche Liste übermitteln")
    _, retirement_case = the_task(sozialamt, "Anzahl nach Regelaltersgrenze melden")

    page = sozialamt.get("/deadlines").text
    assert row_with(page, NAMED_LIST) == f"31.03.2027 {NAMED_LIST} Landkreis Gießen {named_list_case} offen"
    assert row_with(page, RETIREMENT) == f"31.03.2027 {RETIREMENT} Landkreis Gießen {retirement_case} offen"
    assert row_with(page, RESIDENTS) == f"30.06.2027 {RESIDENTS} LWV Hessen noch nicht eröffnet offen"
    # one line per delivery: the request's title links to the Sozialamt's open task
    named_list_task, _ = the_task(sozialamt, "Namentliche Liste übermitteln")
    assert "Namentliche Liste übermitteln" not in text_of(page)
    assert re.search(rf'<a href="/tasks/{named_list_task}">{re.escape(NAMED_LIST)}</a>', page)

    worker_round(kf, "2027-04-01")  # nothing was delivered by 31.03.

    page = sozialamt.get("/deadlines").text
    assert row_with(page, NAMED_LIST) == f"31.03.2027 {NAMED_LIST} Landkreis Gießen {named_list_case} überfällig"
    assert row_with(page, RETIREMENT) == f"31.03.2027 {RETIREMENT} Landkreis Gießen {retirement_case} überfällig"
    _, residents_case = the_task(as_user("lwv.fachdienst"), "Anzahl der Leistungsberechtigten melden")
    assert row_with(page, RESIDENTS) == f"30.06.2027 {RESIDENTS} LWV Hessen {residents_case} offen"


def test_delivered_request_leaves_the_fristen_page(kf, as_user):
    worker_round(kf, "2027-01-04")
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    task_id, case_number = the_task(sozialamt, "Anzahl nach Regelaltersgrenze melden")
    complete(sozialamt, task_id, {"method": "entered", "count": "3"})
    acknowledge, _ = the_task(fachdienst, "Meldung entgegennehmen")
    complete(fachdienst, acknowledge, {"complete": "true"})

    page = sozialamt.get("/deadlines").text
    assert RETIREMENT not in page and case_number not in page
    assert NAMED_LIST in page


def test_calendar_address_gives_the_deadlines_as_ical_without_personal_data(kf, app, as_user):
    worker_round(kf, "2027-01-04")
    worker_round(kf, "2027-03-19")
    # a handover with a question back to the Landkreis: a task deadline on a case with a person
    handover = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, handover, "review_handover"),
                  question("Welche Werkstatt ist angefragt?"))
    sozialamt = as_user("lk.sozialamt")
    _, named_list_case = the_task(sozialamt, "Namentliche Liste übermitteln")
    _, retirement_case = the_task(sozialamt, "Anzahl nach Regelaltersgrenze melden")
    _, handover_case = the_task(sozialamt, "Rückfrage beantworten")

    calendar = app.test_client().get(calendar_path(sozialamt))  # a calendar program: no login

    assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"
    body = calendar.get_data()
    assert body.count(b"BEGIN:VEVENT") == len(calendar_events(body))
    assert b"DTSTART;VALUE=DATE:20270331" in body and b"DTSTART;VALUE=DATE:20270630" in body
    events = calendar_events(body)
    assert events[f"Frist: {NAMED_LIST} ({named_list_case})"] == date(2027, 3, 31)
    assert events[f"Frist: {RETIREMENT} ({retirement_case})"] == date(2027, 3, 31)
    assert events[f"Frist: {RESIDENTS}"] == date(2027, 6, 30)
    assert f"Frist: Rückfrage beantworten ({handover_case})" in events
    unfolded = body.decode().replace("\r\n ", "")
    personal = [PERSON["last_name"], PERSON["first_name"], PERSON["birth_date"], "14.05.2008", *DEMO_NAMES]
    assert [name for name in personal if name in unfolded] == []


def test_new_calendar_address_replaces_the_old_one_and_tampered_addresses_fail(kf, app, as_user):
    worker_round(kf, "2027-01-04")
    sozialamt, calendar_program = as_user("lk.sozialamt"), app.test_client()
    old = calendar_path(sozialamt)
    assert calendar_program.get(old).status_code == 200

    sozialamt.submit("/deadlines", "/deadlines/calendar-address", {}, status=302)

    new = calendar_path(sozialamt)
    assert new != old
    assert calendar_program.get(old).status_code == 404
    assert calendar_program.get(new).status_code == 200
    token = new.removeprefix("/calendar/").removesuffix(".ics")
    tampered = ("A" if token[0] != "A" else "B") + token[1:]
    assert calendar_program.get(f"/calendar/{tampered}.ics").status_code == 404
    assert calendar_program.get("/calendar/ausgedacht.ics").status_code == 404
    # without its CSRF token the renewal is refused and the address stays
    assert sozialamt.client.post("/deadlines/calendar-address").status_code == 400
    assert calendar_program.get(new).status_code == 200


def test_org_unit_without_a_role_in_the_agreement_has_no_annual_deadlines(kf, app, as_user):
    worker_round(kf, "2027-01-04")
    fb204 = as_user("lwv.fb204")

    page = fb204.get("/deadlines").text

    assert "Keine Fristen." in page and "§ 8" not in page
    assert b"BEGIN:VEVENT" not in app.test_client().get(calendar_path(fb204)).get_data()


def test_fristen_links_only_the_cases_the_reader_may_open(kf, as_user):
    """§ 8 d is delivered by the LWV: the Landkreis sees its deadline and case number, but no link
    that would lead to "Nicht gefunden"; every case link on the page opens."""
    worker_round(kf, "2027-06-01")
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    _, residents_case = the_task(fachdienst, "Anzahl der Leistungsberechtigten melden")

    page = sozialamt.get("/deadlines").text
    assert row_with(page, RESIDENTS) == f"30.06.2027 {RESIDENTS} LWV Hessen {residents_case} offen"
    assert not re.search(rf'<a href="/cases/\d+">{re.escape(residents_case)}</a>', page)
    for user in (sozialamt, fachdienst):
        links = re.findall(r'href="(/cases/\d+)"', user.get("/deadlines").text)
        assert links
        assert all(user.get(link).status_code == 200 for link in links)
