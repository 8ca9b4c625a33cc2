"""The property catalogue: a diagram may carry only the properties KoopFlow acts on, each
where it takes effect; the code reads exactly those names, and docs/diagrams.md lists them.

Diagram tests copy bpmn/ and forms/ into tmp_path and change one property; the real files are
never touched.
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from workflows.engine.parsing import read_diagram
from workflows.errors import DefinitionError
from workflows.paths import BPMN_DIR, FORMS_DIR
from workflows.processes import properties as catalogue
from workflows.processes.definitions import load_definitions
from workflows.processes.properties import PROPERTIES, check_properties

ROOT = Path(__file__).resolve().parents[1]
DIAGRAM = "handover_school_end.bpmn"
DEADLINE = '<spiffworkflow:property name="deadline" value="handover_review" />'  # on review_handover
NOTIFY = '<spiffworkflow:property name="notify" value="reminder" />'  # on notify_review_reminder
PREFILL = '<spiffworkflow:property name="prefill" value="true" />'  # on prepare_handover


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    """Private copies of bpmn/ and forms/ that a test may break."""
    copies = {"bpmn": tmp_path / "bpmn", "forms": tmp_path / "forms"}
    shutil.copytree(BPMN_DIR, copies["bpmn"])
    shutil.copytree(FORMS_DIR, copies["forms"])
    return copies


def edit_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not exactly once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- checks at start-up ---------------------------------------------------------------

def test_misspelt_user_task_property_names_file_element_and_the_known_name(dirs):
    # given the review task's deadline is misspelt
    edit_once(dirs["bpmn"] / DIAGRAM, DEADLINE, DEADLINE.replace('"deadline"', '"dedline"'))
    # when / then
    with pytest.raises(DefinitionError) as refused:
        load_definitions(dirs["bpmn"], dirs["forms"])
    assert refused.value.message == ('handover_school_end.bpmn, Element review_handover ("Übergabe prüfen"): '
                                     'unbekannte Eigenschaft "dedline" – gemeint ist wohl "deadline"')


def test_misspelt_notify_on_an_event_is_refused_too(dirs):
    # given the reminder event's notify is misspelt (the reminder would silently never be sent)
    edit_once(dirs["bpmn"] / DIAGRAM, NOTIFY, NOTIFY.replace('"notify"', '"notfy"'))
    # when / then
    with pytest.raises(DefinitionError, match=r'^handover_school_end\.bpmn, Element notify_review_reminder '
                                              r'\("Erinnerung an den Posteingang"\): unbekannte Eigenschaft '
                                              r'"notfy" – gemeint ist wohl "notify"$'):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_user_task_property_on_an_event_is_refused_as_doing_nothing_there(dirs):
    # given the reminder event carries a deadline, which only a user task has
    edit_once(dirs["bpmn"] / DIAGRAM, NOTIFY, NOTIFY + '<spiffworkflow:property name="deadline" value="x" />')
    # when / then
    with pytest.raises(DefinitionError, match=r'Element notify_review_reminder .*: Eigenschaft "deadline" '
                                              r'wirkt nur an einer Benutzeraufgabe$'):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_notify_on_a_user_task_is_refused_because_the_engine_never_reads_it_there(dirs):
    # given the prepare task asks for a reminder when it is completed
    edit_once(dirs["bpmn"] / DIAGRAM, PREFILL, PREFILL + NOTIFY)
    # when / then
    with pytest.raises(DefinitionError, match=r'Element prepare_handover .*: Eigenschaft "notify" '
                                              r'wirkt nur an einem Ereignis'):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_unknown_property_without_a_near_name_lists_the_known_ones(dirs):
    # given a property name nothing resembles
    edit_once(dirs["bpmn"] / DIAGRAM, PREFILL, '<spiffworkflow:property name="xyz" value="1" />')
    # when / then
    with pytest.raises(DefinitionError, match=r'unbekannte Eigenschaft "xyz" – bekannt sind: agreementEffect, '):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_every_shipped_diagram_loads():
    # given bpmn/ as shipped; when
    definitions = load_definitions(BPMN_DIR, FORMS_DIR)
    # then every file is a definition
    assert len(definitions) == len(list(BPMN_DIR.glob("*.bpmn")))


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "data").glob("*.bpmn")), ids=lambda p: p.name)
def test_test_diagrams_carry_only_known_properties(path):
    # given a diagram the tests run; when / then nothing is refused
    check_properties(read_diagram(path.read_bytes(), path.name))


# --- the catalogue matches the code and the modeller's page ---------------------------

def _modules():
    for folder in ("workflows", "service"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def _property_constants(tree) -> dict[str, str]:
    """Module-level ``X_PROPERTY = "name"``: how the engine (which cannot import the catalogue)
    writes the names it reads."""
    return {node.targets[0].id: node.value.value for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.endswith("_PROPERTY") and isinstance(node.value, ast.Constant)}


def _in_engine(path: Path) -> bool:
    return path.relative_to(ROOT).parts[:2] == ("workflows", "engine")


def _names_read() -> set[str]:
    """Property names the code acts on: catalogue entries used as ``X.name`` outside the
    catalogue, and the engine's own ``*_PROPERTY`` constants used where they are defined."""
    entries = {const: value.name for const, value in vars(catalogue).items()
               if isinstance(value, catalogue.Property)}
    read = set()
    for path, tree in _modules():
        if path == Path(catalogue.__file__):
            continue
        constants = _property_constants(tree) if _in_engine(path) else {}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr == "name" and isinstance(node.value, ast.Name)
                    and node.value.id in entries):
                read.add(entries[node.value.id])
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in constants:
                read.add(constants[node.id])
    return read


def _literal_reads() -> list[str]:
    """``properties.get("x")`` / ``props["x"]`` with the name written out, or a ``*_PROPERTY``
    constant of its own outside the engine: a reader the catalogue does not see
    (``…get("properties", {})`` itself is the way in, not a property)."""
    found = []
    for path, tree in _modules():
        if not _in_engine(path):
            found += [f"{path.relative_to(ROOT)}: {const} = {name!r}" for const, name in _property_constants(tree).items()]
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
                receiver, key = node.func.value, node.args[0] if node.args else None
            elif isinstance(node, ast.Subscript):
                receiver, key = node.value, node.slice
            else:
                continue
            holds_properties = (isinstance(receiver, ast.Name) and receiver.id in ("properties", "props")) or (
                isinstance(receiver, ast.Call) and receiver.args and isinstance(receiver.args[0], ast.Constant)
                and receiver.args[0].value == "properties")
            if holds_properties and isinstance(key, ast.Constant) and key.value != "properties":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {key.value!r}")
    return found


def test_catalogue_holds_exactly_the_property_names_the_code_reads():
    # given the catalogue; when the code is searched for property reads; then they match
    assert _names_read() == set(PROPERTIES)
    # and no module reads a property by a name written out
    assert _literal_reads() == []


def test_every_shipped_diagram_property_is_in_the_catalogue():
    # given every property name the shipped diagrams carry; then the catalogue knows each,
    # and each catalogue entry is used by some diagram (no dead entries)
    used = {name for path in BPMN_DIR.glob("*.bpmn") for name in re.findall(
        r'<spiffworkflow:property name="([^"]*)"', path.read_text(encoding="utf-8"))}
    assert used == set(PROPERTIES)


def test_modellers_page_describes_exactly_the_catalogue():
    # given docs/diagrams.md, one section per property ("### `name`")
    page = (ROOT / "docs" / "diagrams.md").read_text(encoding="utf-8")
    described = re.findall(r"^### `([^`]+)`$", page, flags=re.MULTILINE)
    # then it has one for each catalogue entry, and no other
    assert sorted(described) == sorted(PROPERTIES)
