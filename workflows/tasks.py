"""Commands on human tasks: complete with form data, claim, give back, hand over.

Each command is one transaction: load the case, check who may act, act on the running
instance, write it back with the optimistic version check, sync task rows, append the
history. When someone else was first, nothing is written and the caller gets Conflict.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from workflows.agreements.effects import apply_effect
from workflows.annual.cohort import track_cohort
from workflows.annual.data_set import check_uploads, keep_figures
from workflows.annual.form_rules import annual_form_errors
from workflows.annual.requests import record_figures
from workflows.bodies.invitations import send_invitations, sends_invitations
from workflows.cases.administration import require_not_suspended
from workflows.cases.approvals import Decision, decided_so_far, is_approval, pending_request, record_decision
from workflows.cases.documents import StoredUpload, add_documents, file_fields
from workflows.cases.instances import close_task, load_workflow, reading_workflow, save_workflow
from workflows.cases.notes import NOTE_MAX
from workflows.cases.plausible_dates import implausible_dates
from workflows.clock import berlin_date
from workflows.engine import runtime
from workflows.errors import Conflict, Forbidden, KoopflowError, StepFailed, ValidationFailed
from workflows.forms import validate_form
from workflows.mail.notifications import mail_task
from workflows.people.absences import is_deputy_of, stand_in
from workflows.people.access import Actor, require_lead_or_assignee, task_for
from workflows.processes.properties import PANEL, PREFILL
from workflows.store import incidents
from workflows.store.agreement_versions import AgreementVersion, remember_version
from workflows.store.case_notes import CaseNote
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.drafts import TaskDraft, draft_of, forget_drafts_of_task
from workflows.store.history import record
from workflows.store.incidents import Incident
from workflows.store.tasks import COMPLETED, OPEN, HumanTask, in_groups_of, org_units_of_task
from workflows.store.users import User, members_of

STEP_FAILED = ("Der nächste Schritt dieses Vorgangs ist fehlgeschlagen. Ihre Eingaben wurden nicht gespeichert. "
               "Die Störung ist unter Nr. {number} erfasst; die Administration kann sie beheben. "
               "Bitte versuchen Sie es später noch einmal.")
log = logging.getLogger(__name__)
ALREADY_DONE = "Diese Aufgabe wurde inzwischen von jemand anderem erledigt. Ihre Eingaben wurden nicht gespeichert."
# (task, JSON Schema, UI schema) -> (typed and validated data, stored uploads by field)
FormCheck = Callable[[HumanTask, dict | None, dict | None], tuple[dict, dict[str, StoredUpload]]]
TAKEN = "Diese Aufgabe bearbeitet bereits {name}."
NOT_YOURS = ("Diese Aufgabe bearbeitet {name}. Übernehmen können sie nur die Vertretung während einer "
             "Abwesenheit oder die Leitung der Gruppe.")
REASON_MISSING = "Bitte geben Sie an, warum Sie die Aufgabe einer Kollegin oder einem Kollegen abnehmen."
REASON_LENGTH = 500


@dataclass
class TaskView:
    task: HumanTask
    case: Case
    schema: dict | None
    ui: dict | None
    groups: list[str]
    assignee_name: str | None
    colleagues: list[tuple[str, str]]  # (username, display name) of the task's groups
    prefill: dict  # data the form starts with (tasks marked prefill="true"), else {}
    properties: dict = field(default_factory=dict)  # the user task's properties in its diagram
    case_data: dict = field(default_factory=dict)  # the case's data, for a task page's panel only
    draft: TaskDraft | None = None  # the actor's own saved draft of this task's form
    decided_by: list[str] = field(default_factory=list)  # an approval's other approvers who already decided


def task_view(db, actor: Actor, task_id: int) -> TaskView:
    with db.transaction(read_only=True) as session:
        task = task_for(session, actor, task_id)
        case = session.get(Case, task.case_id)
        definition = session.get(ProcessDefinition, case.definition_id)
        schema, ui = form_of(definition, task)
        assignee = session.get(User, task.assignee_id) if task.assignee_id else None
        groups = org_units_of_task(session, task.id)
        colleagues = [(u.username, u.display_name) for u in members_of(session, groups)]
        prefill = _prefill(session, case, definition, task, schema)
        properties = definition.user_tasks.get(task.bpmn_id, {}).get("properties", {})
        case_data = panel_data(session, case, task) if properties.get(PANEL.name) else {}
        draft = draft_of(session, task.id, actor.user_id) if task.state == OPEN else None
        decided_by = decided_so_far(session, task, other_than=actor.user_id) if is_approval(properties) else []
        return TaskView(task, case, schema, ui, groups, assignee.display_name if assignee else None,
                        colleagues, prefill, properties, case_data, draft, decided_by)


def panel_data(session, case: Case, task: HumanTask) -> dict:
    """The case's data as the task sees it, for a panel beside the form (service/parts/panels.py)."""
    with reading_workflow(session, case) as workflow:
        return runtime.task_data(workflow, task.spiff_task_id) if task.state == OPEN else dict(workflow.data)


def task_form(db, actor: Actor, task_id: int) -> tuple[HumanTask, dict | None, dict | None]:
    """The task and its form (JSON Schema, UI schema): what checking a sent form needs, no more."""
    with db.transaction(read_only=True) as session:
        task = task_for(session, actor, task_id)
        definition_id = session.scalar(select(Case.definition_id).where(Case.id == task.case_id))
        return (task, *form_of(session.get(ProcessDefinition, definition_id), task))


def _prefill(session, case: Case, definition: ProcessDefinition, task: HumanTask, schema) -> dict:
    """For a task marked ``prefill``, the values its form's fields already have in the case
    (e.g. a handover started from a row of a named list). Other tasks start empty, so a
    second review round does not show the first round's answer as if it were new."""
    properties = definition.user_tasks.get(task.bpmn_id, {}).get("properties", {})
    if properties.get(PREFILL.name) != "true" or task.state != OPEN or not schema:
        return {}
    with reading_workflow(session, case) as workflow:
        data = runtime.task_data(workflow, task.spiff_task_id)
    return {key: data[key] for key in schema.get("properties", {}) if key in data}


def form_of(definition: ProcessDefinition, task: HumanTask) -> tuple[dict | None, dict | None]:
    info = definition.user_tasks.get(task.bpmn_id, {})
    return definition.forms.get(info.get("form") or ""), definition.forms.get(info.get("ui_form") or "")


def complete_task(db, clock, actor: Actor, task_id: int, data: dict | None = None,
                  uploads: dict[str, StoredUpload] | None = None, channel: str = "page",
                  check: FormCheck | None = None) -> Case:
    """Complete the task with ``data`` (already typed JSON). Raises ValidationFailed, Conflict.

    ``uploads`` are files already checked and stored (workflows.cases.documents.store_upload), by
    field name: each becomes a Document row of the case in this same transaction, and its id
    the field's value. A file field takes nothing else, so a client cannot point it at some
    other document by sending a number.

    ``check`` instead of ``data`` and ``uploads``: a posted form still to be read, in this same
    command, against the task's form as read here (task, case and version are read once):
    ``check(task, schema, ui)`` returns the typed, validated data and the stored uploads, or
    raises ValidationFailed; its data are not validated again."""
    try:
        with recording_step_failures(db, clock), db.transaction() as session:
            held = read_with_case(session, task_id, actor)  # the look-ups below find these rows in the session
            remember_version(session, held.AgreementVersion if held is not None else None)
            task = task_for(session, actor, task_id, in_groups=held.in_groups if held is not None else None)
            _require_open(task)
            if task.assignee_id not in (None, actor.user_id):
                raise Conflict(TAKEN.format(name=session.get(User, task.assignee_id).display_name))
            case = session.get(Case, task.case_id)
            require_not_suspended(case)
            definition = session.get(ProcessDefinition, case.definition_id)
            schema, ui = form_of(definition, task)
            now = clock.now()
            if check is not None:
                data, uploads = check(task, schema, ui)
            files = {field.name for field in file_fields(schema or {}, ui)}
            data = {k: v for k, v in data.items() if k not in files}
            data.update(add_documents(session, now, actor.user_id, case.id, task.id,
                                      {k: v for k, v in (uploads or {}).items() if k in files}))
            data_set = check_uploads(session, case, {k: v for k, v in (uploads or {}).items() if k in files})
            errors = {**data_set.errors, **(validate_form(schema or {}, data) if check is None else {})}  # a check validated already
            rules = {**implausible_dates(schema or {}, data, clock.today()),
                     **annual_form_errors(session, case, task.form_name, data)}
            for name, message in rules.items():
                errors.setdefault(name, message)  # plausible dates; the rules that need the year's case (§ 8 b, c)
            if errors:
                raise ValidationFailed(errors)
            if is_approval(definition.user_tasks.get(task.bpmn_id, {}).get("properties", {})):
                return _decide_in_form(session, clock, actor, case, definition, task, data, channel)
            finish_task(session, clock, case, definition, task, data, actor.user_id, schema,
                        open_incident=held.open_incident, drafts=held.drafts)
            keep_figures(session, case, data_set, now)  # § 9: the figures the checked data set names
            return case
    except StaleDataError as exc:
        raise Conflict(ALREADY_DONE) from exc


def read_with_case(session, task_id: int, actor: Actor):
    """The task, its case, the case's process version and the agreement version it is pinned
    to in one statement (a command reads all four; the session's ``get`` and ``version_of``
    find them afterwards), with whether the task has an open incident (a failed completion),
    drafts, and sits in one of the actor's groups: (task, case, definition, agreement version or
    None, open_incident, drafts, in_groups), or None."""
    return session.execute(_WITH_CASE, {"task_id": task_id, "subject": task_completion_subject(task_id),
                                        "actor_units": sorted(actor.org_unit_ids)}).first()


_WITH_CASE = (  # built once: every completion runs it
    select(HumanTask, Case, ProcessDefinition, AgreementVersion,
           select(Incident.id).where(Incident.subject == bindparam("subject"),
                                     Incident.status == incidents.OPEN).exists().label("open_incident"),
           select(TaskDraft.task_id).where(TaskDraft.task_id == HumanTask.id).exists().label("drafts"),
           in_groups_of(HumanTask.id, bindparam("actor_units", expanding=True)).label("in_groups"))
    .join(Case, Case.id == HumanTask.case_id).join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
    .outerjoin(AgreementVersion, (AgreementVersion.agreement_id == Case.agreement_id)
               & (AgreementVersion.number == Case.agreement_version))
    .where(HumanTask.id == bindparam("task_id")))


class EngineStepFailed(Exception):
    """Raised out of a command's transaction when its engine steps failed (see ``finish_task``)."""

    def __init__(self, case_id: int, task_id: int, element: str | None):
        super().__init__(f"engine step after task {task_id} failed")
        self.case_id, self.task_id, self.element = case_id, task_id, element


@contextmanager
def recording_step_failures(db, clock) -> Iterator[None]:
    """Wrap a command's transaction: when its engine steps failed the transaction is already
    rolled back; an incident is written in a new one and the user gets StepFailed (German)."""
    try:
        yield
    except EngineStepFailed as failed:
        cause = failed.__cause__ or failed
        with db.transaction() as session:
            incident = incidents.record_incident(
                session, clock.now(), incidents.TASK_COMPLETION, task_completion_subject(failed.task_id), cause,
                case_id=failed.case_id, element=incidents.element_of(cause) or failed.element)
            number = incident.id
        log.warning("incident %s: engine step after task %s of case %s failed with %s", number, failed.task_id,
                    failed.case_id, incidents.exception_class(cause))
        raise StepFailed(STEP_FAILED.format(number=number)) from cause


def task_completion_subject(task_id: int) -> str:
    return f"{incidents.TASK_COMPLETION}:{task_id}"


def finish_task(session, clock, case: Case, definition: ProcessDefinition, task: HumanTask, data: dict,
                actor_id: int | None, schema: dict | None, open_incident: bool = True, drafts: bool = True) -> None:
    """Complete the instance's task with ``data`` and write everything back (inside a command).
    ``open_incident``, ``drafts``: False when the command read that the task has none to close
    (``read_with_case``).

    An error of the engine steps (not a German one, not the database's) leaves as
    EngineStepFailed; ``recording_step_failures`` around the transaction turns it into an
    incident once the transaction is rolled back."""
    try:
        _finish_task(session, clock, case, definition, task, data, actor_id, schema, drafts)
    except (KoopflowError, SQLAlchemyError):
        raise
    except Exception as exc:
        raise EngineStepFailed(case.id, task.id, task.bpmn_id) from exc
    if open_incident:
        incidents.resolve_open(session, task_completion_subject(task.id), clock.now())


def _finish_task(session, clock, case: Case, definition: ProcessDefinition, task: HumanTask, data: dict,
                 actor_id: int | None, schema: dict | None, drafts: bool) -> None:
    now = clock.now()
    workflow = load_workflow(session, case, clock)
    info = definition.user_tasks.get(task.bpmn_id, {})
    effect = apply_effect(session, clock, case, info, runtime.task_data(workflow, task.spiff_task_id), data, actor_id)
    notices = runtime.complete(workflow, task.spiff_task_id, {**data, **effect}, clock)
    after = runtime.data_after(workflow, task.spiff_task_id)
    record_figures(session, case, info, definition.forms, after, now)
    track_cohort(session, case, task.form_name, data, now)  # § 8 b: each person is followed to the takeover
    if sends_invitations(info.get("properties", {})):
        send_invitations(session, case, after, now)
    transient = transient_fields(schema or {})
    runtime.forget(workflow, transient)
    if actor_id is not None:
        task.assignee_id = actor_id
    close_task(session, task, COMPLETED, now, actor_id)
    if drafts:
        forget_drafts_of_task(session, task.id)
    record(session, now, "task.completed", case_id=case.id, actor_id=actor_id,
           task_name=task.name, form_name=task.form_name,
           data={k: v for k, v in data.items() if k not in transient},
           withheld={k: len(v) if isinstance(v, list) else 1 for k, v in data.items() if k in transient})
    save_workflow(session, case, definition, workflow, now, actor_id, notices)


def _decide_in_form(session, clock, actor: Actor, case, definition, task, data: dict, channel: str) -> Case:
    """An approval task completed through its form is that approver's decision (page or API)."""
    request = pending_request(session, task.id, actor.user_id)
    if request is None:
        raise Forbidden("Über diese Aufgabe entscheiden die angefragten Personen; Sie sind nicht darunter "
                        "oder haben schon entschieden.")
    decision = Decision(data.get("decision") == "approve", data.get("comment"), channel)
    result = record_decision(session, request, task, decision, clock.now())
    if result is not None:
        finish_task(session, clock, case, definition, task, result, actor.user_id, None)
    return case


def claim_task(db, clock, actor: Actor, task_id: int) -> None:
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        _require_open(task)
        if task.assignee_id == actor.user_id:
            return
        if task.assignee_id is not None:
            raise Conflict(TAKEN.format(name=session.get(User, task.assignee_id).display_name))
        # Conditional: of two colleagues claiming at once exactly one UPDATE changes the row (on
        # PostgreSQL the second waits for the first's row lock, then finds the task taken).
        won = session.execute(
            update(HumanTask).where(HumanTask.id == task.id, HumanTask.assignee_id.is_(None), HumanTask.state == OPEN)
            .values(assignee_id=actor.user_id).execution_options(synchronize_session=False)).rowcount
        session.refresh(task)
        if won != 1:
            _require_open(task)
            raise Conflict(TAKEN.format(name=session.get(User, task.assignee_id).display_name))
        record(session, clock.now(), "task.claimed", case_id=task.case_id, actor_id=actor.user_id,
               task_name=task.name)


def unclaim_task(db, clock, actor: Actor, task_id: int) -> None:
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        _require_open(task)
        require_lead_or_assignee(session, actor, task)
        task.assignee_id = None
        record(session, clock.now(), "task.unclaimed", case_id=task.case_id, actor_id=actor.user_id,
               task_name=task.name)


def hand_over_task(db, clock, actor: Actor, task_id: int, colleague_username: str, reason: str = "",
                   note: str = "") -> None:
    """Give the task to a colleague who belongs to one of the task's groups (to their deputy
    while they are away). The group's lead may do so with a task someone else claimed, and
    says why (``reason``, kept in the case history). A ``note`` for the colleague is kept as an
    internal note of the task's agency (the other agency never reads it; never mailed)."""
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        _require_open(task)
        require_lead_or_assignee(session, actor, task)
        reason = _reason_for(session, actor, task, reason)
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            raise ValidationFailed({"handover_note": f"Die Notiz zur Übergabe darf höchstens {NOTE_MAX} Zeichen lang "
                                                     f"sein (jetzt {len(note)})."})
        colleague = session.query(User).filter(User.username == colleague_username, User.active).one_or_none()
        groups = set(org_units_of_task(session, task.id))
        if colleague is None or not groups.intersection(m.org_unit_id for m in colleague.memberships):
            raise Forbidden("Die Aufgabe kann nur an eine Kollegin oder einen Kollegen der Gruppe übergeben werden.")
        colleague = session.get(User, stand_in(session, colleague.id, berlin_date(clock.now())))
        task.assignee_id = colleague.id
        if note and task.agency_id:
            session.add(CaseNote(case_id=task.case_id, agency_id=task.agency_id, author_id=actor.user_id,
                                 body=f"Beim Übergeben von „{task.name}“ an {colleague.display_name}: {note}",
                                 created_at=clock.now()))
        mail_task(session, clock.now(), task, [colleague], assigned=True)
        record(session, clock.now(), "task.handed_over", case_id=task.case_id, actor_id=actor.user_id,
               task_name=task.name, to=colleague.display_name, **({"reason": reason} if reason else {}))


def take_over_task(db, clock, actor: Actor, task_id: int, reason: str = "") -> None:
    """Take a task someone else claimed: as their deputy while they are away, or as the lead of
    the task's group with a reason. Anyone else is refused (Forbidden)."""
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        _require_open(task)
        if task.assignee_id in (None, actor.user_id):
            task.assignee_id = actor.user_id
            record(session, clock.now(), "task.claimed", case_id=task.case_id, actor_id=actor.user_id,
                   task_name=task.name)
            return
        holder = session.get(User, task.assignee_id)
        deputy = is_deputy_of(session, actor, task.assignee_id, berlin_date(clock.now()))
        if not deputy and not actor.lead_org_unit_ids.intersection(org_units_of_task(session, task.id)):
            raise Forbidden(NOT_YOURS.format(name=holder.display_name))
        reason = reason.strip() if deputy else _reason_for(session, actor, task, reason)
        task.assignee_id = actor.user_id
        record(session, clock.now(), "task.taken_over", case_id=task.case_id, actor_id=actor.user_id,
               task_name=task.name, **{"from": holder.display_name},
               reason=reason or f"Vertretung für {holder.display_name}")


def may_take_over(db, clock, actor: Actor, task: HumanTask) -> bool:
    """Whether the actor may take this task from the person who claimed it (deputy or lead)."""
    if task.assignee_id in (None, actor.user_id):
        return False
    with db.transaction() as session:
        return is_deputy_of(session, actor, task.assignee_id, berlin_date(clock.now())) or bool(
            actor.lead_org_unit_ids.intersection(org_units_of_task(session, task.id)))


def _reason_for(session, actor: Actor, task: HumanTask, reason: str) -> str:
    """A lead moving a task someone else claimed must say why; the assignee need not."""
    reason = (reason or "").strip()
    if task.assignee_id not in (None, actor.user_id) and not reason:
        raise ValidationFailed({"reason": REASON_MISSING})
    if len(reason) > REASON_LENGTH:
        raise ValidationFailed({"reason": f"Der Grund darf höchstens {REASON_LENGTH} Zeichen lang sein."})
    return reason


DRAFT_LIMIT = 200_000  # characters of typed values a draft keeps (the request limit is 2 MB)


def save_draft(db, clock, actor: Actor, task_id: int, values: dict[str, list[str]]) -> None:
    """Keep the typed values of the task's form for the actor, without checking or completing
    anything. Files are not kept in a draft. Raises Conflict when the task is done or someone
    else's."""
    values = {k: [str(v) for v in vs] for k, vs in values.items() if k != "csrf_token"}
    if sum(len(k) + sum(len(v) for v in vs) for k, vs in values.items()) > DRAFT_LIMIT:
        raise ValidationFailed({"": "Der Entwurf ist zu lang, um ihn zu speichern."})
    with db.transaction() as session:
        task = task_for(session, actor, task_id)
        _require_open(task)
        if task.assignee_id not in (None, actor.user_id):
            raise Conflict(TAKEN.format(name=session.get(User, task.assignee_id).display_name))
        draft = draft_of(session, task.id, actor.user_id)
        if draft is None:
            session.add(TaskDraft(task_id=task.id, user_id=actor.user_id, values=values, saved_at=clock.now()))
        else:
            draft.values, draft.saved_at = values, clock.now()


def transient_fields(schema: dict) -> set[str]:
    """Fields used by the process and then forgotten (``"x-transient": true``): kept neither in
    the case's state nor in its history, e.g. birth dates pasted only to count them."""
    return {k for k, p in schema.get("properties", {}).items() if isinstance(p, dict) and p.get("x-transient")}


def _require_open(task: HumanTask) -> None:
    if task.state != OPEN:
        raise Conflict(ALREADY_DONE)
