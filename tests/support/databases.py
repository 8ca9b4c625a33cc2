"""Fresh, migrated databases for the tests, of either kind, copied from a template.

The Alembic migrations run once per session per kind: on PostgreSQL into a template database
(tests/support/postgres.py, ``CREATE DATABASE … TEMPLATE``), on SQLite into a template file
that every test gets a copy of in its own directory (``SqliteTemplate``).
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from workflows.schema import upgrade
from workflows.store.db import Database

FILENAME = "koopflow.db"


class SqliteTemplate:
    """A SQLite file migrated once; ``create`` copies it into a test's directory.

    The app opens SQLite in WAL mode, so after migrating, the write-ahead log is checkpointed
    into the main file and every connection closed: the main file alone is then the whole,
    consistent database, and only it is copied (never a -wal or -shm file)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"

    def prepare(self) -> "SqliteTemplate":
        database = Database(f"sqlite:///{self.path}")
        upgrade(database)
        database.dispose()
        connection = sqlite3.connect(self.path)
        try:
            busy, _log, _checkpointed = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            connection.close()
        leftovers = [p.name for p in self.path.parent.iterdir() if p != self.path and p.name.startswith(self.path.name)
                     and p.stat().st_size]
        if busy or leftovers:
            raise RuntimeError(f"the SQLite template is not consistent (busy={busy}, left over: {leftovers})")
        self.path.chmod(0o444)  # a test that wrote into the template would change every test after it
        return self

    def create(self, directory: Path, empty: bool = False) -> str:
        """The URL of a new database file in ``directory``: a copy of the template, or (``empty``)
        a file that does not exist yet, for the tests of ``koopflow db upgrade``."""
        path = directory / FILENAME
        if path.exists():
            raise FileExistsError(f"{path} exists already: one database per directory")
        if not empty:
            shutil.copyfile(self.path, path)  # copyfile: the copy is writable, the template read-only
        return f"sqlite:///{path}"


def new_database(request, backend: str, directory: Path, empty: bool = False) -> str:
    """The URL of a fresh database of the given kind, migrated unless ``empty``; on PostgreSQL
    dropped when the requesting fixture ends, on SQLite a file in ``directory``."""
    if backend == "sqlite":
        return request.getfixturevalue("sqlite_template").create(directory, empty)
    maker = request.getfixturevalue("postgres")
    url = maker.create(empty)
    request.addfinalizer(lambda: maker.drop(url))
    return url
