"""Process definitions: the BPMN files in bpmn/ and their forms in forms/.

At start-up every file is read and checked - broken XML, a property the catalogue does not
know (properties.py), a user task without a form, a form that is not valid JSON Schema, a lane
whose role an agreement does not map - and each error names the file and the element. Each
definition is registered as a *version* keyed by the hash of its diagram and forms: a case
keeps the version it started on, a changed diagram becomes a new version, never a silent swap.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflows.engine.parsing import NS, DiagramInfo, build_spec, read_diagram
from workflows.engine.scripting import ALWAYS_DEFINED, ScriptNotAllowed, called_names, compile_source
from workflows.errors import DefinitionError
from workflows.processes.diagram_functions import FUNCTION_NAMES
from workflows.processes.properties import CHANGE_NOTE, FORM, check_properties
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import FROM_PROPOSAL, ProcessDefinition, next_number


@dataclass
class Definition:
    """A diagram with its forms, as found on disk."""

    info: DiagramInfo
    xml: bytes
    forms: dict[str, dict]  # form file name -> schema (or UI schema)
    content_hash: str

    @property
    def process_key(self) -> str:
        return self.info.process_key


def load_definitions(bpmn_dir: Path, forms_dir: Path) -> dict[str, Definition]:
    """Read and check every diagram in ``bpmn_dir``; raise DefinitionError on the first fault."""
    definitions: dict[str, Definition] = {}
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        definition = load_definition(path, forms_dir)
        if definition.process_key in definitions:
            raise DefinitionError(f"{path.name}: Prozess-ID {definition.process_key} ist doppelt vergeben")
        definitions[definition.process_key] = definition
    return definitions


def load_definition(path: Path, forms_dir: Path) -> Definition:
    return check_definition(path.read_bytes(), path.name, forms_dir)


def check_definition(xml: bytes, filename: str, forms_dir: Path, known_forms: dict | None = None) -> Definition:
    """Every start-up check on one diagram; forms come from ``known_forms`` (a stored version's)
    or else from ``forms_dir``. Raises DefinitionError naming the file and the element."""
    info = read_diagram(xml, filename)
    check_properties(info)
    check_expressions(info)
    check_start_events(info)
    check_service_tasks(info)
    check_gateway_defaults(xml, filename)
    check_diagram_interchange(xml, filename)
    forms: dict[str, dict] = {}
    for task in info.user_tasks:
        where = f"{filename}, Element {task.id}"
        if not task.form:
            raise DefinitionError(f"{where}: Benutzeraufgabe ohne Formular ({FORM.name})")
        if task.lane is None:
            raise DefinitionError(f"{where}: Benutzeraufgabe liegt in keiner Lane")
        forms[task.form] = _form(known_forms, forms_dir, task.form, where, check_schema=True)
        if task.ui_form:
            forms[task.ui_form] = _form(known_forms, forms_dir, task.ui_form, where, check_schema=False)
    build_spec(xml, filename, info.process_key)  # let SpiffWorkflow find what it objects to
    return Definition(info, xml, forms, _content_hash(xml, forms))


def _form(known_forms: dict | None, forms_dir: Path, name: str, where: str, check_schema: bool) -> dict:
    if known_forms and name in known_forms:
        return known_forms[name]
    return _read_form(forms_dir / name, where, check_schema=check_schema)


DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
NOT_DRAWN = {"laneSet", "documentation", "extensionElements", "sequenceFlow", "dataObject", "ioSpecification",
             "dataObjectReference", "dataStoreReference", "textAnnotation", "association"}


def check_diagram_interchange(xml: bytes, filename: str) -> None:
    """Every flow node has a shape and every flow an edge (so the diagram can be drawn as it runs)."""
    root = etree.fromstring(xml)
    drawn = {e.get("bpmnElement") for e in root.iter(f"{{{DI_NS}}}BPMNShape", f"{{{DI_NS}}}BPMNEdge")}
    containers = root.findall("bpmn:process", NS) + root.findall(".//bpmn:subProcess", NS)
    nodes = [child for container in containers for child in container if isinstance(child.tag, str)]
    nodes += root.findall(".//bpmn:sequenceFlow", NS) + root.findall(".//bpmn:messageFlow", NS)
    for node in nodes:
        tag = etree.QName(node).localname
        if (tag not in NOT_DRAWN or tag == "sequenceFlow") and node.get("id") not in drawn:
            name = node.get("name")
            raise DefinitionError(f"{filename}, Element {node.get('id')}" + (f' ("{name}")' if name else "")
                                  + ": hat keine Form im Diagramm (BPMN-DI) – so kann es niemand sehen")


def check_expressions(info: DiagramInfo) -> None:
    """Compile every expression and script of a diagram under the sandbox, and refuse calls of
    functions KoopFlow does not register, so a refused one stops the start naming the element."""
    for expression in info.expressions:
        where = f"{info.filename}, Element {expression.element_id} ({expression.kind})"
        try:
            compile_source(expression.source, expression.mode)
        except ScriptNotAllowed as exc:
            raise DefinitionError(f"{where}: Ausdruck nicht erlaubt: {exc}") from exc
        unknown = called_names(expression.source, expression.mode) - FUNCTION_NAMES - ALWAYS_DEFINED
        if unknown:
            raise DefinitionError(f"{where}: unbekannte Funktion {', '.join(sorted(unknown))} "
                                  f"(erlaubt sind die registrierten Funktionen, siehe docs/security.md)")


# Service tasks call an operator KoopFlow would have to register; none is (yet).
SERVICE_OPERATORS: frozenset[str] = frozenset()
# Start events a case can begin with: a plain one (the user starts the case) or a message that
# another pool of the same diagram sends.
RUNNABLE_START_KINDS = {"none", "message"}
START_KIND_NAMES = {"error": "Fehler", "signal": "Signal", "escalation": "Eskalation", "conditional": "Bedingung",
                    "timer": "Zeitgeber", "message": "Nachricht"}


def check_start_events(info: DiagramInfo) -> None:
    """Refuse start events KoopFlow cannot begin a case with (message start events only when
    the diagram itself sends that message)."""
    for element_id, kind, message in info.start_events:
        where = f"{info.filename}, Element {element_id}"
        if kind not in RUNNABLE_START_KINDS:
            raise DefinitionError(f"{where}: Startereignis der Art {START_KIND_NAMES.get(kind, kind)} kann KoopFlow "
                                  f"nicht ausführen (nur ein einfaches Startereignis oder eine Nachricht aus "
                                  f"einem anderen Pool desselben Diagramms)")
        if kind == "message" and message not in info.thrown_messages:
            raise DefinitionError(f"{where}: Nachrichten-Startereignis, dessen Nachricht {message or '(keine)'} "
                                  f"kein Element dieses Diagramms sendet – so ein Vorgang könnte nie beginnen")


def check_service_tasks(info: DiagramInfo) -> None:
    """Refuse service tasks whose operator KoopFlow does not register."""
    for element_id, operator in info.service_tasks:
        if operator not in SERVICE_OPERATORS:
            raise DefinitionError(f"{info.filename}, Element {element_id}: Dienstaufgabe mit dem Operator "
                                  f"{operator or '(keiner)'} – KoopFlow kennt keinen solchen Operator")


def check_gateway_defaults(xml: bytes, filename: str) -> None:
    """Every diverging exclusive gateway names a default flow, so an unexpected value takes the
    path the modeller chose as the cautious one (ask back, never confirm) instead of stopping
    the case with an engine error."""
    root = etree.fromstring(xml)
    for gateway in root.iterfind(".//bpmn:exclusiveGateway", NS):
        outgoing = [o.text.strip() for o in gateway.findall("bpmn:outgoing", NS) if o.text]
        if len(outgoing) > 1 and gateway.get("default") not in outgoing:
            name = gateway.get("name")
            raise DefinitionError(
                f"{filename}, Element {gateway.get('id')}" + (f' ("{name}")' if name else "")
                + ": verzweigendes exklusives Gateway ohne Standardfluss (default) – geben Sie den "
                  "vorsichtigen Weg als Standard an (z. B. Rückfrage statt Bestätigung)")


def _read_form(path: Path, where: str, check_schema: bool) -> dict:
    if not path.is_file():
        raise DefinitionError(f"{where}: Formular {path.name} fehlt in forms/")
    try:
        return parse_form(path.read_text(encoding="utf-8"), path.name, check_schema)
    except DefinitionError as exc:
        raise DefinitionError(f"{where}: {exc}") from exc


def parse_form(text: str, name: str, check_schema: bool) -> dict:
    """A form file's text as its schema: JSON, an object, and (``check_schema``, for a task's
    form; a UI schema is not one) valid JSON Schema 2020-12. DefinitionError in German otherwise."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"Formular {name} ist kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}: "
                              f"{exc.msg})") from exc
    if not isinstance(schema, dict):
        raise DefinitionError(f"Formular {name} muss ein JSON-Objekt sein (in geschweiften Klammern)")
    if check_schema:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            at = "/".join(str(part) for part in exc.path)
            raise DefinitionError(f"Formular {name} ist kein gültiges JSON Schema ({f'bei {at}: ' if at else ''}"
                                  f"{exc.message})") from exc
    return schema


def _content_hash(xml: bytes, forms: dict[str, dict]) -> str:
    digest = hashlib.sha256(xml)
    for name in sorted(forms):
        digest.update(name.encode())
        digest.update(json.dumps(forms[name], sort_keys=True).encode())
    return digest.hexdigest()


def check_lanes_against_roles(definition: Definition, agreement_id: str, roles: dict[str, list[str]]) -> None:
    """Every lane of a process an agreement runs must map to at least one org unit there."""
    for lane_id in sorted(set(definition.info.lanes.values())):
        if not roles.get(lane_id):
            raise DefinitionError(
                f"{definition.info.filename}, Lane {lane_id}: die Vereinbarung {agreement_id} "
                f"ordnet dieser Rolle keine Organisationseinheit zu"
            )


def register_versions(session: Session, definitions: dict[str, Definition], now) -> dict[str, int]:
    """Store each definition as a version (new hash → new row, the next Fassung) and mark it
    current - unless an agreed process change newer than the file's version is in effect: an
    unchanged file never undoes an agreed change (a changed file is a new version and wins)."""
    ids = {}
    for key, definition in definitions.items():
        row = session.scalar(
            select(ProcessDefinition).where(
                ProcessDefinition.process_key == key,
                ProcessDefinition.content_hash == definition.content_hash,
            )
        )
        if row is None:
            row = ProcessDefinition(
                process_key=key,
                name=definition.info.name,
                content_hash=definition.content_hash,
                filename=definition.info.filename,
                bpmn_xml=definition.xml.decode("utf-8"),
                forms=definition.forms,
                lanes=definition.info.lanes,
                user_tasks={t.id: asdict(t) for t in definition.info.user_tasks},
                first_seen_at=now,
                is_current=False,
                number=next_number(session, key),
                change_note=definition.info.process_properties.get(CHANGE_NOTE.name),
            )
            session.add(row)
            session.flush()
        ids[key] = row.id
        if row.number is None or not _agreed_change_after(session, row):
            make_current(session, row)
    return ids


def make_current(session: Session, row: ProcessDefinition) -> None:
    if not row.is_current:
        session.execute(
            update(ProcessDefinition)
            .where(ProcessDefinition.process_key == row.process_key, ProcessDefinition.id != row.id)
            .values(is_current=False)
        )
        row.is_current = True


def _agreed_change_after(session: Session, row: ProcessDefinition) -> bool:
    return session.scalar(select(ProcessDefinition.id).where(
        ProcessDefinition.process_key == row.process_key, ProcessDefinition.origin == FROM_PROPOSAL,
        ProcessDefinition.number > (row.number or 0)).limit(1)) is not None


@dataclass
class VersionProblem:
    """A stored diagram version that running cases still use and today's rules refuse."""

    definition_id: int
    process_key: str
    filename: str
    reason: str
    case_ids: list[int]


def check_stored_version(row: ProcessDefinition) -> str | None:
    """Why today's definition rules or sandbox refuse a stored version; None when they accept it.
    Runs the same checks as start-up on the stored diagram: properties, every expression and
    script under the sandbox, start events, service tasks and SpiffWorkflow's parser."""
    xml = row.bpmn_xml.encode("utf-8")
    try:
        info = read_diagram(xml, row.filename)
        check_properties(info)
        check_expressions(info)
        check_start_events(info)
        check_service_tasks(info)
        build_spec(xml, row.filename, row.process_key)
    except Exception as exc:  # DefinitionError, the parser's own
        return f"{type(exc).__name__}: {exc}"
    return None


def check_versions_in_use(db) -> list[VersionProblem]:
    """Every diagram version a running case still uses, checked against today's rules (at boot and
    after ``koopflow db upgrade``): the versions refused, each with its running cases."""
    problems = []
    with db.transaction(read_only=True) as session:
        used = session.execute(select(Case.definition_id, Case.id).where(Case.status == RUNNING)
                               .order_by(Case.definition_id, Case.id)).all()
        cases: dict[int, list[int]] = {}
        for definition_id, case_id in used:
            cases.setdefault(definition_id, []).append(case_id)
        for definition_id, case_ids in cases.items():
            row = session.get(ProcessDefinition, definition_id)
            reason = check_stored_version(row)
            if reason is not None:
                problems.append(VersionProblem(row.id, row.process_key, row.filename, reason, case_ids))
    return problems
