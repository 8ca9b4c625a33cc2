"""Fixtures: a real database (SQLite file), the demo agreement and users, a fixed clock."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from service.app import create_app
from service.config import Settings
from workflows.accounts import load_demo_users
from workflows.clock import BERLIN, FixedClock
from workflows.paths import AGREEMENTS_DIR
from workflows.schema import upgrade
from workflows.store.db import Database
from tests.support.pages import login
from tests.support.privacy import leaks


@pytest.fixture
def clock():
    return FixedClock(datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'koopflow.db'}", secret_key="test-secret")


def make_app(directory: Path, start: datetime, settings: Settings | None = None):
    """A migrated database with the demo agreements and their users, and the app on it."""
    settings = settings or Settings(database_url=f"sqlite:///{directory / 'koopflow.db'}", secret_key="test-secret")
    database = Database(settings.database_url)
    upgrade(database)
    database.dispose()
    clock = start if isinstance(start, FixedClock) else FixedClock(start)
    application = create_app(settings, clock)
    koopflow = application.extensions["koopflow"]
    for demo_users in sorted(AGREEMENTS_DIR.glob("*.demo-users.yaml")):
        load_demo_users(koopflow.db, clock, demo_users)
    return application, koopflow


@pytest.fixture
def app(settings, clock, tmp_path):
    application, koopflow = make_app(tmp_path, clock, settings)
    yield application
    # After every test with a database: no mail it wrote carries what was typed into forms.
    found = leaks(koopflow.db)
    koopflow.db.dispose()
    assert found == [], f"personal data in mails: {found}"


@pytest.fixture
def kf(app):
    """The running KoopFlow behind the app: db, clock, definitions."""
    return app.extensions["koopflow"]


@pytest.fixture
def as_user(app):
    """A logged-in browser for a demo user: ``as_user("lk.sozialamt")``."""
    return lambda username: login(app, username)
