"""The floor plan, kept true: which package may import which.

Each package's ``__init__.py`` says what it holds and which packages it may import; this
test holds the code to it. A context imports itself and the floors below it, never a floor
above or another context on its own floor, so the imports form no cycle. A module that is
in no floor fails too: a new module goes into the context it belongs to (docs/architecture.md).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# workflows/, bottom to top: one line a floor.
WORKFLOWS_FLOORS = (
    ("__init__", "clock", "errors", "paths", "legal_dates"),  # the ground: imports nothing of ours
    ("store", "engine", "forms"),  # tables and their queries; the only SpiffWorkflow code; JSON Schema forms
    ("schema", "migrations"),  # Alembic: creating and upgrading the tables
    ("people",),  # accounts, sessions, access, login guard, OIDC, the audit log (Protokoll)
    ("processes",),  # definitions, catalogue, diff, review comments, diagram functions, properties
    ("agreements", "mail"),  # agreement data and life cycle; the outbox
    ("cases",),  # cases and instances, inbox, documents, approvals, retention, scheduled cases
    ("annual", "bodies"),  # § 8 b–d and § 9 requests and figures; conferences and invitations
    ("tasks", "deadlines", "incidents"),  # the doors: commands on tasks; Fristen; commands on Störungen
    ("decisions", "worker"),  # approvals decided by page, link or mail; the worker's rounds
)

# service/, bottom to top.
SERVICE_FLOORS = (
    ("config",),
    ("runtime",),  # the running KoopFlow and its one accessor
    ("web", "mail"),  # what every request passes; SMTP out and in
    ("parts",),  # what several pages share
    ("pages", "api"),  # one module per blueprint; JSON v1
    ("app",),  # the factory: imports the blueprints, nothing imports it back
    ("cli", "__init__"),
)

# Packages whose modules must not import each other: one blueprint never reaches into another.
SIBLINGS_APART = ("service.pages",)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (also inside functions), absolute, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


def context_of(module: str, top: str, floors) -> str | None:
    """The context (first name below ``top``) of a module, if it is one the floor table has."""
    parts = module.split(".")
    if parts[0] != top:
        return None
    name = parts[1] if len(parts) > 1 else "__init__"
    return name if any(name in floor for floor in floors) else f"?{name}"


def floor_of(context: str, floors) -> int:
    return next(number for number, floor in enumerate(floors) if context in floor)


def floor_violations(root: Path, top: str, floors) -> list[str]:
    """What breaks the floor table: modules in no floor, imports upward or sideways."""
    problems = []
    for path in sorted((root / top).rglob("*.py")):
        module = module_name(path, root)
        own = context_of(module, top, floors)
        where = path.relative_to(root)
        if own.startswith("?"):
            problems.append(f"{where}: '{own[1:]}' is in no floor of the table in tests/test_layers.py")
            continue
        for line, imported in imports_of(path):
            other = context_of(imported, top, floors)
            if other is None or other == own:
                continue
            if other.startswith("?"):
                continue  # reported for the imported module itself
            if floor_of(other, floors) >= floor_of(own, floors):
                problems.append(f"{where}:{line}: {own} (floor {floor_of(own, floors)}) imports "
                                f"{imported} ({other}, floor {floor_of(other, floors)})")
    return problems


def foreign_imports(root: Path, top: str, forbidden: tuple[str, ...], allowed_in: str | None = None) -> list[str]:
    """Imports of ``forbidden`` libraries under ``top`` (except below ``allowed_in``)."""
    problems = []
    for path in sorted((root / top).rglob("*.py")):
        if allowed_in and path.is_relative_to(root / allowed_in):
            continue
        for line, imported in imports_of(path):
            if imported.split(".")[0] in forbidden:
                problems.append(f"{path.relative_to(root)}:{line}: imports {imported}")
    return problems


def sibling_imports(root: Path, package: str) -> list[str]:
    problems = []
    for path in sorted((root / package.replace(".", "/")).glob("*.py")):
        module = module_name(path, root)
        for line, imported in imports_of(path):
            if imported.startswith(package + ".") and not imported.startswith(module):
                sibling = imported[len(package) + 1:].split(".")[0]
                if sibling != module.rsplit(".", 1)[-1] and (root / package.replace(".", "/") / f"{sibling}.py").exists():
                    problems.append(f"{path.relative_to(root)}:{line}: imports {imported}")
    return problems


def test_nothing_in_workflows_imports_flask_or_service():
    assert foreign_imports(ROOT, "workflows", ("flask", "flask_login", "flask_wtf", "werkzeug", "service")) == []


def test_only_the_engine_imports_spiffworkflow():
    assert foreign_imports(ROOT, "workflows", ("SpiffWorkflow",), allowed_in="workflows/engine") == []
    assert foreign_imports(ROOT, "service", ("SpiffWorkflow",)) == []


def test_each_workflows_context_imports_only_the_floors_below_it():
    assert floor_violations(ROOT, "workflows", WORKFLOWS_FLOORS) == []


def test_each_service_package_imports_only_the_floors_below_it():
    assert floor_violations(ROOT, "service", SERVICE_FLOORS) == []


def test_no_page_imports_another_page():
    for package in SIBLINGS_APART:
        assert sibling_imports(ROOT, package) == []


def test_every_context_package_says_what_it_holds_and_may_import():
    for top, floors in (("workflows", WORKFLOWS_FLOORS), ("service", SERVICE_FLOORS)):
        for floor in floors:
            for name in floor:
                package = ROOT / top / name / "__init__.py"
                if package.exists() and name != "migrations":
                    doc = ast.get_docstring(ast.parse(package.read_text())) or ""
                    assert "May import" in doc, f"{package.relative_to(ROOT)} must say what it may import"


def test_the_checks_catch_a_flask_import_an_upward_import_and_a_module_in_no_floor(tmp_path):
    """The checker itself: a planted tree with the three mistakes is refused, each by name."""
    (tmp_path / "workflows" / "people").mkdir(parents=True)
    (tmp_path / "workflows" / "cases").mkdir()
    (tmp_path / "workflows" / "people" / "access.py").write_text("import flask\n")
    (tmp_path / "workflows" / "people" / "accounts.py").write_text(
        "def f():\n    from workflows.cases.inbox import inbox\n")
    (tmp_path / "workflows" / "cases" / "inbox.py").write_text("from workflows.people.access import Actor\n")
    (tmp_path / "workflows" / "helpers.py").write_text("")

    assert foreign_imports(tmp_path, "workflows", ("flask",)) == ["workflows/people/access.py:1: imports flask"]
    assert floor_violations(tmp_path, "workflows", WORKFLOWS_FLOORS) == [
        "workflows/helpers.py: 'helpers' is in no floor of the table in tests/test_layers.py",
        "workflows/people/accounts.py:2: people (floor 3) imports workflows.cases.inbox.inbox (cases, floor 6)",
    ]


def documented_floors(heading: str) -> list[tuple[str, ...]]:
    """The floor table under ``heading`` in docs/architecture.md: the names in its second column."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if re.match(r"\| \d+ \|", line)]
    return [tuple(re.findall(r"`([a-z_]+)/?`", row[2])) for row in rows]


def test_the_floor_tables_in_docs_architecture_are_the_ones_enforced_here():
    def without_init(floors):
        return [tuple(name for name in floor if name != "__init__") for floor in floors]

    assert documented_floors("workflows/") == without_init(WORKFLOWS_FLOORS)
    assert without_init(documented_floors("service/")) == without_init(SERVICE_FLOORS)
