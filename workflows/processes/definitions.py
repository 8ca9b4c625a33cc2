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

from workflows.engine.parsing import DiagramInfo, build_spec, read_diagram
from workflows.engine.scripting import check_source
from workflows.errors import DefinitionError
from workflows.processes.properties import FORM, check_properties
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import ProcessDefinition


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
    xml = path.read_bytes()
    info = read_diagram(xml, path.name)
    check_properties(info)
    forms: dict[str, dict] = {}
    for task in info.user_tasks:
        where = f"{path.name}, Element {task.id}"
        if not task.form:
            raise DefinitionError(f"{where}: Benutzeraufgabe ohne Formular ({FORM.name})")
        if task.lane is None:
            raise DefinitionError(f"{where}: Benutzeraufgabe liegt in keiner Lane")
        forms[task.form] = _read_form(forms_dir / task.form, where, check_schema=True)
        if task.ui_form:
            forms[task.ui_form] = _read_form(forms_dir / task.ui_form, where, check_schema=False)
    build_spec(xml, path.name, info.process_key)  # let SpiffWorkflow find what it objects to
    return Definition(info, xml, forms, _content_hash(xml, forms))


def _read_form(path: Path, where: str, check_schema: bool) -> dict:
    if not path.is_file():
        raise DefinitionError(f"{where}: Formular {path.name} fehlt in forms/")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"{where}: Formular {path.name} ist kein gültiges JSON ({exc})") from exc
    if check_schema:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise DefinitionError(f"{where}: Formular {path.name} ist kein gültiges JSON Schema ({exc.message})") from exc
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
    """Store each definition as a version (new hash → new row) and mark it current."""
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
            )
            session.add(row)
            session.flush()
        if not row.is_current:
            session.execute(
                update(ProcessDefinition)
                .where(ProcessDefinition.process_key == key, ProcessDefinition.id != row.id)
                .values(is_current=False)
            )
            row.is_current = True
        ids[key] = row.id
    return ids


# Elements whose text the engine evaluates as an expression or runs as a script.
_EVALUATED = ("script", "conditionExpression", "timeDate", "timeDuration", "timeCycle", "loopCardinality",
              "completionCondition")


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
    Runs the same checks as start-up (diagram, properties, SpiffWorkflow's parser) and hands each
    expression and script to the engine's sandbox check, whichever sandbox is in place."""
    xml = row.bpmn_xml.encode("utf-8")
    try:
        check_properties(read_diagram(xml, row.filename))
        build_spec(xml, row.filename, row.process_key)
    except Exception as exc:  # DefinitionError, the parser's own
        return f"{type(exc).__name__}: {exc}"
    for node in etree.fromstring(xml).iter():
        if not isinstance(node.tag, str) or etree.QName(node).localname not in _EVALUATED:
            continue
        source = (node.text or "").strip()
        if not source or (etree.QName(node).localname.startswith("time") and source.startswith(("P", "R"))):
            continue  # empty, or an ISO 8601 duration or repetition rather than an expression
        try:
            check_source(source)
        except Exception as exc:  # ScriptNotAllowed, or whatever the sandbox in place raises
            owner = node
            while owner is not None and owner.get("id") is None:
                owner = owner.getparent()
            element = owner.get("id") if owner is not None else "?"
            return f"Element {element}: {type(exc).__name__}: {exc}"
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
