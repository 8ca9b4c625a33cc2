"""Running cases and a newer version of their process: which can move to it, which cannot.

Behind the version page of the current version: for each running case of the process on an
older version (of the agreements the viewer administers) SpiffWorkflow's workflow diff says
whether it can move (``migration_problems``); moving is ``administration.migrate_case`` (one
case) or ``migrate_all`` (every one that can), each with its entry in the case history. A case
whose current element the new version removed stays on its version, with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflows.cases.administration import may_administer
from workflows.cases.instances import load_workflow
from workflows.engine.changes import migration_problems
from workflows.people.access import Actor
from workflows.processes.catalogue import version_label
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition, current_definition


@dataclass(frozen=True)
class CaseMove:
    case_id: int
    case_number: str
    on_version: str  # the human name of the version it runs on
    problems: list[str]  # why it cannot move (empty: it can)

    @property
    def can_move(self) -> bool:
        return not self.problems


def moves_to(db, actor: Actor, process_key: str, definition_id: int) -> list[CaseMove] | None:
    """The running cases of older versions the actor may administer, each with whether it can
    move to ``definition_id``; None when that version is not the current one (cases move only
    to the version new cases start with) or the actor administers no agreement."""
    if not (actor.is_admin or actor.lead_org_unit_ids):
        return None
    with db.transaction(read_only=True) as session:
        current = current_definition(session, process_key)
        if current is None or current.id != definition_id:
            return None
        labels = {row.id: version_label(row.number, row.content_hash) for row in session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.process_key == process_key))}
        cases = session.scalars(select(Case).where(
            Case.process_key == process_key, Case.status == RUNNING, Case.definition_id != current.id,
            Case.state.is_not(None)).order_by(Case.id))
        moves = []
        xml = current.bpmn_xml.encode()
        for case in cases:
            if not may_administer(session, actor, case):
                continue
            problems = migration_problems(load_workflow(session, case, clock=None), xml, current.filename,
                                          process_key)
            moves.append(CaseMove(case.id, case.case_number, labels.get(case.definition_id, ""), problems))
        return moves
