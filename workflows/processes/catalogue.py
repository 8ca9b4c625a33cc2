"""The process catalogue: every definition version, its elements, and where a case stands.

Read-only queries behind the "Prozesse" pages. Definitions are no personal data, so every
signed-in user may read them; a case's diagram asks ``access.case_for`` like the case page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from sqlalchemy import func, select

from workflows.engine import runtime
from workflows.engine.parsing import NS
from workflows.engine.states import ElementState, element_states
from workflows.errors import NotFound
from workflows.forms import form_fields
from workflows.people.access import Actor, case_for
from workflows.processes.properties import FORM, UI_FORM
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition, stored_spec
from workflows.store.organisation import Agreement, AgreementRole
from workflows.store.tasks import OPEN, HumanTask, open_tasks_of_case, org_units_of_task
from workflows.store.users import User

TYPE_LABELS = {
    "startEvent": "Startereignis",
    "endEvent": "Endereignis",
    "intermediateThrowEvent": "Zwischenereignis (auslösend)",
    "intermediateCatchEvent": "Zwischenereignis (wartend)",
    "boundaryEvent": "Angeheftetes Ereignis",
    "userTask": "Aufgabe (Formular)",
    "manualTask": "Manuelle Aufgabe",
    "scriptTask": "Skriptaufgabe",
    "serviceTask": "Serviceaufgabe",
    "task": "Aufgabe",
    "exclusiveGateway": "Exklusives Gateway",
    "eventBasedGateway": "Ereignisbasiertes Gateway",
    "parallelGateway": "Paralleles Gateway",
    "inclusiveGateway": "Inklusives Gateway",
    "subProcess": "Teilprozess",
    "callActivity": "Aufruf",
    "sequenceFlow": "Sequenzfluss",
    "messageFlow": "Nachrichtenfluss",
}
EVENT_KINDS = {"timerEventDefinition": "Zeitgeber", "messageEventDefinition": "Nachricht",
               "errorEventDefinition": "Fehler", "signalEventDefinition": "Signal",
               "terminateEventDefinition": "Beenden", "escalationEventDefinition": "Eskalation"}
NOT_ELEMENTS = {"laneSet", "documentation", "extensionElements", "dataObject", "dataObjectReference",
                "dataStoreReference", "textAnnotation", "association", "ioSpecification"}
STATE_LABELS = {"active": "aktiv", "waiting": "wartet", "completed": "erledigt", "cancelled": "abgebrochen"}
DEFINITION_NOT_FOUND = "Diese Prozessversion gibt es nicht."


@dataclass(frozen=True)
class Version:
    id: int
    content_hash: str
    first_seen_at: datetime
    is_current: bool
    case_count: int
    number: int | None = None
    change_note: str | None = None
    brought_in_by: str = ""  # who brought it in: a person, or the file in bpmn/
    effective_from: datetime | None = None

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]

    @property
    def label(self) -> str:
        return version_label(self.number, self.content_hash)


def version_label(number: int | None, content_hash: str) -> str:
    """A version's human name: Fassung N (the hash only for a row from before numbers)."""
    return f"Fassung {number}" if number else f"Version {content_hash[:12]}"


def brought_in_by(session, definition: ProcessDefinition) -> str:
    """Who brought the version in: the proposer of an agreed change, else the file in bpmn/."""
    if definition.brought_in_by_id is not None:
        user = session.get(User, definition.brought_in_by_id)
        if user is not None:
            return f"{user.display_name} (abgestimmte Prozessänderung)"
    return f"Betrieb: Datei {definition.filename}"


def version_of(session, definition: ProcessDefinition, case_count: int = 0) -> Version:
    return Version(definition.id, definition.content_hash, definition.first_seen_at, bool(definition.is_current),
                   case_count, definition.number, definition.change_note, brought_in_by(session, definition),
                   definition.effective_from)


@dataclass
class Process:
    key: str
    name: str
    versions: list[Version]


@dataclass
class Element:
    id: str
    name: str
    tag: str
    type_label: str
    lane: str | None  # the lane's label, e.g. "LWV: Fachdienst für den Landkreis"
    documentation: str
    form_fields: list[str] = field(default_factory=list)  # labels, for user tasks
    state: ElementState | None = None  # on a case's diagram
    change: str | None = None  # on a version comparison: added | changed
    waiting: int = 0  # on a version page: running cases waiting here

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state.state] if self.state else "nicht erreicht"


@dataclass
class DefinitionView:
    definition: ProcessDefinition
    elements: list[Element]
    version: Version | None = None  # its human name, who brought it in and why
    agreements: list[tuple[str, str]] = field(default_factory=list)  # (id, name) for the filter
    agreement_id: str | None = None  # the filter chosen, None: all


@dataclass
class CaseDiagram:
    case: Case
    definition: ProcessDefinition
    elements: list[Element]
    open_tasks: list[tuple[HumanTask, list[str]]]  # task and the org units it waits in


def viewer_agreements(session, actor: Actor | None) -> list[tuple[str, str]]:
    """(id, name) of the agreements in which one of the viewer's org units has a role: the only
    ones whose case counts a process page shows them (None: every agreement, for tools)."""
    query = select(Agreement.id, Agreement.name).order_by(Agreement.name)
    if actor is not None:
        units = sorted(actor.org_unit_ids)
        query = query.where(Agreement.id.in_(
            select(AgreementRole.agreement_id).where(AgreementRole.org_unit_id.in_(units))))
    return [(agreement_id, name) for agreement_id, name in session.execute(query)]


def processes(db, actor: Actor | None = None) -> list[Process]:
    """Every process key with all its versions, newest first, and how many cases use each
    (counting only cases of the viewer's agreements)."""
    with db.transaction() as session:
        query = select(Case.definition_id, func.count()).group_by(Case.definition_id)
        if actor is not None:
            query = query.where(Case.agreement_id.in_([a for a, _ in viewer_agreements(session, actor)]))
        counts = dict(session.execute(query).all())
        rows = session.scalars(
            select(ProcessDefinition).order_by(ProcessDefinition.process_key, ProcessDefinition.number.desc().nulls_last(),
                                               ProcessDefinition.first_seen_at.desc(), ProcessDefinition.id.desc()))
        result: dict[str, Process] = {}
        for row in rows:
            entry = result.setdefault(row.process_key, Process(row.process_key, row.name, []))
            if row.is_current:
                entry.name = row.name
            entry.versions.append(version_of(session, row, counts.get(row.id, 0)))
        return list(result.values())


def definition_view(db, process_key: str, definition_id: int, agreement_id: str | None = None,
                    actor: Actor | None = None) -> DefinitionView:
    """The version's elements, each with how many running cases wait there - of one agreement,
    or of all the viewer's agreements; never of an agreement the viewer takes no part in."""
    with db.transaction() as session:
        definition = _definition(session, process_key, definition_id)
        agreements = viewer_agreements(session, actor)
        if agreement_id not in {a for a, _ in agreements}:
            agreement_id = None
        counts = waiting_counts(session, definition.id, agreement_id,
                                None if actor is None or agreement_id else [a for a, _ in agreements])
        elements = elements_of(definition)
        for element in elements:
            element.waiting = counts.get(element.id, 0)
        return DefinitionView(definition, elements, version_of(session, definition), agreements, agreement_id)


def waiting_counts(session, definition_id: int, agreement_id: str | None = None,
                   among: list[str] | None = None) -> dict[str, int]:
    """{bpmn id: running cases with an open human task there}: one grouped query, no deserialising.
    ``among``: only cases of these agreements."""
    query = (select(HumanTask.bpmn_id, func.count(func.distinct(HumanTask.case_id)))
             .join(Case, Case.id == HumanTask.case_id)
             .where(Case.definition_id == definition_id, Case.status == RUNNING, HumanTask.state == OPEN)
             .group_by(HumanTask.bpmn_id))
    if agreement_id:
        query = query.where(Case.agreement_id == agreement_id)
    if among is not None:
        query = query.where(Case.agreement_id.in_(among))
    return {bpmn_id: count for bpmn_id, count in session.execute(query)}


def definition_xml(db, process_key: str, definition_id: int) -> str:
    with db.transaction() as session:
        return _definition(session, process_key, definition_id).bpmn_xml


def case_diagram(db, actor: Actor, case_id: int) -> CaseDiagram:
    """The case's definition with each element's state, and its open tasks with their inboxes."""
    with db.transaction() as session:
        case = case_for(session, actor, case_id)
        definition = session.get(ProcessDefinition, case.definition_id)
        states = element_states(runtime.load(case.state, {}, stored_spec(session, case.definition_id))) if case.state else {}
        elements = elements_of(definition)
        for element in elements:
            element.state = states.get(element.id)
        open_tasks = [(t, org_units_of_task(session, t.id)) for t in open_tasks_of_case(session, case.id)]
        return CaseDiagram(case, definition, elements, open_tasks)


def _definition(session, process_key: str, definition_id: int) -> ProcessDefinition:
    definition = session.get(ProcessDefinition, definition_id)
    if definition is None or definition.process_key != process_key:
        raise NotFound(DEFINITION_NOT_FOUND)
    return definition


def elements_of(definition: ProcessDefinition) -> list[Element]:
    """Every flow node, sequence flow and message flow of the diagram, in document order."""
    root = etree.fromstring(definition.bpmn_xml.encode())
    lane_of = {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    containers = list(root.iterfind("bpmn:process", NS)) + list(root.iterfind(".//bpmn:subProcess", NS))
    nodes = [child for container in containers for child in container]
    nodes += list(root.iterfind("bpmn:collaboration/bpmn:messageFlow", NS))
    elements = []
    for node in nodes:
        if not isinstance(node.tag, str):
            continue
        tag = etree.QName(node).localname
        if tag in NOT_ELEMENTS or node.get("id") is None:
            continue
        elements.append(Element(
            id=node.get("id"),
            name=node.get("name") or "",
            tag=tag,
            type_label=_type_label(node, tag),
            lane=lane_of.get(node.get("id")),
            documentation=_documentation(node),
            form_fields=_form_labels(node, definition.forms) if tag in ("userTask", "manualTask") else [],
        ))
    return elements


def _type_label(node, tag: str) -> str:
    label = TYPE_LABELS.get(tag, tag)
    kinds = [EVENT_KINDS[etree.QName(c).localname] for c in node
             if isinstance(c.tag, str) and etree.QName(c).localname in EVENT_KINDS]
    if kinds:
        label += f": {', '.join(kinds)}"
    if tag == "boundaryEvent" and node.get("cancelActivity") == "false":
        label += " (nicht unterbrechend)"
    return label


def _documentation(node) -> str:
    doc = node.find("bpmn:documentation", NS)
    return (doc.text or "").strip() if doc is not None else ""


def _form_labels(node, forms: dict) -> list[str]:
    props = {p.get("name"): p.get("value")
             for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
    schema = forms.get(props.get(FORM.name) or "")
    if not schema:
        return []
    return list(_labels(form_fields(schema, forms.get(props.get(UI_FORM.name) or "")), ""))


def _labels(fields, prefix: str):
    for item in fields:
        label = f"{prefix}{item.label}"
        if item.kind == "group" and item.children:
            yield from _labels(item.children, f"{label} – ")
        else:
            yield label
