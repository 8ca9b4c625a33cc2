"""Setting and clearing one's Wiedervorlage on a task or a whole case (see
workflows/store/follow_ups.py).

A Wiedervorlage is personal: only the user who set it is affected (their Posteingang, their
digest); colleagues see the task or case as before. The date must lie after today (Berlin) and
within a year; the note is optional and short. One on a case holds back every open task of the
case from the owner's open work and comes back on its day as a row of its own in the Posteingang
("Wieder vorgelegte Vorgänge"), also when the case has no task for them then (the other agency's
turn), until they mark it done."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from workflows.cases.inbox import DATE_MESSAGE, parse_date
from workflows.clock import berlin_date
from workflows.errors import Conflict, ValidationFailed
from workflows.people.access import Actor, case_for, may_see_case, task_for
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.follow_ups import CaseFollowUp, TaskFollowUp, case_follow_up_of, follow_up_of
from workflows.store.tasks import OPEN

NOTE_MAX = 1000
MAX_ROWS = 200
MAX_AHEAD = timedelta(days=366)
CLOSED = "Diese Aufgabe ist bereits erledigt; eine Wiedervorlage ist nicht mehr nötig."


def set_follow_up(db, clock, actor: Actor, task_id: int, due_text: str, note: str | None) -> date:
    """Set (or move) the actor's Wiedervorlage; one transaction. Raises NotFound (not their
    task), Conflict (task done), ValidationFailed (German messages per field)."""
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        if task.state != OPEN:
            raise Conflict(CLOSED)
        due_on, note = _checked(clock, due_text, note, "die Aufgabe")
        _keep(session, follow_up_of(session, task.id, actor.user_id),
              lambda: TaskFollowUp(task_id=task.id, user_id=actor.user_id), due_on, note, clock.now())
        return due_on


def _keep(session, existing, new, due_on: date, note: str | None, now) -> None:
    """Set a Wiedervorlage (task or case): the existing row moved, else ``new()`` added."""
    row = existing if existing is not None else new()
    row.due_on, row.note, row.created_at = due_on, note, now
    if existing is None:
        session.add(row)


def _checked(clock, due_text: str, note: str | None, what: str) -> tuple[date, str | None]:
    """The date and note, or ValidationFailed with a German message per field."""
    today = berlin_date(clock.now())
    errors, due_on = {}, None
    try:
        due_on = parse_date(due_text) if (due_text or "").strip() else None
        if due_on is None:
            errors["follow_up_on"] = f"Bitte geben Sie an, wann {what} wieder vorgelegt werden soll."
    except ValueError:
        errors["follow_up_on"] = DATE_MESSAGE
    if due_on is not None and due_on <= today:
        errors["follow_up_on"] = "Das Datum der Wiedervorlage muss nach dem heutigen Tag liegen."
    elif due_on is not None and due_on > today + MAX_AHEAD:
        errors["follow_up_on"] = "Eine Wiedervorlage kann höchstens ein Jahr im Voraus gesetzt werden."
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        errors["follow_up_note"] = f"Die Notiz zur Wiedervorlage darf höchstens {NOTE_MAX} Zeichen lang sein."
    if errors:
        raise ValidationFailed(errors)
    return due_on, note


def clear_follow_up(db, actor: Actor, task_id: int) -> None:
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        existing = follow_up_of(session, task.id, actor.user_id)
        if existing is not None:
            session.delete(existing)


def my_follow_up(db, actor: Actor, task_id: int) -> TaskFollowUp | None:
    with db.transaction(read_only=True) as session:
        task_for(session, actor, task_id)
        found = follow_up_of(session, task_id, actor.user_id)
        if found is not None:
            session.expunge(found)
        return found


@dataclass(frozen=True)
class CaseFollowUpRow:
    """One of the reader's Wiedervorlagen on a case, for their Posteingang (never mailed)."""

    case_id: int
    case_number: str
    process_name: str
    subject: str | None  # only while the reader may see the case
    due_on: date
    note: str | None


def set_case_follow_up(db, clock, actor: Actor, case_id: int, due_text: str, note: str | None) -> date:
    """Set (or move) the actor's Wiedervorlage on a case they may see; one transaction. Raises
    NotFound, ValidationFailed (German messages per field)."""
    with db.transaction() as session:
        case = case_for(session, actor, case_id)
        due_on, note = _checked(clock, due_text, note, "der Vorgang")
        _keep(session, case_follow_up_of(session, case.id, actor.user_id),
              lambda: CaseFollowUp(case_id=case.id, user_id=actor.user_id), due_on, note, clock.now())
        return due_on


def clear_case_follow_up(db, actor: Actor, case_id: int) -> None:
    """Also "erledigt" once it has come back: the row leaves the Posteingang."""
    with db.transaction() as session:
        case = case_for(session, actor, case_id)
        existing = case_follow_up_of(session, case.id, actor.user_id)
        if existing is not None:
            session.delete(existing)


def my_case_follow_up(db, actor: Actor, case_id: int) -> CaseFollowUp | None:
    with db.transaction(read_only=True) as session:
        case_for(session, actor, case_id)
        found = case_follow_up_of(session, case_id, actor.user_id)
        if found is not None:
            session.expunge(found)
        return found


def my_case_follow_ups(db, actor: Actor, due_by: date | None = None, limit: int = MAX_ROWS) -> list[CaseFollowUpRow]:
    """The actor's Wiedervorlagen on cases, by date (those due by ``due_by`` only, if given): few
    per person. A case they may no longer see is listed without its subject."""
    with db.transaction(read_only=True) as session:
        query = (select(CaseFollowUp, Case, ProcessDefinition.name)
                 .join(Case, Case.id == CaseFollowUp.case_id)
                 .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
                 .where(CaseFollowUp.user_id == actor.user_id))
        if due_by is not None:
            query = query.where(CaseFollowUp.due_on <= due_by)
        query = query.order_by(CaseFollowUp.due_on, Case.id).limit(limit)
        return [CaseFollowUpRow(case.id, case.case_number, process_name,
                                case.subject if may_see_case(session, actor, case) else None, follow_up.due_on,
                                follow_up.note)
                for follow_up, case, process_name in session.execute(query)]
