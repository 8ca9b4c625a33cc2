"""Reading cases: the Vorgang as a caseworker sees it, and the list of one's cases."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.cases.cancellation import may_cancel
from workflows.cases.notes import NoteView, agencies_of, notes_for
from workflows.cases.withdrawal import withdrawal_possible
from workflows.people.access import Actor, case_for
from workflows.store.annual import figures_of_case
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.documents import Document, documents_of_case
from workflows.store.history import HistoryEvent, history_of
from workflows.store.organisation import Agreement
from workflows.store.tasks import HumanTask, case_ids_seen_by_org_units, open_tasks_of_case, org_units_of_task
from workflows.store.users import User


@dataclass
class CaseView:
    case: Case
    agreement_name: str
    process_name: str
    definition: ProcessDefinition
    open_tasks: list[tuple[HumanTask, list[str]]]  # task and the org units it waits in
    history: list[tuple[HistoryEvent, str | None]]  # event and the actor's display name
    documents: list[tuple[Document, str | None]] = field(default_factory=list)  # and the uploader's name
    figures: list[tuple[str, int]] = field(default_factory=list)  # an annual request's delivered figures
    ending: tuple[HistoryEvent, str | None] | None = None  # declined / withdrawn / cancelled: why, by whom
    can_cancel: bool = False
    can_withdraw: bool = False
    notes: list[NoteView] = field(default_factory=list)  # internal notes of the actor's agency only
    note_agencies: dict[str, str] = field(default_factory=dict)  # whom a new note may be kept for


ENDING_KINDS = ("case.declined", "case.withdrawn", "case.cancelled")


def case_view(db, actor: Actor, case_id: int) -> CaseView:
    with db.transaction(read_only=True) as session:
        case = case_for(session, actor, case_id)
        definition = session.get(ProcessDefinition, case.definition_id)
        agreement = session.get(Agreement, case.agreement_id)
        open_tasks = [(t, org_units_of_task(session, t.id)) for t in open_tasks_of_case(session, case.id)]
        events = history_of(session, case.id)
        documents = documents_of_case(session, case.id)
        names = display_names(session, {e.actor_id for e in events if e.actor_id}
                              | {d.uploaded_by_id for d in documents if d.uploaded_by_id})
        history = [(e, names.get(e.actor_id)) for e in events]
        ending = next(((e, n) for e, n in reversed(history) if e.kind in ENDING_KINDS), None)
        running = case.status == RUNNING
        return CaseView(case, agreement.name, definition.name, definition, open_tasks, history,
                        [(d, names.get(d.uploaded_by_id)) for d in documents], figures_of_case(session, case.id),
                        ending, running and may_cancel(session, actor, case),
                        running and withdrawal_possible(session, actor, case),
                        notes_for(session, actor, case.id), agencies_of(session, actor))


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())


def cases_of(db, actor: Actor, limit: int = 50) -> list[Case]:
    """The newest cases the actor's org units take part in."""
    with db.transaction() as session:
        seen = case_ids_seen_by_org_units(session, sorted(actor.org_unit_ids))
        query = (
            select(Case)
            .where((Case.id.in_(seen)) | (Case.created_by_id == actor.user_id))
            .order_by(Case.id.desc())
            .limit(limit)
        )
        return list(session.scalars(query))
