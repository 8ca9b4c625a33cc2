"""The app as the tests create it: settings that keep everything in the test's own directory,
and ``make_app`` with the demo agreements and their users."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from service.app import create_app
from service.config import Settings
from workflows.clock import FixedClock
from workflows.paths import AGREEMENTS_DIR
from workflows.people.accounts import load_all_demo_users
from workflows.schema import upgrade
from workflows.store.db import Database

SECRET_KEY = "test-secret"


def settings_for(database_url: str, directory: Path, **overrides) -> Settings:
    """Settings for an app in a test: uploaded documents in ``directory``/documents and a fixed
    secret key, so that nothing lands in the project's var/ (the defaults' home)."""
    values = {"database_url": database_url, "secret_key": SECRET_KEY, "documents_dir": directory / "documents"}
    return Settings(**{**values, **overrides})


def make_app(directory: Path, start: datetime | FixedClock, settings: Settings | None = None):
    """The app with the demo agreements and their users on a migrated database: the one in
    ``settings`` (the fixtures hand out migrated ones), or without ``settings`` a SQLite file in
    ``directory``, migrated here (as for the browser tests' server)."""
    if settings is None:
        settings = settings_for(f"sqlite:///{directory / 'koopflow.db'}", directory)
        database = Database(settings.database_url)
        upgrade(database)
        database.dispose()
    clock = start if isinstance(start, FixedClock) else FixedClock(start)
    application = create_app(settings, clock)
    koopflow = application.extensions["koopflow"]
    load_all_demo_users(koopflow.db, clock, AGREEMENTS_DIR)
    return application, koopflow
