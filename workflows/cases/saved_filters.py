"""Saved Vorgänge filters of a user: save, list with counts, delete. Only one's own."""
from __future__ import annotations

from dataclasses import dataclass

from workflows.cases.case_list import CaseFilter, count_cases, filter_from_params
from workflows.errors import NotFound, ValidationFailed
from workflows.people.access import Actor
from workflows.store.saved_filters import NAME_LENGTH, SavedFilter, filter_of, filters_of

NAME_MISSING = "Bitte geben Sie einen Namen für den Filter an."
NAME_TOO_LONG = f"Der Name des Filters darf höchstens {NAME_LENGTH} Zeichen lang sein."
NAME_TAKEN = "Sie haben schon einen Filter mit diesem Namen."
NOTHING_TO_SAVE = "Bitte wählen Sie erst einen Filter oder geben Sie einen Suchbegriff ein."


COUNT_CAP = 100  # the Posteingang counts each saved filter's cases up to here (its cost stays flat)


@dataclass(frozen=True)
class SavedView:
    id: int
    name: str
    params: dict
    count: int | None = None  # at most COUNT_CAP + 1: more reads "mehr als COUNT_CAP"

    @property
    def more_than_cap(self) -> bool:
        return self.count is not None and self.count > COUNT_CAP


def save_filter(db, clock, actor: Actor, name: str, filters: CaseFilter) -> SavedView:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": NAME_MISSING})
    if len(name) > NAME_LENGTH:
        raise ValidationFailed({"name": NAME_TOO_LONG})
    if filters.is_default:
        raise ValidationFailed({"name": NOTHING_TO_SAVE})
    with db.transaction() as session:
        if any(f.name == name for f in filters_of(session, actor.user_id)):
            raise ValidationFailed({"name": NAME_TAKEN})
        row = SavedFilter(user_id=actor.user_id, name=name, params=filters.as_params(), created_at=clock.now())
        session.add(row)
        session.flush()
        return SavedView(row.id, row.name, dict(row.params))


def my_filters(db, actor: Actor, with_counts: bool = False) -> list[SavedView]:
    with db.transaction() as session:
        views = [SavedView(f.id, f.name, dict(f.params)) for f in filters_of(session, actor.user_id)]
    if not with_counts:
        return views
    return [SavedView(v.id, v.name, v.params, count_cases(db, actor, filter_from_params(v.params), cap=COUNT_CAP))
            for v in views]


def my_filter(db, actor: Actor, filter_id: int) -> SavedView | None:
    with db.transaction() as session:
        row = filter_of(session, actor.user_id, filter_id)
        return SavedView(row.id, row.name, dict(row.params)) if row else None


def delete_filter(db, actor: Actor, filter_id: int) -> None:
    with db.transaction() as session:
        row = filter_of(session, actor.user_id, filter_id)
        if row is None:
            raise NotFound("Diesen Filter gibt es nicht.")
        session.delete(row)
