"""Reading a BPMN file: what it defines, its lanes, its user tasks and their forms, and the
extension properties any other element carries (e.g. ``notify`` on an event).

We read the XML ourselves (lxml) for what SpiffWorkflow does not keep - lane ids, which are
our role keys - and let SpiffWorkflow's parser build the executable spec.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from workflows.errors import DefinitionError

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FORM_PROPERTY = "formJsonSchemaFilename"
UI_PROPERTY = "formUiSchemaFilename"
HUMAN_TASK_TAGS = ("userTask", "manualTask")


@dataclass
class UserTaskInfo:
    id: str
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None
    properties: dict[str, str] = field(default_factory=dict)
    documentation: str = ""


@dataclass
class ElementProperties:
    """The extension properties of an element that is not a human task (an event, a gateway …)."""

    id: str
    name: str
    tag: str  # BPMN element kind without namespace, e.g. intermediateThrowEvent
    properties: dict[str, str]


@dataclass(frozen=True)
class Expression:
    """A piece of Python a diagram carries: a condition, timer, payload or script."""

    element_id: str
    kind: str  # the XML tag it sits in, e.g. conditionExpression, script, timeDate
    mode: str  # "eval" for an expression, "exec" for a script
    source: str


# Every tag whose text SpiffWorkflow evaluates (eval) or runs (exec) as Python.
EXPRESSION_TAGS = {
    "bpmn:conditionExpression": "eval", "bpmn:condition": "eval", "bpmn:timeDate": "eval",
    "bpmn:timeDuration": "eval", "bpmn:timeCycle": "eval", "bpmn:loopCardinality": "eval",
    "bpmn:completionCondition": "eval", "bpmn:messagePath": "eval", "bpmn:formalExpression": "eval",
    "spiffworkflow:messagePayload": "eval", "bpmn:script": "exec", "spiffworkflow:preScript": "exec",
    "spiffworkflow:postScript": "exec",
}


@dataclass
class DiagramInfo:
    """What a BPMN file says, before anything runs."""

    process_key: str
    name: str
    filename: str
    lanes: dict[str, str]  # flow node id -> lane id (role)
    lane_names: dict[str, str]  # lane id -> label
    user_tasks: list[UserTaskInfo]
    other_properties: list[ElementProperties] = field(default_factory=list)
    expressions: list[Expression] = field(default_factory=list)
    # (element id, event kind e.g. "message", messageRef or "") of every start event of a process
    # itself (not of an event subprocess); kind "none" for a plain start event
    start_events: list[tuple[str, str, str]] = field(default_factory=list)
    thrown_messages: set[str] = field(default_factory=set)  # messageRefs some throw event sends
    service_tasks: list[tuple[str, str]] = field(default_factory=list)  # (element id, operator or "")
    # the properties of the process itself: on the collaboration, or on the one executable process
    process_properties: dict[str, str] = field(default_factory=dict)


def read_diagram(xml: bytes, filename: str) -> DiagramInfo:
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise DefinitionError(f"{filename}: kein gültiges XML ({exc})") from exc
    collaboration = root.find("bpmn:collaboration", NS)
    processes = [p for p in root.findall("bpmn:process", NS) if p.get("isExecutable") == "true"]
    if collaboration is not None:
        key, name = collaboration.get("id"), collaboration.get("name") or collaboration.get("id")
        top = collaboration
    elif len(processes) == 1:
        key, name = processes[0].get("id"), processes[0].get("name") or processes[0].get("id")
        top = processes[0]
    else:
        raise DefinitionError(f"{filename}: weder eine Kollaboration noch genau ein ausführbarer Prozess")
    lanes, lane_names = {}, {}
    for lane in root.iterfind(".//bpmn:lane", NS):
        lane_names[lane.get("id")] = lane.get("name") or lane.get("id")
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            if not (ref.text or "").strip():
                raise DefinitionError(f"{filename}, Lane {lane.get('id')}: leerer flowNodeRef")
            lanes[ref.text.strip()] = lane.get("id")
    tasks = [_user_task(node, lanes) for tag in HUMAN_TASK_TAGS for node in root.iterfind(f".//bpmn:{tag}", NS)]
    others = [e for e in _other_properties(root) if e.id != key]
    return DiagramInfo(key, name, filename, lanes, lane_names, tasks, others, _expressions(root),
                       _start_events(root), _thrown_messages(root), _service_tasks(root), _properties(top))


@lru_cache(maxsize=256)
def timed_tasks(xml: bytes | str) -> frozenset[str]:
    """The ids of the activities a diagram chases itself: a timer boundary event is attached to
    them (e.g. the LWV's first review with its reminder and escalation of § 8 a)."""
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    return frozenset(event.get("attachedToRef") for event in root.iterfind(".//bpmn:boundaryEvent", NS)
                     if event.find("bpmn:timerEventDefinition", NS) is not None)


def _start_events(root) -> list[tuple[str, str, str]]:
    found = []
    for process in root.findall("bpmn:process", NS):
        for event in process.findall("bpmn:startEvent", NS):
            definitions = [child for child in event if etree.QName(child).localname.endswith("EventDefinition")]
            for definition in definitions or [None]:
                if definition is None:
                    found.append((event.get("id"), "none", ""))
                else:
                    kind = etree.QName(definition).localname.removesuffix("EventDefinition")
                    found.append((event.get("id"), kind, definition.get("messageRef") or ""))
    return found


def _thrown_messages(root) -> set[str]:
    return {definition.get("messageRef") for tag in ("intermediateThrowEvent", "endEvent")
            for event in root.iterfind(f".//bpmn:{tag}", NS)
            for definition in event.findall("bpmn:messageEventDefinition", NS) if definition.get("messageRef")}


def _service_tasks(root) -> list[tuple[str, str]]:
    found = []
    for task in root.iterfind(".//bpmn:serviceTask", NS):
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        found.append((task.get("id"), operator.get("id", "") if operator is not None else ""))
    return found


def _expressions(root) -> list[Expression]:
    found = []
    for tag, mode in EXPRESSION_TAGS.items():
        for node in root.iterfind(f".//{tag}", NS):
            if not (node.text or "").strip():
                continue
            owner = node.getparent()
            while owner is not None and owner.get("id") is None:
                owner = owner.getparent()
            found.append(Expression(owner.get("id") if owner is not None else "?", tag.split(":")[1], mode, node.text))
    return found


def _properties(node) -> dict[str, str]:
    return {
        p.get("name"): p.get("value")
        for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    }


def _other_properties(root) -> list[ElementProperties]:
    human = {f"{{{NS['bpmn']}}}{tag}" for tag in HUMAN_TASK_TAGS}
    nodes = [p.getparent().getparent() for p in root.iterfind(".//bpmn:extensionElements/spiffworkflow:properties", NS)]
    return [ElementProperties(node.get("id"), node.get("name") or node.get("id"), etree.QName(node).localname,
                              _properties(node))
            for node in nodes if node.tag not in human]


def _user_task(node, lanes: dict[str, str]) -> UserTaskInfo:
    props = _properties(node)
    doc = node.find("bpmn:documentation", NS)
    return UserTaskInfo(
        id=node.get("id"),
        name=node.get("name") or node.get("id"),
        lane=lanes.get(node.get("id")),
        form=props.get(FORM_PROPERTY),
        ui_form=props.get(UI_PROPERTY),
        properties=props,
        documentation=(doc.text or "").strip() if doc is not None else "",
    )


@lru_cache(maxsize=64)
def build_spec(xml: bytes, filename: str, process_key: str):
    """SpiffWorkflow's (spec, subprocess_specs) for a diagram; cached by its content."""
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(etree.fromstring(xml), filename=filename)
        if process_key in parser.collaborations:
            return parser.get_collaboration(process_key)
        return parser.get_spec(process_key), parser.get_subprocess_specs(process_key)
    except ValidationException as exc:  # keep the element SpiffWorkflow names
        where = f"{filename}, Element {exc.id}" if getattr(exc, "id", "") else filename
        raise DefinitionError(f"{where}: {exc}") from exc
    except Exception as exc:  # the parser raises many kinds; the operator needs the file name
        raise DefinitionError(f"{filename}: SpiffWorkflow kann das Diagramm nicht lesen ({exc!r})") from exc
