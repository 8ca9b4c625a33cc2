"""The suite itself: test modules share code only through tests/support/ and the conftest
fixtures, never by importing one another (that runs a module's set-up twice and ties
unrelated tests together), and never import a conftest (pytest loads those itself; an import
makes a second copy of the module). That the suite writes nothing into the working tree is
checked after every test by conftest.py (tests/support/working_tree.py)."""
from __future__ import annotations

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path, root: Path = PROJECT) -> set[str]:
    """The dotted name of every module the file imports (also inside functions, also each
    name of ``from package import name``); relative imports resolved against its package."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def suite_modules(names: set[str]) -> set[str]:
    """Those names that are test modules or conftests of the suite."""
    return {name for name in names
            if (name.startswith("tests.") or "." not in name)
            and (name.rsplit(".", 1)[-1].startswith("test_") or name.rsplit(".", 1)[-1] == "conftest")}


def test_no_test_module_imports_another_test_module_or_a_conftest():
    offences = [f"{path.relative_to(PROJECT)} imports {name}"
                for path in sorted((PROJECT / "tests").rglob("test_*.py"))
                for name in sorted(suite_modules(imported_modules(path)))]
    assert offences == [], "move what they share into tests/support/:\n" + "\n".join(offences)


def test_the_check_sees_every_form_of_such_an_import(tmp_path):
    sample = tmp_path / "tests" / "browser" / "test_sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text("import tests.test_a\nfrom tests.test_b import x\nfrom tests import test_c\n"
                      "from . import test_d\nfrom ..test_e import y\nimport test_f\nfrom tests.conftest import z\n"
                      "def f():\n    from tests.browser.test_g import w\n"
                      "from tests.support.flows import open_task\nimport pytest\nfrom workflows import tasks\n")

    found = suite_modules(imported_modules(sample, tmp_path))

    assert found == {"tests.test_a", "tests.test_b", "tests.test_c", "tests.browser.test_d", "tests.test_e",
                     "test_f", "tests.conftest", "tests.browser.test_g"}
