"""The suite writes nothing into the working tree: a watch on var/, where KoopFlow's defaults
point (workflows.paths.VAR_DIR: the SQLite database, uploaded documents, the secret key file).

``VarWatch`` lists var/ (every file and folder below it with its size and modification time)
when the session starts; conftest.py compares the listing with it after every test, so the
test that wrote there fails in its teardown and is named, and once more when the session
ends, for what module or session fixtures wrote outside any test (a change a test's check
reported is not reported again). A listing of the folder
is used rather than ``git status``: var/ is git-ignored anyway, and a listing needs no git
checkout and cannot be confused by edits elsewhere in the tree while the tests run.
"""
from __future__ import annotations

import os
from pathlib import Path


def listing(root: Path) -> dict[str, tuple[int, int] | None]:
    """Relative path -> (size, mtime in ns) of every file below ``root``, None for a folder."""
    found: dict[str, tuple[int, int] | None] = {}
    if not root.is_dir():
        return found
    for folder, folders, files in os.walk(root):
        base = Path(folder)
        for name in folders:
            found[str((base / name).relative_to(root)) + "/"] = None
        for name in files:
            path = base / name
            try:
                stat = path.lstat()
            except FileNotFoundError:  # went while we looked
                continue
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


class VarWatch:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.exists = root.exists()
        self.before = listing(root)
        self.reported: set[str] = set()  # changes already reported elsewhere

    def changes(self) -> list[str]:
        """What is different under the watched folder from when the watch began."""
        now = listing(self.root)
        changes = []
        if not self.exists and self.root.exists():
            changes.append(f"created  {self.root}")
        changes += [f"new      {self.root}/{p}" for p in sorted(now.keys() - self.before.keys())]
        changes += [f"changed  {self.root}/{p}" for p in sorted(now.keys() & self.before.keys())
                    if now[p] != self.before[p]]
        changes += [f"removed  {self.root}/{p}" for p in sorted(self.before.keys() - now.keys())]
        return changes

    def message(self, changes: list[str], when: str) -> str:
        return (f"{when} wrote into the working tree ({self.root}); give the app a per-test directory "
                f"(tests/support/app.py settings_for):\n  " + "\n  ".join(changes))
