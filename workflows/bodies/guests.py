"""Ad-hoc participants of one meeting (§ 5: "bei Bedarf weitere Fachämter"; other agencies
"anlassbezogen"): org units of either partner, or contacts of the agreement, invited besides
those the agreement names for the body.

Whoever may convene the body (workflows/bodies/extra_meetings.py) may invite them, from the
meeting's case page, before or after the date is fixed: chosen before, they get the invitation
with everyone else; chosen after, they get it at once (the same mail and calendar entry).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflows.bodies.extra_meetings import convening_units
from workflows.bodies.invitations import MEETING_FIELDS, conference_of, invite
from workflows.errors import NotFound, ValidationFailed
from workflows.people.access import Actor, case_for
from workflows.store.cases import RUNNING, Case
from workflows.store.conferences import ConferenceCase, MeetingGuest, guests_of
from workflows.store.contacts import CONTACT_GROUPS, contacts_of
from workflows.store.history import HistoryEvent, record
from workflows.store.organisation import Agreement

NOTHING_CHOSEN = "Bitte wählen Sie mindestens eine Stelle oder einen Kontakt, die Sie einladen möchten."
DATE_FORM = "conference_date"


@dataclass(frozen=True)
class GuestChoices:
    """What the case page offers: (id, label) of org units and contacts not yet invited, and
    the labels of the guests invited so far."""

    org_units: list[tuple[str, str]]
    contacts: list[tuple[int, str]]
    invited: list[str]


def _meeting(session, actor: Actor, case_id: int) -> tuple[Case, dict, dict] | None:
    """(case, agreement data, body) when this is a meeting the actor may invite guests to."""
    case = case_for(session, actor, case_id)
    row = session.scalar(select(ConferenceCase).where(ConferenceCase.case_id == case.id))
    if row is None or case.status != RUNNING:
        return None
    agreement = session.get(Agreement, case.agreement_id).data
    conference = conference_of(agreement, row.conference_key)
    return (case, agreement, conference) if convening_units(agreement, conference) & actor.org_unit_ids else None


def _offered(session, case: Case, agreement: dict, conference: dict) -> GuestChoices:
    participants = conference.get("participants", {})
    guest_units, guest_contacts = guests_of(session, case.id)
    named_units = set(participants.get("org_units", []))
    units = [(u["id"], f"{u['name']} ({p['short_name']})") for p in agreement["partners"] for u in p["org_units"]]
    named_groups = participants.get("contact_groups", [])
    contacts = [(c.id, f"{c.organisation} – {CONTACT_GROUPS.get(c.contact_group, c.contact_group)}", c.contact_group)
                for c in contacts_of(session, case.agreement_id)]
    invited = [label for unit_id, label in units if unit_id in guest_units] + \
              [label for contact_id, label, _ in contacts if contact_id in guest_contacts]
    return GuestChoices(
        org_units=[(i, label) for i, label in units if i not in named_units and i not in guest_units],
        contacts=[(i, label) for i, label, group in contacts if i not in guest_contacts and group not in named_groups],
        invited=invited)


def invitees(db, case) -> list[str] | None:
    """Who is invited to this meeting (the body's org units and contact groups, then the
    ad-hoc guests), for its task pages; None if the case is no meeting. Organisations only."""
    with db.transaction(read_only=True) as session:
        row = session.scalar(select(ConferenceCase).where(ConferenceCase.case_id == case.id))
        if row is None:
            return None
        agreement = session.get(Agreement, case.agreement_id).data
        participants = conference_of(agreement, row.conference_key).get("participants", {})
        units = {u["id"]: u["name"] for p in agreement["partners"] for u in p["org_units"]}
        guest_units, guest_contacts = guests_of(session, case.id)
        named = [units.get(u, u) for u in participants.get("org_units", [])]
        named += [f"{c.organisation}" for c in contacts_of(session, case.agreement_id, participants.get("contact_groups", []))]
        guests = [units.get(u, u) for u in guest_units]
        guests += [c.organisation for c in contacts_of(session, case.agreement_id) if c.id in guest_contacts]
        return named + [f"{name} (zusätzlich eingeladen)" for name in guests]


def guest_choices(db, actor: Actor, case_id: int) -> GuestChoices | None:
    """For the case page: what the actor may invite to this meeting, or None."""
    with db.transaction(read_only=True) as session:
        found = _meeting(session, actor, case_id)
        return _offered(session, *found) if found else None


def invite_guests(db, clock, actor: Actor, case_id: int, org_unit_ids: list[str], contact_ids: list[str]) -> int:
    """Invite the chosen org units and contacts (one transaction); returns how many were added.
    Raises ValidationFailed (German, by field) or NotFound."""
    now = clock.now()
    with db.transaction() as session:
        found = _meeting(session, actor, case_id)
        if found is None:
            raise NotFound("Zu diesem Vorgang können Sie keine Teilnehmenden einladen.")
        case, agreement, conference = found
        offered = _offered(session, case, agreement, conference)
        units = [i for i, _ in offered.org_units if i in set(org_unit_ids)]
        contacts = [i for i, _ in offered.contacts if str(i) in set(contact_ids)]
        if not units and not contacts:
            raise ValidationFailed({"guests": NOTHING_CHOSEN})
        for unit_id in units:
            session.add(MeetingGuest(case_id=case.id, org_unit_id=unit_id, invited_at=now, invited_by_id=actor.user_id))
        for contact_id in contacts:
            session.add(MeetingGuest(case_id=case.id, contact_id=contact_id, invited_at=now,
                                     invited_by_id=actor.user_id))
        record(session, now, "case.guests_invited", case_id=case.id, actor_id=actor.user_id,
               guests=len(units) + len(contacts))
        meeting = _fixed_meeting(session, case.id)
        if meeting is not None:  # the date is fixed already: the new guests are invited at once
            chosen = [c for c in contacts_of(session, case.agreement_id) if c.id in contacts]
            invite(session, case, conference, meeting, units, chosen, now)
        return len(units) + len(contacts)


def _fixed_meeting(session, case_id: int) -> dict | None:
    """The meeting fields of the last date fixed for this case, once invitations went out."""
    sent = session.scalar(select(HistoryEvent.id).where(HistoryEvent.case_id == case_id,
                                                        HistoryEvent.kind == "case.invitations_sent").limit(1))
    if sent is None:
        return None
    event = session.scalar(select(HistoryEvent).where(
        HistoryEvent.case_id == case_id, HistoryEvent.kind == "task.completed",
        HistoryEvent.form_name.like(f"{DATE_FORM}%")).order_by(HistoryEvent.id.desc()).limit(1))
    data = (event.details or {}).get("data", {}) if event is not None else {}
    return {k: data.get(k) for k in MEETING_FIELDS} if data.get("meeting_date") else None
