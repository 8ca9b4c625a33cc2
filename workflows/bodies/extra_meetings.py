"""An extra meeting of a body, convened by a partner between the agreed ones (Anlage 2: the
207 conference meets "mindestens 2×"; § 5: "bei Bedarf").

Whoever may work in a body (its organisers, the units managing a conference or acting as its
partner, the partners' leads) may convene an extra meeting of any enabled body of their
agreement, with its reason. It runs like every meeting of that body: the same diagram, the
managing partner of the year fixes the date and invites; its date is due after the working
days the agreement gives a meeting's date (``task_deadlines.meeting_date``), not before the
year's end. Extra meetings are numbered from ``EXTRA_FROM`` on, so they never take the number
of a meeting the calendar opens later (also after an amendment adds one).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflows.bodies.conferences import Meeting, case_roles, enabled_conferences, managing_partner, start_data
from workflows.cases.starting import begin_case
from workflows.errors import Conflict, NotFound, ValidationFailed
from workflows.legal_dates import add_working_days
from workflows.people.access import Actor
from workflows.processes.diagram_functions import at_workday_start
from workflows.store.conferences import ConferenceCase
from workflows.store.definitions import current_definition
from workflows.store.history import record
from workflows.store.organisation import Agreement, in_force

EXTRA_FROM = 1001
CONVENING_ROLES = ("conference_management", "conference_partner")
DEFAULT_DATE_DAYS = 10
REASON_MAX = 1000
NO_BODY = "Bitte wählen Sie das Gremium, das zusätzlich tagen soll."
NO_REASON = "Bitte nennen Sie den Anlass der zusätzlichen Sitzung."
LONG_REASON = f"Der Anlass darf höchstens {REASON_MAX} Zeichen lang sein."
RACED = "Gleichzeitig wurde eine weitere Sitzung dieses Gremiums einberufen. Bitte versuchen Sie es noch einmal."


@dataclass(frozen=True)
class Body:
    """A body an actor may convene: ``choice`` is what the form posts ("agreement:key")."""

    agreement_id: str
    agreement_name: str
    key: str
    title: str
    reference: str

    @property
    def choice(self) -> str:
        return f"{self.agreement_id}:{self.key}"


def convening_units(agreement: dict, conference: dict) -> set[str]:
    roles = agreement.get("roles", {})
    units = set(conference["organisers"])
    for role in (*CONVENING_ROLES, *agreement.get("escalation_roles", {}).values()):
        units.update(roles.get(role, []))
    return units


def bodies_to_convene(db, actor: Actor) -> list[Body]:
    with db.transaction(read_only=True) as session:
        agreements = [(session.get(Agreement, agreement_id).name, agreement_id, data)
                      for agreement_id, data, _ends_on in in_force(session)]
    return [Body(agreement_id, name, c["key"], c["title"], c.get("reference", ""))
            for name, agreement_id, data in sorted(agreements) for c in enabled_conferences(data)
            if convening_units(data, c) & actor.org_unit_ids]


def convene_extra_meeting(db, clock, actor: Actor, choice: str, reason: str) -> tuple[int, str]:
    """Open an extra meeting of the chosen body (one transaction); returns its case id and number.
    Raises ValidationFailed (German, by field), NotFound for a body the actor may not convene."""
    reason = (reason or "").strip()
    errors = {}
    if not choice:
        errors["body"] = NO_BODY
    if not reason:
        errors["reason"] = NO_REASON
    elif len(reason) > REASON_MAX:
        errors["reason"] = LONG_REASON
    if errors:
        raise ValidationFailed(errors)
    body = next((b for b in bodies_to_convene(db, actor) if b.choice == choice), None)
    if body is None:
        raise NotFound("Dieses Gremium gibt es nicht, oder Sie können keine Sitzung dafür einberufen.")
    today, now = clock.today(), clock.now()
    try:
        with db.transaction() as session:
            agreement = session.get(Agreement, body.agreement_id)
            conference = next(c for c in enabled_conferences(agreement.data) if c["key"] == body.key)
            highest = session.scalar(select(func.max(ConferenceCase.occurrence)).where(
                ConferenceCase.agreement_id == body.agreement_id, ConferenceCase.conference_key == body.key,
                ConferenceCase.year == today.year, ConferenceCase.occurrence >= EXTRA_FROM))
            meeting = Meeting(body.key, today.year, (highest or EXTRA_FROM - 1) + 1, today)
            definition = current_definition(session, conference["process"])
            days = agreement.data.get("task_deadlines", {}).get("meeting_date", DEFAULT_DATE_DAYS)
            date_due = add_working_days(today, days, agreement.data["holiday_subdivision"])
            data = {**start_data(conference, meeting, agreement.data), "extra_meeting": True, "extra_reason": reason,
                    "date_due": date_due.isoformat(), "date_reminder_at": at_workday_start(date_due)}
            roles = case_roles(conference, agreement.data, today.year, set(definition.lanes.values()))
            case, _tasks = begin_case(session, clock, agreement, definition, actor.user_id, data, roles,
                                      managing_partner(conference, agreement.data, today.year))
            session.add(ConferenceCase(agreement_id=body.agreement_id, conference_key=body.key, year=today.year,
                                       occurrence=meeting.occurrence, case_id=case.id, opened_at=now))
            record(session, now, "case.extra_meeting", case_id=case.id, actor_id=actor.user_id,
                   conference=body.key, reason=reason)
            session.flush()
            return case.id, case.case_number
    except IntegrityError as exc:
        raise Conflict(RACED) from exc
