"""Fresh databases for the tests, of either kind."""
from __future__ import annotations

from pathlib import Path


def new_database(request, backend: str, directory: Path, empty: bool = False) -> str:
    """The URL of a fresh database of the given kind, dropped when the requesting fixture ends;
    migrated on PostgreSQL unless ``empty`` (a new SQLite file is empty, make_app migrates it)."""
    if backend == "sqlite":
        return f"sqlite:///{directory / 'koopflow.db'}"
    maker = request.getfixturevalue("postgres")
    url = maker.create(empty)
    request.addfinalizer(lambda: maker.drop(url))
    return url
