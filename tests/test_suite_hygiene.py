"""The suite itself: test modules share code only through tests/support/ and the conftest
fixtures, never by importing one another (that runs a module's set-up twice and ties
unrelated tests together), and never import a conftest (pytest loads those itself; an import
makes a second copy of the module). That the suite writes nothing into the working tree is
checked after every test by conftest.py (tests/support/working_tree.py)."""
from __future__ import annotations

import ast
import sqlite3
from contextlib import closing
from pathlib import Path

from alembic.script import ScriptDirectory

from tests.support.working_tree import VarWatch
from workflows.schema import alembic_config

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


def test_each_sqlite_test_database_is_its_own_copy_of_the_migrated_template(sqlite_template, tmp_path):
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    template = sqlite_template.path.read_bytes()
    (tmp_path / "one").mkdir(), (tmp_path / "two").mkdir()
    one, two = (sqlite_template.create(tmp_path / name).removeprefix("sqlite:///") for name in ("one", "two"))
    assert sorted(p.name for p in sqlite_template.path.parent.iterdir()) == ["template.db"]  # no -wal, no -shm

    with closing(sqlite3.connect(one)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
        connection.execute("DELETE FROM alembic_version")
        connection.commit()
    with closing(sqlite3.connect(two)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
    assert sqlite_template.path.read_bytes() == template


def test_the_watch_on_var_sees_new_changed_and_removed_files(tmp_path):
    var = tmp_path / "var"
    (var / "documents").mkdir(parents=True)
    (var / "secret_key").write_text("k")
    (var / "old").write_text("o")
    watch = VarWatch(var)
    assert watch.changes() == []

    (var / "documents" / "d1").mkdir()
    (var / "documents" / "d1" / "abc").write_bytes(b"%PDF")
    (var / "secret_key").write_text("longer")
    (var / "old").unlink()

    assert watch.changes() == [f"new      {var}/documents/d1/", f"new      {var}/documents/d1/abc",
                               f"changed  {var}/secret_key", f"removed  {var}/old"]
    assert VarWatch(tmp_path / "none").changes() == []
