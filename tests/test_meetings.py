"""Meetings of the bodies (issue 18 point 5): an extra meeting convened by a partner, the
self-advocacy groups invited where the agreement says so (§ 3), and who attended recorded
with the minutes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.meetings import DATE_FORM, meeting, sent_to, upload_minutes
from tests.support.pages import CSRF, complete, task_in_inbox, text_of
from tests.support.smtp import text_of as mail_text
from workflows.clock import BERLIN
from workflows.store.conferences import ConferenceCase, MeetingGuest
from workflows.store.contacts import Contact
from workflows.store.tasks import HumanTask
from workflows.worker import run_once

REASON = "Neue Tagesstätte in Lich: Bedarf klären"


def _convene(browser, body: str, reason: str = REASON, status: int = 302):
    return browser.submit("/meetings/new", "/meetings/new", {"body": body, "reason": reason}, status=status)


def test_a_partner_convenes_an_extra_meeting_that_runs_like_the_others(kf, as_user):
    sozialamt, fb207 = as_user("lk.sozialamt"), as_user("lwv.fb207")
    page = text_of(sozialamt.get("/meetings/new").text)
    assert "Regionale Planungskonferenz 207 Psychiatrische Versorgung und Sucht (Anlage 2)" in page
    assert "Kooperationskonferenz (KoK)" in page and "Lahnfeld" not in page

    _convene(sozialamt, "", "", status=422)
    assert "Bitte wählen Sie das Gremium, das zusätzlich tagen soll." in sozialamt.text
    assert "Bitte nennen Sie den Anlass der zusätzlichen Sitzung." in sozialamt.text
    assert 'href="#field-body"' in sozialamt.page.text and 'href="#field-reason"' in sozialamt.page.text

    case_page = sozialamt.follow(_convene(sozialamt, "landkreis-giessen:planning_conference_207"))
    assert f"Sina Sozial Zusätzliche Sitzung einberufen – Grund: {REASON}" in sozialamt.text
    path = case_page.request.path  # the case page, also for the Landkreis who convened it
    # the Fachbereich 207 organises it: its date is due in 10 working days, not before the year's end
    with kf.db.transaction() as session:
        row = session.scalar(select(ConferenceCase).where(ConferenceCase.conference_key == "planning_conference_207",
                                                          ConferenceCase.occurrence > 1000))
        fix_date = session.scalar(select(HumanTask).where(HumanTask.case_id == row.case_id))
    assert path.endswith(f"/cases/{row.case_id}")
    assert (fix_date.name, fix_date.due_on.isoformat()) == ("Termin festlegen und einladen", "2027-03-15")
    fb207.get(f"/tasks/{fix_date.id}")
    assert "Termin festlegen und einladen" in fb207.text

    # the calendar's own meetings open as before: the second of 2027 on 01.08.
    kf.clock.set(datetime(2027, 8, 2, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        occurrences = sorted(session.scalars(select(ConferenceCase.occurrence).where(
            ConferenceCase.agreement_id == "landkreis-giessen", ConferenceCase.year == 2027,
            ConferenceCase.conference_key == "planning_conference_207")))
    assert occurrences == [1, 2, 1001]


def test_only_who_works_in_a_body_convenes_it(kf, as_user):
    beauftragter, lahnfeld = as_user("lk.beauftragter"), as_user("lwvlf.fachdienst")
    assert "können daher keine Sitzung einberufen" in beauftragter.get("/meetings/new").text
    _convene(beauftragter, "landkreis-giessen:planning_conference_207", status=404)
    _convene(lahnfeld, "landkreis-giessen:cooperation_conference", status=404)
    with kf.db.transaction() as session:
        assert session.scalar(select(ConferenceCase.id).where(ConferenceCase.occurrence > 1000)) is None


def test_the_self_advocacy_groups_are_invited_to_the_anlage_2_bodies_only(app, kf, as_user, smtp):
    _case_id, number = meeting(kf, "landkreis-giessen", "planning_conference_206")
    fb206 = as_user("lwv.fb206")
    complete(fb206, task_in_inbox(fb206, "Termin festlegen und einladen", number), DATE_FORM)
    invited = set(sent_to(app, kf, smtp))
    assert {"werkstattrat@werkstatt-demo.invalid", "bewohnerbeirat@wohnverbund-demo.invalid",
            "ex-in@genesung-demo.invalid"} <= invited


def test_the_minutes_record_who_attended(kf, as_user):
    case_id, number = meeting(kf, "landkreis-giessen", "planning_conference_207")
    fb207 = as_user("lwv.fb207")
    complete(fb207, task_in_inbox(fb207, "Termin festlegen und einladen", number), DATE_FORM)
    hold = task_in_inbox(fb207, "Sitzung durchführen und Protokoll hochladen", number)
    # who was invited stands beside the form, to note who attended
    assert "Zu dieser Sitzung eingeladen: Fachbereich 207 Psychiatrische Versorgung und Sucht, Fachdienst für den " \
           "Landkreis Gießen, Sozialamt, Gesundheitsamt / Sozialpsychiatrischer Dienst, Beauftragter für Menschen mit " \
           "Behinderung, Bewohnerbeirat Wohnverbund (Demo)" in text_of(fb207.get(f"/tasks/{hold}").text)
    refused = upload_minutes(fb207, hold, "19.05.2027", attendance="", status=422)
    assert "Bitte geben Sie an, wer an der Sitzung teilgenommen hat (eine Stelle pro Zeile)." in \
        text_of(refused.get_data(as_text=True))
    upload_minutes(fb207, hold, "19.05.2027", attendance="Fachbereich 207\nSozialamt\nWerkstattrat\nEUTB")
    text = text_of(fb207.get(f"/cases/{case_id}").text)
    assert "Anwesend Fachbereich 207, Sozialamt, Werkstattrat, EUTB" in text


def test_a_meeting_invites_ad_hoc_org_units_and_contacts_before_and_after_its_date(app, kf, as_user, smtp):
    case_id, number = meeting(kf, "landkreis-giessen", "planning_conference_207")
    fb207 = as_user("lwv.fb207")
    page = text_of(fb207.get(f"/cases/{case_id}").text)
    assert "Weitere Teilnehmende einladen" in page
    assert "Jugendamt (Landkreis Gießen)" in page  # not named for the 207 conference
    assert "Förderschule geistige Entwicklung (Demo) – Förderschulen" in page
    assert "Sozialamt (Landkreis Gießen)" not in page  # invited anyway

    response = fb207.submit(f"/cases/{case_id}", f"/cases/{case_id}/guests", {}, status=422)
    assert response.text.count("Bitte wählen Sie mindestens eine Stelle oder einen Kontakt") == 2  # summary and field
    assert 'href="#field-guests"' in response.text and "<title>Fehler:" in response.text

    # chosen before the date: invited with everyone else
    fb207.submit(f"/cases/{case_id}", f"/cases/{case_id}/guests", {"org_unit": "lkgi-jugendamt"})
    assert "Bereits zusätzlich eingeladen: Jugendamt (Landkreis Gießen)." in text_of(fb207.get(f"/cases/{case_id}").text)
    fix_date = task_in_inbox(fb207, "Termin festlegen und einladen", number)
    assert "Jugendamt (zusätzlich eingeladen)." in text_of(fb207.get(f"/tasks/{fix_date}").text)
    complete(fb207, fix_date, DATE_FORM)
    mails = sent_to(app, kf, smtp)
    assert mails["lk.jugendamt@demo.invalid"]["Subject"].startswith("Einladung: Regionale Planungskonferenz 207")
    assert "sekretariat@foerderschule-demo.invalid" not in mails

    # chosen after the date: invited at once, a contact without the case
    with kf.db.transaction() as session:
        school = session.scalar(select(Contact.id).where(Contact.email == "sekretariat@foerderschule-demo.invalid"))
    fb207.submit(f"/cases/{case_id}", f"/cases/{case_id}/guests", {"contact": str(school)})
    invitation = sent_to(app, kf, smtp)["sekretariat@foerderschule-demo.invalid"]
    text = mail_text(invitation)
    assert "Regionale Planungskonferenz 207" in text and "12.05.2027" in text and number not in text
    assert "Weitere Teilnehmende eingeladen" in text_of(fb207.get(f"/cases/{case_id}").text)


def test_who_does_not_run_the_body_cannot_invite(kf, as_user):
    case_id, _number = meeting(kf, "landkreis-giessen", "planning_conference_207")
    for username in ("lk.beauftragter", "lwvlf.fachdienst"):
        browser = as_user(username)
        browser.get("/inbox")
        token = CSRF.search(browser.page.text).group(1)
        assert browser.client.post(f"/cases/{case_id}/guests", data={"csrf_token": token,
                                                                      "org_unit": "lkgi-jugendamt"}).status_code == 404
    with kf.db.transaction() as session:
        assert session.scalar(select(MeetingGuest.id)) is None


def test_a_contact_invited_as_a_guest_can_still_be_deleted(kf, as_user):
    case_id, _number = meeting(kf, "landkreis-giessen", "planning_conference_207")
    with kf.db.transaction() as session:
        school = session.scalar(select(Contact.id).where(Contact.email == "sekretariat@foerderschule-demo.invalid"))
    fb207, admin = as_user("lwv.fb207"), as_user("admin")
    fb207.submit(f"/cases/{case_id}", f"/cases/{case_id}/guests", {"contact": str(school)})
    admin.follow(admin.submit("/admin/contacts", f"/admin/contacts/{school}/delete", {"confirm": "yes"}))
    with kf.db.transaction() as session:
        assert session.get(Contact, school) is None and session.scalar(select(MeetingGuest.id)) is None
    assert "Förderschule" not in text_of(fb207.get(f"/cases/{case_id}").text)


def test_an_agency_system_convenes_an_extra_meeting_through_the_api(app, kf, clock):
    from tests.support.api import api_client

    sozialamt = api_client(app, kf, clock, "lk.sozialamt")
    bodies = {b["body"]: b["title"] for b in sozialamt.get("/api/v1/meetings")["bodies"]}
    assert bodies["landkreis-giessen:planning_conference_207"].startswith("Regionale Planungskonferenz 207")
    assert not any(body.startswith("landkreis-lahnfeld:") for body in bodies)

    refused = sozialamt.post("/api/v1/meetings", {"body": "", "reason": " "}, status=422)
    assert refused["errors"] == {"body": "Bitte wählen Sie das Gremium, das zusätzlich tagen soll.",
                                 "reason": "Bitte nennen Sie den Anlass der zusätzlichen Sitzung."}
    sozialamt.post("/api/v1/meetings", {"body": "landkreis-lahnfeld:cooperation_conference", "reason": REASON},
                   status=404)
    sozialamt.post_raw("/api/v1/meetings", '{"body": 7}', status=400)

    started = sozialamt.post("/api/v1/meetings", {"body": "landkreis-giessen:planning_conference_207",
                                                 "reason": REASON}, status=201)
    case = sozialamt.get(f"/api/v1/cases/{started['id']}")
    assert case["case_number"] == started["case_number"]
    assert "case.extra_meeting" in [e["event"] for e in case["history"]]
    assert api_client(app, kf, clock, "lk.beauftragter").get("/api/v1/meetings") == {"bodies": []}
    with kf.db.transaction() as session:
        assert session.scalar(select(ConferenceCase.occurrence).where(
            ConferenceCase.case_id == started["id"])) == 1001
