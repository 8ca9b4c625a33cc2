"""Internal notes (interne Notizen): a user writes a note on a case they may see; it is kept for
their own agency. The other agency of the case never reads it: not on the case page, not in the
API, not by the note's id (deleting someone else's or a foreign note answers "not found").

Which agency: the one of the user's groups. Someone in groups of several agencies chooses; the
choice must be one of theirs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.errors import NotFound, ValidationFailed
from workflows.people.access import Actor, case_for
from workflows.store.case_notes import CaseNote, notes_of_case
from workflows.store.organisation import Agency, OrgUnit
from workflows.store.users import User

NOTE_MAX = 4000
NOTE_NOT_FOUND = "Diese Notiz gibt es nicht, oder Sie haben keinen Zugriff darauf."


@dataclass(frozen=True)
class NoteView:
    id: int
    body: str
    author: str
    created_at: datetime
    agency: str
    mine: bool


def agencies_of(session: Session, actor: Actor) -> dict[str, str]:
    """The agencies of the actor's groups: id -> short name."""
    if not actor.org_unit_ids:
        return {}
    return dict(session.execute(select(Agency.id, Agency.short_name).join(OrgUnit, OrgUnit.agency_id == Agency.id)
                                .where(OrgUnit.id.in_(sorted(actor.org_unit_ids))).distinct()).all())


def notes_for(session: Session, actor: Actor, case_id: int) -> list[NoteView]:
    """The notes of ``case_id`` the actor may read (their agencies'). The caller has checked
    that the actor may see the case."""
    agencies = agencies_of(session, actor)
    notes = notes_of_case(session, case_id, set(agencies))
    names = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({n.author_id for n in notes}))).all()) if notes else {}
    return [NoteView(n.id, n.body, names.get(n.author_id, ""), n.created_at, agencies[n.agency_id],
                     n.author_id == actor.user_id) for n in notes]


def add_note(db, clock, actor: Actor, case_id: int, body: str, agency_id: str | None = None) -> int:
    """Keep a note for the actor's agency; one transaction. Raises NotFound (case not theirs),
    ValidationFailed (empty, too long, no or a foreign agency)."""
    with db.transaction() as session:
        case = case_for(session, actor, case_id)
        agencies = agencies_of(session, actor)
        errors = {}
        body = (body or "").strip()
        if not body:
            errors["note"] = "Bitte geben Sie den Text der Notiz ein."
        elif len(body) > NOTE_MAX:
            errors["note"] = f"Die Notiz darf höchstens {NOTE_MAX} Zeichen lang sein (jetzt {len(body)})."
        if not agencies:
            errors["note"] = "Notizen können nur Mitarbeitende eines Trägers schreiben."
        elif len(agencies) == 1:
            agency_id = next(iter(agencies))
        elif agency_id not in agencies:
            errors["note_agency"] = "Bitte wählen Sie, für welchen Träger die Notiz gilt."
        if errors:
            raise ValidationFailed(errors)
        note = CaseNote(case_id=case.id, agency_id=agency_id, author_id=actor.user_id, body=body,
                        created_at=clock.now())
        session.add(note)
        session.flush()
        return note.id


def delete_note(db, actor: Actor, case_id: int, note_id: int) -> None:
    """The author deletes their own note. Anyone else's, or one of another case: NotFound."""
    with db.transaction() as session:
        case_for(session, actor, case_id)
        note = session.get(CaseNote, note_id)
        if note is None or note.case_id != case_id or note.author_id != actor.user_id \
                or note.agency_id not in agencies_of(session, actor):
            raise NotFound(NOTE_NOT_FOUND)
        session.delete(note)
