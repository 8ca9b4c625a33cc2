"""Case administration for administrators and the leads of the case's agreement: suspend and
resume, reset to an earlier step, move to a newer version of its diagram.

Every command is one transaction with the optimistic version check on the case, and writes
its entry in the case history (who, why) and in the audit log. A suspended case fires no
timers (``save_workflow`` keeps its next timer empty) and its tasks cannot be completed
(``require_not_suspended``); resuming makes its timers due again as the diagram has them, so
one that came due meanwhile fires in the worker's next round.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from workflows.cases.instances import load_workflow, save_workflow
from workflows.engine import runtime
from workflows.engine.changes import CannotChange, completed_step, migrate, migration_problems, reset_to
from workflows.errors import Conflict, NotFound, ValidationFailed
from workflows.people.access import Actor
from workflows.store.audit_log import append
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition, current_definition
from workflows.store.history import record
from workflows.store.organisation import AgreementRole
from workflows.store.tasks import COMPLETED as TASK_COMPLETED
from workflows.store.tasks import OPEN, HumanTask

NOT_FOUND = "Diesen Vorgang gibt es nicht, oder Sie dürfen ihn nicht verwalten."
SUSPENDED = ("Der Vorgang ist angehalten. Seine Aufgaben können erst wieder erledigt werden, wenn ihn die "
             "Administration oder die Leitung fortsetzt.")
NOT_RUNNING = "Nur laufende Vorgänge können verwaltet werden."
CHANGED = "Der Vorgang wurde inzwischen geändert. Bitte laden Sie die Seite neu."
REASON_MISSING = "Bitte geben Sie einen Grund an; er steht im Verlauf des Vorgangs."
MAX_REASON = 500
SUSPEND, RESUME, RESET, MIGRATE = "case.suspended", "case.resumed", "case.reset", "case.migrated"
HISTORY_LABELS = {SUSPEND: "Vorgang angehalten", RESUME: "Vorgang fortgesetzt",
                  RESET: "Vorgang auf einen früheren Schritt zurückgesetzt",
                  MIGRATE: "Vorgang auf eine neuere Fassung des Ablaufs umgestellt"}


@dataclass(frozen=True)
class Step:
    task_id: int  # the completed task row
    name: str


@dataclass(frozen=True)
class CaseAdministration:
    """What the administration page shows about one case."""

    case: Case
    suspended: bool
    steps: list[Step]  # completed steps it can be reset to, newest first
    definition_id: int
    newer_definition_id: int | None
    migration_problems: list[str]  # why it cannot move to the newer version (empty: it can)


def may_administer(session, actor: Actor, case: Case) -> bool:
    """Administrators, and the leads of an org unit acting under the case's agreement."""
    if actor.is_admin:
        return True
    if not actor.lead_org_unit_ids:
        return False
    return session.scalar(select(AgreementRole.org_unit_id).where(
        AgreementRole.agreement_id == case.agreement_id,
        AgreementRole.org_unit_id.in_(sorted(actor.lead_org_unit_ids))).limit(1)) is not None


def _case(db, session, actor: Actor | None, case_id: int, lock: bool = True) -> Case:
    case = db.claim(session, Case, case_id) if lock else session.get(Case, case_id)
    if case is None or (actor is not None and not may_administer(session, actor, case)):
        raise NotFound(NOT_FOUND)
    return case


def require_not_suspended(case: Case) -> None:
    if case.suspended_at is not None:
        raise Conflict(SUSPENDED)


def required_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": REASON_MISSING})
    if len(text) > MAX_REASON:
        raise ValidationFailed({"reason": f"Der Grund darf höchstens {MAX_REASON} Zeichen lang sein."})
    return text


def _log(session, now, kind: str, actor: Actor | None, case: Case, reason: str, **details) -> None:
    actor_id = actor.user_id if actor else None
    record(session, now, kind, case_id=case.id, actor_id=actor_id, reason=reason, **details)
    append(session, now, kind, actor_id=actor_id, case_id=case.id, case_number=case.case_number,
           target="Vorgang" + ("" if actor else " (Kommandozeile)"))


def administration_of(db, actor: Actor, case_id: int) -> CaseAdministration:
    with db.transaction() as session:
        case = _case(db, session, actor, case_id, lock=False)
        rows = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                       HumanTask.state == TASK_COMPLETED)
                               .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())).all()
        steps, problems, newer = [], [], None
        if case.status == RUNNING and case.state:
            workflow = load_workflow(session, case, clock=None)
            seen = set()
            for row in rows:
                try:
                    completed_step(workflow, row.spiff_task_id)
                except CannotChange:
                    continue
                if row.spiff_task_id not in seen:
                    seen.add(row.spiff_task_id)
                    steps.append(Step(row.id, row.name))
            current = current_definition(session, case.process_key)
            if current is not None and current.id != case.definition_id:
                newer = current.id
                problems = migration_problems(workflow, current.bpmn_xml.encode(), current.filename, case.process_key)
        return CaseAdministration(case, case.suspended_at is not None, steps, case.definition_id, newer, problems)


def suspend_case(db, clock, actor: Actor | None, case_id: int, reason: str) -> None:
    reason = required_reason(reason)
    with _one_command(), db.transaction() as session:
        case = _case(db, session, actor, case_id)
        _require_running(case)
        if case.suspended_at is not None:
            raise Conflict("Der Vorgang ist bereits angehalten.")
        now = clock.now()
        case.suspended_at, case.next_timer_due, case.updated_at = now, None, now
        _log(session, now, SUSPEND, actor, case, reason)


def resume_case(db, clock, actor: Actor | None, case_id: int, reason: str) -> None:
    reason = required_reason(reason)
    with _one_command(), db.transaction() as session:
        case = _case(db, session, actor, case_id)
        _require_running(case)
        if case.suspended_at is None:
            raise Conflict("Der Vorgang ist nicht angehalten.")
        now = clock.now()
        case.suspended_at = None
        definition = session.get(ProcessDefinition, case.definition_id)
        workflow = load_workflow(session, case, clock)
        save_workflow(session, case, definition, workflow, now, actor.user_id if actor else None)
        _log(session, now, RESUME, actor, case, reason)


def reset_case(db, clock, actor: Actor | None, case_id: int, task_id: int, reason: str) -> None:
    """Back to the completed step ``task_id``: it is open again in its groups' inboxes, what came
    after it is undone (its open tasks close); the entered data stay in the history."""
    reason = required_reason(reason)
    with _one_command(), db.transaction() as session:
        case = _case(db, session, actor, case_id)
        _require_running(case)
        row = session.get(HumanTask, task_id)
        if row is None or row.case_id != case.id or row.state != TASK_COMPLETED:
            raise ValidationFailed({"task_id": "Bitte wählen Sie einen erledigten Schritt dieses Vorgangs."})
        now = clock.now()
        definition = session.get(ProcessDefinition, case.definition_id)
        workflow = load_workflow(session, case, clock)
        try:
            notices = reset_to(workflow, row.spiff_task_id, clock)
        except CannotChange as exc:
            raise ValidationFailed({"task_id": exc.reason}) from exc
        save_workflow(session, case, definition, workflow, now, actor.user_id if actor else None, notices)
        _log(session, now, RESET, actor, case, reason, step=row.name)


def migrate_case(db, clock, actor: Actor | None, case_id: int, reason: str) -> ProcessDefinition:
    """Move the case to the current version of its diagram; Conflict with the reason when it cannot."""
    reason = required_reason(reason)
    with _one_command(), db.transaction() as session:
        case = _case(db, session, actor, case_id)
        _require_running(case)
        current = current_definition(session, case.process_key)
        if current is None or current.id == case.definition_id:
            raise Conflict("Der Vorgang läuft bereits auf der neuesten Fassung seines Ablaufs.")
        now = clock.now()
        workflow = load_workflow(session, case, clock)
        try:
            notices = migrate(workflow, current.bpmn_xml.encode(), current.filename, case.process_key, clock)
        except CannotChange as exc:
            raise Conflict(f"Der Vorgang kann nicht umgestellt werden: {exc.reason}") from exc
        before = case.definition_id
        case.definition_id = current.id
        save_workflow(session, case, current, workflow, now, actor.user_id if actor else None, notices)
        _rename_open_tasks(session, case, current, workflow)
        _log(session, now, MIGRATE, actor, case, reason, from_version=before, to_version=current.id)
        return current


@dataclass(frozen=True)
class MigrationReport:
    moved: list[str]  # case numbers
    stayed: list[tuple[str, str]]  # (case number, reason)


def migrate_all(db, clock, actor: Actor | None, process_key: str, reason: str) -> MigrationReport:
    """Every running case of ``process_key`` on an older version, each in its own transaction;
    those that cannot move stay where they are, with the reason."""
    reason = required_reason(reason)
    with db.transaction() as session:
        current = current_definition(session, process_key)
        if current is None:
            raise NotFound("Diesen Ablauf gibt es nicht.")
        candidates = session.execute(select(Case.id, Case.case_number).where(
            Case.process_key == process_key, Case.status == RUNNING, Case.definition_id != current.id)
            .order_by(Case.id)).all()
    moved, stayed = [], []
    for case_id, number in candidates:
        try:
            migrate_case(db, clock, actor, case_id, reason)
            moved.append(number)
        except NotFound:
            continue  # not this lead's agreement
        except Conflict as exc:
            stayed.append((number, exc.message))
    return MigrationReport(moved, stayed)


def _rename_open_tasks(session, case: Case, definition: ProcessDefinition, workflow) -> None:
    """Open tasks that kept their place carry the new version's names and forms."""
    ready = {t.spiff_id: t for t in runtime.ready_human_tasks(workflow)}
    for row in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == OPEN)):
        task = ready.get(row.spiff_task_id)
        if task is not None:
            row.bpmn_id, row.name = task.bpmn_id, task.name
            row.form_name = definition.user_tasks.get(task.bpmn_id, {}).get("form") or row.form_name


def _require_running(case: Case) -> None:
    if case.status != RUNNING or not case.state:
        raise Conflict(NOT_RUNNING)


class _one_command:
    """A version conflict (someone else changed the case meanwhile) as a German Conflict."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, _trace):
        if kind is not None and issubclass(kind, StaleDataError):
            raise Conflict(CHANGED) from exc
        return False
