"""Process change by agreement: a changed diagram proposed, checked, reviewed, consented, in effect.

A lead of a partner (or a member of an owner role the agreement names) proposes a changed
diagram of a process, and changed forms of its tasks (JSON Schema, UI schema; only the changed
ones are stored, the others stay the base version's), with a change note and an effective
date. A changed form must be JSON and, for a task's form, valid JSON Schema. The proposal runs the same
checks as a diagram at start-up (sandbox, forms, properties, gateway defaults, DI) plus the
lanes against every agreement that runs the process, and is refused with the message naming
the element. Reviewers of those agreements see the diff and comment on its elements (review
comments belong to the process key and element id). Every agreement that runs the process says
in ``process_changes.consent`` whose leads must consent (one lead per role); on the last consent
the proposal becomes the next Fassung, in effect from its date: new cases start on it, running
cases stay until moved (version page).
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from workflows.clock import BERLIN, berlin_date
from workflows.errors import DefinitionError, NotFound, ValidationFailed
from workflows.people.access import Actor
from workflows.processes.catalogue import Element, Version, elements_of, version_of, viewer_agreements
from workflows.processes.definitions import check_definition, check_lanes_against_roles, make_current, parse_form
from workflows.processes.diff import ProcessDiff, diff
from workflows.processes.form_diff import FormChange, form_changes
from workflows.store.definitions import FROM_PROPOSAL, ProcessDefinition, next_number
from workflows.store.organisation import ENDED, Agreement, OrgUnit
from workflows.store.process_proposals import ADOPTED, OPEN, ProcessProposal

MAX_NOTE, MAX_XML = 2000, 2_000_000
NOT_FOUND = "Diesen Änderungsvorschlag gibt es nicht, oder Sie dürfen ihn nicht sehen."
MAY_NOT_PROPOSE = ("Änderungen an diesem Prozess schlagen die Leitungen der Partner oder die Prozessverantwortlichen "
                   "einer Vereinbarung vor, die ihn nutzt.")
NOTE_MISSING = "Bitte schreiben Sie, was sich ändert und warum; das steht bei der neuen Fassung."
NOTE_TOO_LONG = f"Der Änderungsgrund darf höchstens {MAX_NOTE} Zeichen lang sein."
DIAGRAM_MISSING = "Bitte ändern Sie das Diagramm im Editor oder laden Sie eine BPMN-Datei hoch."
DIAGRAM_TOO_LARGE = "Die BPMN-Datei ist zu groß (höchstens 2 MB)."
DOCTYPE_REFUSED = "Die BPMN-Datei darf keine DOCTYPE- oder ENTITY-Angaben enthalten."
DATE_INVALID = "Bitte geben Sie das Datum, ab dem die Änderung gilt, als TT.MM.JJJJ an."
DATE_PAST = "Das Datum, ab dem die Änderung gilt, darf nicht in der Vergangenheit liegen."
NOTHING_CHANGED = "Diagramm und Formulare sind unverändert; es gibt nichts zuzustimmen."
MAX_FORM = 200_000
FORM_TOO_LARGE = "Das Formular {name} ist zu groß (höchstens 200 000 Zeichen)."
OTHER_PROCESS = "Die Datei enthält den Prozess {found}, nicht {expected}. Bitte laden Sie das Diagramm dieses Prozesses."
NO_CONSENT_RULE = ("Die Vereinbarung {name} regelt nicht, wer Prozessänderungen zustimmt (process_changes); "
                   "so kann keine Änderung wirksam werden.")
NOT_YOURS = "Sie können diesem Vorschlag nicht zustimmen: keine Ihrer Leitungsrollen muss noch zustimmen."
NOT_OPEN = "Über diesen Vorschlag ist schon entschieden."
ELEMENT = re.compile(r"(?:Element|Lane) ([A-Za-z_][\w.-]*)")


@dataclass(frozen=True)
class ConsentSlot:
    """One consent a proposal needs: a lead of ``role`` under ``agreement_id``."""

    agreement_id: str
    agreement_name: str
    role: str
    units: str  # the org units that act in the role, for the reader
    given_by: str | None = None
    given_at: str | None = None


@dataclass(frozen=True)
class EditableForm:
    """One form file the diagram uses, as the change page offers it for editing."""

    name: str  # file name in forms/
    key: str  # the posted field's name (and error key)
    text: str  # its JSON, indented
    is_schema: bool  # a task's JSON Schema (else its UI schema)
    tasks: str  # the names of the tasks that use it


@dataclass
class ProposalView:
    proposal: ProcessProposal
    process_name: str
    base: Version
    diff: ProcessDiff
    elements: list[Element]
    slots: list[ConsentSlot]
    mine: list[ConsentSlot]  # the open slots the viewer may fill
    agreements: list[tuple[str, str]] = field(default_factory=list)  # the viewer's, for comments
    agreement_id: str | None = None
    version: Version | None = None  # the Fassung it became
    forms: list[FormChange] = field(default_factory=list)  # the forms it changes, field by field


def form_key(name: str) -> str:
    """The posted field (and error key) of a form file: ``form-handover_review-schema-json``."""
    return "form-" + re.sub(r"[^\w-]", "-", name)


def editable_forms(definition: ProcessDefinition) -> list[EditableForm]:
    """The forms of a version's user tasks, each task's schema before its UI schema."""
    tasks: dict[str, list[str]] = {}
    ui_names = set()
    for task in (definition.user_tasks or {}).values():
        for name in (task.get("form"), task.get("ui_form")):
            if name:
                tasks.setdefault(name, []).append(task.get("name") or task["id"])
        if task.get("ui_form"):
            ui_names.add(task["ui_form"])
    forms = definition.forms or {}
    return [EditableForm(name, form_key(name), json.dumps(forms[name], ensure_ascii=False, indent=2),
                         name not in ui_names, ", ".join(dict.fromkeys(tasks[name])))
            for name in sorted(tasks, key=lambda n: (n.split(".")[0], n in ui_names)) if name in forms]


def changed_forms(definition: ProcessDefinition, posted: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """The posted forms that differ from the version's ({file: schema}), and the errors
    ({form key: German message}) of those that are no JSON or, for a task's form, no JSON Schema."""
    changed, errors = {}, {}
    for form in editable_forms(definition):
        text = posted.get(form.key)
        if text is None:
            continue
        if len(text) > MAX_FORM:
            errors[form.key] = FORM_TOO_LARGE.format(name=form.name)
            continue
        try:
            schema = parse_form(text, form.name, check_schema=form.is_schema)
        except DefinitionError as exc:
            errors[form.key] = str(exc)
            continue
        if schema != definition.forms[form.name]:
            changed[form.name] = schema
    return changed, errors


def running_agreements(session, process_key: str) -> list[Agreement]:
    """The agreements (not ended) that run the process: all of them must agree to change it."""
    rows = session.scalars(select(Agreement).where(Agreement.status != ENDED).order_by(Agreement.name))
    return [row for row in rows if process_key in row.data.get("processes", [])]


def may_propose(session, actor: Actor, process_key: str) -> bool:
    """A lead of an org unit in any role of an agreement running the process, or a member of
    an org unit in one of its owner roles (``process_changes.owners``)."""
    for agreement in running_agreements(session, process_key):
        roles = agreement.data.get("roles", {})
        units = {u for unit_ids in roles.values() for u in unit_ids}
        owners = {u for role in agreement.data.get("process_changes", {}).get("owners", [])
                  for u in roles.get(role, [])}
        if actor.lead_org_unit_ids & units or actor.org_unit_ids & owners:
            return True
    return False


def consent_slots(session, process_key: str, consents: list[dict]) -> list[ConsentSlot]:
    given = {(c["agreement"], c["role"]): c for c in consents}
    slots = []
    for agreement in running_agreements(session, process_key):
        rule = agreement.data.get("process_changes")
        if not rule:
            raise DefinitionError(NO_CONSENT_RULE.format(name=agreement.name))
        for role in rule["consent"]:
            unit_ids = agreement.data["roles"].get(role, [])
            names = ", ".join(u.name for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(unit_ids))
                                                               .order_by(OrgUnit.name)))
            done = given.get((agreement.id, role))
            slots.append(ConsentSlot(agreement.id, agreement.name, role, names or role,
                                     done["name"] if done else None, done["at"] if done else None))
    return slots


def _slots_of(session, actor: Actor, process_key: str, slots: list[ConsentSlot]) -> list[ConsentSlot]:
    by_id = {a.id: a for a in running_agreements(session, process_key)}
    return [s for s in slots if s.given_by is None
            and actor.lead_org_unit_ids & set(by_id[s.agreement_id].data["roles"].get(s.role, []))]


def parse_effective_on(text: str, today: date) -> date:
    text = (text or "").strip()
    if not text:
        return today
    try:
        day = date.fromisoformat(text) if "-" in text else datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise ValidationFailed({"effective_on": DATE_INVALID}) from None
    if day < today:
        raise ValidationFailed({"effective_on": DATE_PAST})
    return day


def propose_change(db, clock, actor: Actor, process_key: str, base_definition_id: int, xml_text: str,
                   change_note: str, effective_on: str, forms_dir: Path, forms_text: dict[str, str] | None = None) -> int:
    """Check the changed diagram and forms (``forms_text``: {form key: posted JSON}) like at
    start-up and store them as an open proposal; ValidationFailed with German messages (``bpmn``:
    naming the element; a form's key) otherwise. No diagram but changed forms: the base diagram.
    One transaction."""
    note = (change_note or "").strip()
    errors: dict[str, str] = {}
    if not note:
        errors["change_note"] = NOTE_MISSING
    elif len(note) > MAX_NOTE:
        errors["change_note"] = NOTE_TOO_LONG
    try:
        day = parse_effective_on(effective_on, berlin_date(clock.now()))
    except ValidationFailed as failed:
        errors.update(failed.errors)
        day = None
    with db.transaction() as session:
        base = session.get(ProcessDefinition, base_definition_id)
        if base is None or base.process_key != process_key or not may_propose(session, actor, process_key):
            raise NotFound(MAY_NOT_PROPOSE)
        forms, form_errors = changed_forms(base, forms_text or {})
        errors.update(form_errors)
        xml = xml_text or ""
        if not xml.strip() and (forms or form_errors):
            xml = base.bpmn_xml
        if not xml.strip():
            errors["bpmn"] = DIAGRAM_MISSING
        elif len(xml) > MAX_XML:
            errors["bpmn"] = DIAGRAM_TOO_LARGE
        elif "<!DOCTYPE" in xml.upper() or "<!ENTITY" in xml.upper():  # no entity may reach a file
            errors["bpmn"] = DOCTYPE_REFUSED
        elif not form_errors:
            problem = _problem(session, base, xml.encode("utf-8"), forms_dir, forms)
            if problem:
                errors["bpmn"] = problem
        if errors:
            raise ValidationFailed(errors)
        consent_slots(session, process_key, [])  # refuses a process some agreement has no consent rule for
        proposal = ProcessProposal(process_key=process_key, base_definition_id=base.id, bpmn_xml=xml, forms=forms,
                                   change_note=note, proposed_by_id=actor.user_id, proposed_at=clock.now(),
                                   effective_on=day, status=OPEN, consents=[])
        session.add(proposal)
        session.flush()
        return proposal.id


def _problem(session, base: ProcessDefinition, xml: bytes, forms_dir: Path, forms: dict) -> str | None:
    try:
        definition = check_definition(xml, base.filename, forms_dir, {**(base.forms or {}), **forms})
        if definition.process_key != base.process_key:
            return OTHER_PROCESS.format(found=definition.process_key, expected=base.process_key)
        for agreement in running_agreements(session, base.process_key):
            check_lanes_against_roles(definition, agreement.id, agreement.data.get("roles", {}))
    except DefinitionError as exc:
        return str(exc)
    except Exception as exc:  # the parser's own objection (SpiffWorkflow), never a 500
        return f"{base.filename}: SpiffWorkflow kann das Diagramm nicht lesen ({exc})"
    same = session.scalar(select(ProcessDefinition).where(
        ProcessDefinition.process_key == base.process_key,
        ProcessDefinition.content_hash == definition.content_hash))
    if same is not None:
        return NOTHING_CHANGED if same.id == base.id else f"Das Diagramm gleicht der Fassung {same.number}."
    return None


def element_of(message: str) -> str | None:
    """The element a check's message names (for the marker in the editor)."""
    found = ELEMENT.search(message or "")
    return found.group(1) if found else None


def _proposal(session, actor: Actor | None, process_key: str, proposal_id: int) -> ProcessProposal:
    proposal = session.get(ProcessProposal, proposal_id)
    if proposal is None or proposal.process_key != process_key:
        raise NotFound(NOT_FOUND)
    if actor is not None and not actor.is_admin:
        running = {a.id for a in running_agreements(session, process_key)}
        if not running & {a for a, _ in viewer_agreements(session, actor)}:
            raise NotFound(NOT_FOUND)
    return proposal


def proposal_view(db, actor: Actor, process_key: str, proposal_id: int) -> ProposalView:
    with db.transaction() as session:
        proposal = _proposal(session, actor, process_key, proposal_id)
        base = session.get(ProcessDefinition, proposal.base_definition_id)
        forms = base.forms or {}
        new_forms = {**forms, **(proposal.forms or {})}
        changes = diff(base.bpmn_xml, forms, proposal.bpmn_xml, new_forms)
        elements = elements_of(SimpleNamespace(bpmn_xml=proposal.bpmn_xml, forms=new_forms))
        for element in elements:
            element.change = changes.marks.get(element.id)
        slots = consent_slots(session, process_key, proposal.consents)
        running = {a.id for a in running_agreements(session, process_key)}
        agreements = [(a, n) for a, n in viewer_agreements(session, actor) if a in running]
        adopted = session.get(ProcessDefinition, proposal.definition_id) if proposal.definition_id else None
        return ProposalView(proposal, base.name, version_of(session, base), changes, elements, slots,
                            _slots_of(session, actor, process_key, slots) if proposal.status == OPEN else [],
                            agreements, None, version_of(session, adopted) if adopted else None,
                            form_changes(forms, new_forms))


def proposals_of(db, actor: Actor | None, process_key: str) -> list[ProcessProposal]:
    """The process's proposals, newest first (none for a viewer outside its agreements)."""
    with db.transaction() as session:
        if actor is not None and not actor.is_admin:
            running = {a.id for a in running_agreements(session, process_key)}
            if not running & {a for a, _ in viewer_agreements(session, actor)}:
                return []
        rows = list(session.scalars(select(ProcessProposal).where(ProcessProposal.process_key == process_key)
                                    .order_by(ProcessProposal.proposed_at.desc(), ProcessProposal.id.desc())))
        session.expunge_all()
        return rows


def proposal_xml(db, actor: Actor, process_key: str, proposal_id: int) -> str:
    with db.transaction() as session:
        return _proposal(session, actor, process_key, proposal_id).bpmn_xml


def consent(db, clock, actor: Actor, process_key: str, proposal_id: int) -> ProcessDefinition | None:
    """The actor consents for every open slot they lead; the last consent adopts the proposal
    (returns the new version). One transaction."""
    with db.transaction() as session:
        proposal = _proposal(session, actor, process_key, proposal_id)
        if proposal.status != OPEN:
            raise ValidationFailed({"": NOT_OPEN})
        slots = consent_slots(session, process_key, proposal.consents)
        mine = _slots_of(session, actor, process_key, slots)
        if not mine:
            raise ValidationFailed({"": NOT_YOURS})
        now = clock.now()
        proposal.consents = [*proposal.consents, *({"agreement": s.agreement_id, "role": s.role,
                                                    "user_id": actor.user_id, "name": actor.display_name,
                                                    "at": now.isoformat()} for s in mine)]
        if all(s.given_by or s in mine for s in slots):
            return adopt(session, proposal, now)
        return None


def adopt(session, proposal: ProcessProposal, now: datetime) -> ProcessDefinition:
    """The consented proposal as the next Fassung of its process, current from its date."""
    base = session.get(ProcessDefinition, proposal.base_definition_id)
    xml = proposal.bpmn_xml.encode("utf-8")
    definition = check_definition(xml, base.filename, Path("."), {**(base.forms or {}), **(proposal.forms or {})})
    effective_from = datetime.combine(proposal.effective_on, time(0), tzinfo=BERLIN)
    row = ProcessDefinition(
        process_key=proposal.process_key, name=definition.info.name, content_hash=definition.content_hash,
        filename=base.filename, bpmn_xml=proposal.bpmn_xml, forms=definition.forms, lanes=definition.info.lanes,
        user_tasks={t.id: asdict(t) for t in definition.info.user_tasks}, first_seen_at=now, is_current=False,
        number=next_number(session, proposal.process_key), origin=FROM_PROPOSAL, change_note=proposal.change_note,
        brought_in_by_id=proposal.proposed_by_id, effective_from=effective_from)
    session.add(row)
    session.flush()
    proposal.status, proposal.decided_at, proposal.definition_id = ADOPTED, now, row.id
    if effective_from <= now:
        make_current(session, row)
    return row


def activate_due_process_versions(db, clock) -> int:
    """Make current each agreed Fassung whose date has come (the worker's round, and boot)."""
    now, changed = clock.now(), 0
    with db.transaction() as session:
        due = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.origin == FROM_PROPOSAL, ProcessDefinition.is_current.is_(False),
            ProcessDefinition.effective_from <= now).order_by(ProcessDefinition.number))
        for row in due:
            current = session.scalar(select(ProcessDefinition).where(
                ProcessDefinition.process_key == row.process_key, ProcessDefinition.is_current))
            if current is None or (current.number or 0) < (row.number or 0):
                make_current(session, row)
                changed += 1
    return changed


def may_propose_here(db, actor: Actor, process_key: str) -> bool:
    with db.transaction(read_only=True) as session:
        return may_propose(session, actor, process_key)
