"""Setting and clearing one's Wiedervorlage on a task (see workflows/store/follow_ups.py).

A Wiedervorlage is personal: only the user who set it is affected (their Posteingang, their
digest); colleagues see the task as before. The date must lie after today (Berlin) and within a
year; the note is optional and short."""
from __future__ import annotations

from datetime import date, timedelta

from workflows.cases.inbox import DATE_MESSAGE, parse_date
from workflows.clock import berlin_date
from workflows.errors import Conflict, ValidationFailed
from workflows.people.access import Actor, task_for
from workflows.store.follow_ups import TaskFollowUp, follow_up_of
from workflows.store.tasks import OPEN

NOTE_MAX = 1000
MAX_AHEAD = timedelta(days=366)
CLOSED = "Diese Aufgabe ist bereits erledigt; eine Wiedervorlage ist nicht mehr nötig."


def set_follow_up(db, clock, actor: Actor, task_id: int, due_text: str, note: str | None) -> date:
    """Set (or move) the actor's Wiedervorlage; one transaction. Raises NotFound (not their
    task), Conflict (task done), ValidationFailed (German messages per field)."""
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        if task.state != OPEN:
            raise Conflict(CLOSED)
        today = berlin_date(clock.now())
        errors, due_on = {}, None
        try:
            due_on = parse_date(due_text) if (due_text or "").strip() else None
            if due_on is None:
                errors["follow_up_on"] = "Bitte geben Sie an, wann die Aufgabe wieder vorgelegt werden soll."
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
        existing = follow_up_of(session, task.id, actor.user_id)
        if existing is None:
            session.add(TaskFollowUp(task_id=task.id, user_id=actor.user_id, due_on=due_on, note=note,
                                     created_at=clock.now()))
        else:
            existing.due_on, existing.note, existing.created_at = due_on, note, clock.now()
        return due_on


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
