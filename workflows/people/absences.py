"""Vertretung: recording an absence with a deputy, and who stands in for whom on a day.

The deputy must share a group (org unit) with the absent user, so they can open the tasks
they stand in for. ``stand_in`` is what task assignment asks: a task meant for someone away
today goes to their deputy instead.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from workflows.clock import berlin_date
from workflows.errors import NotFound, ValidationFailed
from workflows.people.access import Actor
from workflows.store.absences import Absence, absence_on, absences_of
from workflows.store.users import User, members_of, user_by_username

DEPUTY_MISSING = "Bitte wählen Sie aus, wer Sie vertritt."
END_BEFORE_START = "Das Ende der Abwesenheit muss am oder nach ihrem Beginn liegen."
END_IN_PAST = "Das Ende der Abwesenheit darf nicht in der Vergangenheit liegen."
MAX_DAYS = 366
TOO_LONG = f"Eine Abwesenheit darf höchstens {MAX_DAYS} Tage dauern; tragen Sie längere in Abschnitten ein."


def colleagues(db, actor: Actor) -> list[tuple[str, str]]:
    """(username, display name) of the active members of the actor's groups, without the actor."""
    with db.transaction() as session:
        return [(u.username, u.display_name) for u in members_of(session, sorted(actor.org_unit_ids))
                if u.id != actor.user_id]


def record_absence(db, clock, actor: Actor, starts_on: date | None, ends_on: date | None,
                   deputy_username: str, errors: dict[str, str] | None = None) -> Absence:
    """Record the actor's absence; ``errors`` are the caller's messages for unreadable dates."""
    errors = dict(errors or {})
    today = berlin_date(clock.now())
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", END_BEFORE_START)
    elif ends_on and ends_on < today:
        errors.setdefault("ends_on", END_IN_PAST)
    elif starts_on and ends_on and (ends_on - starts_on).days >= MAX_DAYS:
        errors.setdefault("ends_on", TOO_LONG)
    if starts_on is None:
        errors.setdefault("starts_on", "Bitte geben Sie an, ab wann Sie abwesend sind.")
    if ends_on is None:
        errors.setdefault("ends_on", "Bitte geben Sie an, bis wann Sie abwesend sind.")
    allowed = dict(colleagues(db, actor))
    if deputy_username not in allowed:
        errors.setdefault("deputy", DEPUTY_MISSING)
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as session:
        deputy = user_by_username(session, deputy_username)
        absence = Absence(user_id=actor.user_id, deputy_id=deputy.id, starts_on=starts_on, ends_on=ends_on,
                          created_at=clock.now())
        session.add(absence)
        session.flush()
        return absence


def cancel_absence(db, actor: Actor, absence_id: int) -> None:
    with db.transaction() as session:
        absence = session.get(Absence, absence_id)
        if absence is None or absence.user_id != actor.user_id:
            raise NotFound("Diese Abwesenheit gibt es nicht.")
        session.delete(absence)


def my_absences(db, clock, actor: Actor) -> list[tuple[Absence, str]]:
    """The actor's current and coming absences with the deputy's name."""
    with db.transaction() as session:
        return [(a, session.get(User, a.deputy_id).display_name)
                for a in absences_of(session, actor.user_id, berlin_date(clock.now()))]


def stand_in(session: Session, user_id: int, day: date) -> int:
    """Who gets a task meant for ``user_id`` on ``day``: their deputy while they are away (if
    the deputy is still active), else they themselves."""
    absence = absence_on(session, user_id, day)
    deputy = active_deputy(session, absence.deputy_id) if absence is not None else None
    return deputy.id if deputy is not None else user_id


def active_deputy(session: Session, deputy_id: int) -> User | None:
    """The deputy an absence names, while they are still active (else nobody stands in)."""
    deputy = session.get(User, deputy_id)
    return deputy if deputy is not None and deputy.active else None


def is_deputy_of(session: Session, actor: Actor, user_id: int | None, day: date) -> bool:
    absence = absence_on(session, user_id, day) if user_id else None
    return absence is not None and absence.deputy_id == actor.user_id
