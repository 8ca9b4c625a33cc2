"""Invitations to a meeting of a body: a mail with a calendar entry (.ics) to every
participant the agreement names for it — the members of its org units, and its contacts.

A user task marked ``invitations="participants"`` sends them when it is completed, in the
same transaction. The mail says which body meets when and where, nothing else: contacts have
no login, so their mail carries no case number and no link (the members' mail links to the
case like any other). Only the meeting fields (``MEETING_FIELDS``) reach a mail; their forms
mark them ``"x-mailable": true`` (no personal data, meant to be mailed).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

from icalendar import Calendar, Event

from workflows.clock import BERLIN
from workflows.mail.compose import MESSAGE_ID_DOMAIN, enqueue, enqueue_external
from workflows.processes.properties import INVITATIONS
from workflows.store.cases import Case
from workflows.store.conferences import guests_of
from workflows.store.contacts import contacts_of
from workflows.store.history import record
from workflows.store.organisation import Agreement
from workflows.store.users import members_of

MEETING_FIELDS = ("meeting_date", "start_time", "end_time", "location")
DEFAULT_LENGTH = timedelta(hours=2)
_UID_NAMESPACE = uuid.UUID("6f1c0b2e-8d0a-4f55-9a43-0c7b0b6c2a11")


def sends_invitations(properties: dict) -> bool:
    return properties.get(INVITATIONS.name) == "participants"


def conference_of(agreement: dict, key: str) -> dict:
    return next(c for c in agreement.get("conferences", []) if c["key"] == key)


def meeting_times(data: dict) -> tuple[datetime, datetime]:
    day = date.fromisoformat(data["meeting_date"])
    start = datetime.combine(day, time.fromisoformat(data["start_time"]), BERLIN)
    end = datetime.combine(day, time.fromisoformat(data["end_time"]), BERLIN) if data.get("end_time") else None
    return start, end if end and end > start else start + DEFAULT_LENGTH


def calendar_entry(case: Case, title: str, data: dict, now: datetime) -> str:
    """An iCalendar entry (PUBLISH: no replies are collected) for the meeting; its UID stays the same for the case, so a second
    invitation (a new date) updates the entry instead of adding one."""
    start, end = meeting_times(data)
    cal = Calendar()
    cal.add("prodid", "-//KoopFlow//Sitzungen//DE")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uuid.uuid5(_UID_NAMESPACE, str(case.id))}@{MESSAGE_ID_DOMAIN}")
    event.add("dtstamp", now.astimezone(timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", title)
    if data.get("location"):
        event.add("location", data["location"])
    cal.add_component(event)
    cal.add_missing_timezones()  # a VTIMEZONE for Europe/Berlin, so every client reads the local time
    return cal.to_ical().decode("utf-8")


def send_invitations(session, case: Case, data: dict, now: datetime) -> int:
    """Mail every participant of the case's body, and the meeting's ad-hoc guests
    (workflows/bodies/guests.py); returns how many mails were written."""
    agreement = session.get(Agreement, case.agreement_id).data
    conference = conference_of(agreement, data["conference_key"])
    participants = conference.get("participants", {})
    guest_units, guest_contacts = guests_of(session, case.id)
    units = list(dict.fromkeys([*participants.get("org_units", []), *guest_units]))
    contacts = contacts_of(session, case.agreement_id, participants.get("contact_groups", []))
    contacts += [c for c in contacts_of(session, case.agreement_id) if c.id in guest_contacts and c not in contacts]
    return invite(session, case, conference, {k: data.get(k) for k in MEETING_FIELDS}, units, contacts, now)


def invite(session, case: Case, conference: dict, meeting: dict, org_units: list[str], contacts: list, now) -> int:
    """Mail the members of ``org_units`` and the ``contacts`` the invitation to this meeting."""
    start, end = meeting_times(meeting)
    ics = calendar_entry(case, conference["title"], meeting, now)
    subject = f"Einladung: {conference['title']} am {start:%d.%m.%Y}"
    context = {"title": conference["title"], "start": start, "end": end, "location": meeting.get("location") or "",
               "reference": conference.get("reference", ""), "case_id": case.id, "case_number": case.case_number}
    written = 0
    for user in members_of(session, org_units):
        written += enqueue(session, now, kind="invitation", recipient=user, case_id=case.id, subject=subject,
                           template="invitation", context={**context, "internal": True}, calendar=ics) is not None
    for contact in contacts:
        enqueue_external(session, now, kind="invitation.contact", to_address=contact.email,
                         recipient_name=contact.name, subject=subject, template="invitation",
                         context={**context, "internal": False, "case_id": None, "case_number": None}, calendar=ics)
        written += 1
    record(session, now, "case.invitations_sent", case_id=case.id, mails=written)
    return written
