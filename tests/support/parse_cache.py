"""Agreements and process definitions parsed once per test session, not once per app.

Every app a test creates boots (service/runtime.py ``boot``): it reads and checks every
agreement file and every diagram with its forms. Across a session those are nearly always
the same files, so ``ParseCache`` wraps the two loaders ``boot`` calls: the result is kept
under the directories' paths and a fingerprint of their contents (every file's relative
path and bytes, hashed), so a test that points at its own copy of bpmn/ (and edits it, even
within the file system's timestamp resolution) still gets a fresh parse. A loader that
raises is not cached: the next call reads the files again and raises again.

Each call hands out a deep copy of the kept result: what one test's app does to its
definitions or agreement data cannot reach another test. Production is unchanged (a process
boots once); only the names in ``service.runtime`` are replaced, for the session.
"""
from __future__ import annotations

import copy
import hashlib
from pathlib import Path


def fingerprint(directory: Path) -> str:
    """A hash of every file under ``directory``: its path relative to it and its content."""
    digest = hashlib.sha256()
    if directory.is_dir():
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(directory)).encode() + b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


class ParseCache:
    def __init__(self) -> None:
        self._kept: dict[tuple, object] = {}
        self.hits = 0
        self.misses = 0

    def wrap(self, loader):
        """``loader`` (taking directories), answered from the cache when the files are the same."""
        def cached(*directories: Path):
            key = (loader.__module__, loader.__qualname__,
                   *((str(Path(d).resolve()), fingerprint(Path(d))) for d in directories))
            if key not in self._kept:
                self.misses += 1
                self._kept[key] = loader(*directories)
            else:
                self.hits += 1
            return copy.deepcopy(self._kept[key])

        cached.__wrapped__ = loader
        return cached
