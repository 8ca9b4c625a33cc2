"""The bodies through the web pages: the Kooperationskonferenz from its date to the approved
minutes, invitations with a calendar entry over real SMTP, and contacts without a login who
get the invitation and nothing of the case."""
from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.support.meetings import DATE_FORM, meeting, sent_to, upload_minutes
from tests.support.pages import complete, task_in_inbox
from tests.support.smtp import text_of
from workflows.clock import BERLIN
from workflows.store.outbox import OutboxMail


def calendar_of(message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "einladung.ics"
    return Calendar.from_ical(part.get_payload(decode=True))


def test_the_kooperationskonferenz_runs_from_date_to_approved_minutes(app, kf, as_user, smtp):
    # 2027 is the LWV's turn to manage (the Landkreis 2020/21, the LWV 2022/23, …, the LWV 2026/27)
    case_id, number = meeting(kf, "landkreis-giessen", "cooperation_conference")
    fachdienst, sozialamt = as_user("lwv.fachdienst"), as_user("lk.sozialamt")
    fix_date = task_in_inbox(fachdienst, "Termin festlegen und einladen", number)
    with pytest.raises(AssertionError):  # not the Landkreis's turn
        task_in_inbox(sozialamt, "Termin festlegen und einladen", number)

    # a time that is no time: a German message at the field, the values kept
    complete(fachdienst, fix_date, {**DATE_FORM, "start_time": "halb zehn"}, status=422)
    assert "Bitte geben Sie den Beginn als Uhrzeit an, z. B. 09:30." in fachdienst.text
    assert "Kassel, Ständeplatz 6, Raum 3" in fachdienst.page.text and 'href="#field-start_time"' in fachdienst.page.text
    complete(fachdienst, fix_date, DATE_FORM)

    # every member of the Anlage 1 org units gets an invitation with a calendar entry
    mails = sent_to(app, kf, smtp)
    invited = {address for address, m in mails.items() if m["Subject"].startswith("Einladung: Kooperationskonferenz")}
    assert {"lk.kreisbeigeordnete@demo.invalid", "lk.beauftragter@demo.invalid", "lk.gesundheitsamt@demo.invalid",
            "lwv.fb204@demo.invalid", "lwv.fb206@demo.invalid", "lwv.fb207@demo.invalid"} <= invited
    assert not any("lahnfeld" in address or address.startswith(("lf.", "lwvlf.", "st.")) for address in invited)
    invitation = mails["lk.beauftragter@demo.invalid"]
    assert invitation["Subject"] == "Einladung: Kooperationskonferenz (KoK) am 12.05.2027"
    body = invitation.get_body(("plain",)).get_content()
    assert "Zeit:   09:30 bis 12:00 Uhr" in body and "Ort:    Kassel, Ständeplatz 6, Raum 3" in body
    [event] = calendar_of(invitation).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2027, 5, 12, 9, 30, tzinfo=BERLIN)
    assert event.decoded("dtend") == datetime(2027, 5, 12, 12, 0, tzinfo=BERLIN)
    assert str(event["summary"]) == "Kooperationskonferenz (KoK)" and "Ständeplatz" in str(event["location"])

    # agenda, the meeting, the minutes
    complete(fachdienst, task_in_inbox(fachdienst, "Tagesordnung erstellen", number),
             {"agenda": "1. Bericht der Geschäftsführung\n2. Planungskonferenzen\n3. Verschiedenes"})
    upload_minutes(fachdienst, task_in_inbox(fachdienst, "Konferenz durchführen und Protokoll hochladen", number),
                   "19.05.2027")  # postponed by a week

    # the other partner, the Landkreis, approves the minutes: first it sends them back
    approve = task_in_inbox(sozialamt, "Protokoll freigeben", number)
    complete(sozialamt, approve, {"decision": "reject", "comment": "TOP 2 fehlt."})
    upload_minutes(fachdienst, task_in_inbox(fachdienst, "Protokoll überarbeiten", number), "19.05.2027")
    complete(sozialamt, task_in_inbox(sozialamt, "Protokoll freigeben", number), {"decision": "approve"})

    sozialamt.get(f"/cases/{case_id}")
    assert "Abgeschlossen" in sozialamt.text and "protokoll.pdf" in sozialamt.text


def test_contacts_get_the_invitation_and_nothing_of_the_case(app, kf, as_user, smtp):
    case_id, number = meeting(kf, "landkreis-giessen", "planning_conference_207")
    fb207 = as_user("lwv.fb207")
    complete(fb207, task_in_inbox(fb207, "Termin festlegen und einladen", number), DATE_FORM)

    mails = sent_to(app, kf, smtp)
    # Anlage 2, 207: providers, the EUTB and (§ 3) the self-advocacy groups of this agreement (not
    # the Förderschulen, not the second agreement's contacts)
    contacts = {a: m for a, m in mails.items() if a.endswith("-demo.invalid")}
    assert sorted(contacts) == ["bewohnerbeirat@wohnverbund-demo.invalid", "eutb@beratung-demo.invalid",
                                "ex-in@genesung-demo.invalid", "kontakt@sozialwerk-demo.invalid",
                                "planung@lebenshilfe-demo.invalid", "werkstattrat@werkstatt-demo.invalid"]
    for message in contacts.values():
        text = text_of(message)
        assert "Regionale Planungskonferenz 207" in text and "12.05.2027" in text
        assert number not in text and "/cases/" not in text and "/tasks/" not in text and "http" not in text
        assert any(f"Guten Tag {name}" in text for name in ("Erika Beraterin", "P", "Wilma Werkstattrat",
                                                            "Bernd Beirat", "Ella Erfahren"))
        assert calendar_of(message).walk("VEVENT")
    with kf.db.transaction() as session:
        rows = session.scalars(select(OutboxMail).where(OutboxMail.kind == "invitation.contact")).all()
    assert {row.recipient_user_id for row in rows} == {None}
    # the members of the named org units get theirs, with the link to the case
    member = mails["lk.gesundheitsamt@demo.invalid"].get_body(("plain",)).get_content()
    assert f"/cases/{case_id}" in member and number in member
