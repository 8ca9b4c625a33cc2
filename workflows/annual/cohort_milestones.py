"""The milestones of a cohort entry before the expected end of school, and chasing the missed ones.

The agreement data name each milestone's distance from the expected end of school and which
side answers for it (``school_leaver_cohort``): the handover started (the Landkreis), the
Bundesagentur für Arbeit's participation planning requested (the LWV, where the handover says
vocational participation is in question), the takeover confirmed (the LWV).

A milestone not met by its day is missed. The worker's round then reminds the members of the
side's office role once, and ``escalation_working_days`` working days later escalates to its
lead role once — like a waiting task (``workflows/cases/reminders.py``): in the case history,
by mail without personal data (the list's row number and the date, never the person), each
entry in its own transaction and error boundary. The last two milestones are chased once a
handover exists (before, the first milestone's reminders go to the side that must start it);
a handover that ended (declined, withdrawn) is chased no further.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from workflows.agreements.partner_roles import units_for_role
from workflows.agreements.versions import data_of_case
from workflows.clock import berlin_date
from workflows.legal_dates import add_working_days, months_before
from workflows.mail.notifications import notice_raised
from workflows.store import incidents
from workflows.store.cases import CANCELLED, DECLINED, WITHDRAWN, Case
from workflows.store.cohort import CohortEntry, CohortNotice, notices_of
from workflows.store.history import record
from workflows.store.tasks import COMPLETED, HumanTask

HANDOVER_STARTED, PARTICIPATION_REQUESTED, TAKEOVER_CONFIRMED = \
    "handover_started", "participation_requested", "takeover_confirmed"
LABELS = {HANDOVER_STARTED: "Übergabe begonnen",
          PARTICIPATION_REQUESTED: "Teilhabeplanverfahren bei der Bundesagentur für Arbeit angefragt",
          TAKEOVER_CONFIRMED: "Übernahme bestätigt"}
ORDER = (HANDOVER_STARTED, PARTICIPATION_REQUESTED, TAKEOVER_CONFIRMED)
PARTICIPATION_TASK, REVIEW_TASK = "request_participation_planning", "review_handover"
DEFAULT_ESCALATION_DAYS = 5
ENDED = (DECLINED, WITHDRAWN, CANCELLED)
KIND = incidents.COHORT_MILESTONE


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    due_on: date
    met_on: date | None
    applies: bool  # False: not asked of this person (no vocational participation, handover ended)
    reminded_on: date | None = None
    escalated_on: date | None = None

    def state(self, today: date) -> str:
        if not self.applies:
            return "entfällt"
        if self.met_on is not None:
            late = " (verspätet)" if self.met_on > self.due_on else ""
            return f"erreicht am {self.met_on:%d.%m.%Y}{late}"
        if today > self.due_on:
            return f"versäumt (fällig am {self.due_on:%d.%m.%Y})"
        return f"fällig am {self.due_on:%d.%m.%Y}"


def settings_of(agreement: dict) -> dict:
    return agreement.get("school_leaver_cohort") or {}


def due_on(school_end: date, milestone: dict) -> date:
    if milestone.get("months_before"):
        return months_before(school_end, int(milestone["months_before"]))
    return school_end - timedelta(weeks=int(milestone["weeks_before"]))


def milestones_of(session, list_case: Case, entry: CohortEntry, handover: Case | None, status: str,
                  today: date) -> list[Milestone]:
    settings = settings_of(data_of_case(session, list_case)).get("milestones") or {}
    sent = notices_of(session, [entry.id])
    ended = status in ENDED or status == "relisted"
    found = []
    for key in ORDER:
        if key not in settings:
            continue
        met, applies = _met(session, key, entry, handover)
        reminded, escalated = sent.get((entry.id, key, "reminder")), sent.get((entry.id, key, "escalation"))
        found.append(Milestone(key, LABELS[key], due_on(entry.expected_school_end, settings[key]), met,
                               applies and not (ended and met is None),
                               berlin_date(reminded) if reminded else None, berlin_date(escalated) if escalated else None))
    return found


def _met(session, key: str, entry: CohortEntry, handover: Case | None) -> tuple[date | None, bool]:
    if key == HANDOVER_STARTED:
        return (berlin_date(handover.created_at) if handover else None), True
    if key == TAKEOVER_CONFIRMED:
        return entry.takeover_confirmed_on, True
    if handover is None:
        return None, True
    tasks = session.execute(select(HumanTask.bpmn_id, HumanTask.state, HumanTask.completed_at).where(
        HumanTask.case_id == handover.id, HumanTask.bpmn_id.in_((PARTICIPATION_TASK, REVIEW_TASK)))).all()
    requested = [at for bpmn_id, state, at in tasks if bpmn_id == PARTICIPATION_TASK and state == COMPLETED]
    if requested:
        return berlin_date(min(requested)), True
    offered = any(bpmn_id == REVIEW_TASK for bpmn_id, _, _ in tasks)
    asked = any(bpmn_id == PARTICIPATION_TASK for bpmn_id, _, _ in tasks)
    return None, asked or not offered  # offered without vocational participation: not asked


def chase_milestones(db, clock) -> int:
    """Send the reminders and escalations of missed milestones due today; returns how many."""
    today = berlin_date(clock.now())
    with db.transaction() as session:
        waiting = incidents.open_subjects(session, clock.now(), KIND)
        ids = list(session.scalars(select(CohortEntry.id).where(
            CohortEntry.next_chase_on <= today, CohortEntry.relisted.is_(False),
            CohortEntry.takeover_confirmed_on.is_(None)).order_by(CohortEntry.id)))
    sent: list[int] = []
    for entry_id in ids:
        incidents.run_unit(db, clock, KIND, f"{KIND}:{entry_id}", waiting,
                           lambda entry_id=entry_id: sent.append(chase_entry(db, clock, entry_id)))
    return sum(sent)


def chase_entry(db, clock, entry_id: int) -> int:
    with db.transaction() as session:
        entry = session.get(CohortEntry, entry_id)
        list_case = session.get(Case, entry.list_case_id)
        handover = session.get(Case, entry.handover_case_id) if entry.handover_case_id else None
        if handover is not None and handover.status in ENDED:
            entry.next_chase_on = None
            return 0
        agreement = data_of_case(session, list_case)
        settings = settings_of(agreement)
        days = int(settings.get("escalation_working_days", DEFAULT_ESCALATION_DAYS))
        now, today, count = clock.now(), berlin_date(clock.now()), 0
        status = "running" if handover else "not_started"
        upcoming = []
        for milestone in milestones_of(session, list_case, entry, handover, status, today):
            if not milestone.applies or milestone.met_on is not None:
                continue
            escalate_on = add_working_days(milestone.due_on, days, agreement.get("holiday_subdivision", "HE"))
            waiting = [day for day, sent in ((milestone.due_on + timedelta(days=1), milestone.reminded_on),
                                             (escalate_on, milestone.escalated_on)) if sent is None]
            if milestone.key != HANDOVER_STARTED and handover is None:
                upcoming += [max(day, today + timedelta(days=1)) for day in waiting]  # looked at daily until started
                continue  # nothing the other side can do yet: the first milestone chases the start
            roles = settings["milestones"][milestone.key]
            case = handover or list_case
            if milestone.reminded_on is None and today > milestone.due_on:
                count += _tell(session, now, case, entry, milestone, "reminder", units_for_role(session, list_case, roles["office"]))
            if milestone.escalated_on is None and today >= escalate_on:
                count += _tell(session, now, case, entry, milestone, "escalation", units_for_role(session, list_case, roles["lead"]))
            upcoming += [day for day in waiting if day > today]
        gives_up = entry.expected_school_end + timedelta(days=365)  # a year after school: nothing is chased
        entry.next_chase_on = min(upcoming) if upcoming and min(upcoming) <= gives_up else None
        return count


def _tell(session, now, case: Case, entry: CohortEntry, milestone: Milestone, kind: str, units: list[str]) -> int:
    """History and mail of one missed milestone; the text names the list and row, never the person."""
    text = (f"§ 8 b Liste {entry.list_year}, Zeile {entry.row_index + 1}: „{milestone.label}“ war bis "
            f"{milestone.due_on:%d.%m.%Y} fällig")
    session.add(CohortNotice(entry_id=entry.id, milestone=milestone.key, kind=kind, sent_at=now))
    record(session, now, f"cohort.milestone_{kind}", case_id=case.id, task_name=text, org_units=units,
           milestone=milestone.key, due_on=milestone.due_on.isoformat())
    notice_raised(session, now, case, kind, text, units)
    return 1
