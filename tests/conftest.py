"""Fixtures: a real database, the demo agreement and users, a fixed clock.

Every test that uses a database runs twice, on SQLite (a file in tmp_path) and on PostgreSQL
(``test_x[sqlite]``, ``test_x[postgresql]``): the ``backend`` fixture is parametrised and
``database_url`` hands out a fresh database of that kind. PostgreSQL is the server named by
KOOPFLOW_TEST_DATABASE_URL (its user must be allowed to create databases) or, when that is
unset, a throw-away server started once per session (tests/support/postgres.py). If it
cannot be started, every PostgreSQL test errors with the reason; nothing is skipped.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import SQLAlchemyError

from service.app import create_app
from service.config import Settings
from tests.support.pages import login
from tests.support.postgres import HINT, DatabaseMaker, PostgresServer, PostgresUnavailable
from tests.support.privacy import leaks
from workflows.clock import BERLIN, FixedClock
from workflows.paths import AGREEMENTS_DIR
from workflows.people.accounts import load_all_demo_users
from workflows.schema import upgrade
from workflows.store.db import Database

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres():
    """Makes fresh migrated PostgreSQL databases (the server is started on first use)."""
    server = None
    url = os.environ.get("KOOPFLOW_TEST_DATABASE_URL")
    try:
        if not url:
            server = PostgresServer().start()
            url = server.url()
        maker = DatabaseMaker(url).prepare()
    except (PostgresUnavailable, SQLAlchemyError) as exc:
        if server is not None:
            server.stop()
        pytest.fail(f"PostgreSQL for the tests is not available: {exc}\n({HINT})", pytrace=False)
    yield maker
    maker.close()
    if server is not None:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


def new_database(request, backend: str, directory: Path, empty: bool = False) -> str:
    """The URL of a fresh database of the given kind, dropped when the requesting fixture ends;
    migrated on PostgreSQL unless ``empty`` (a new SQLite file is empty, make_app migrates it)."""
    if backend == "sqlite":
        return f"sqlite:///{directory / 'koopflow.db'}"
    maker = request.getfixturevalue("postgres")
    url = maker.create(empty)
    request.addfinalizer(lambda: maker.drop(url))
    return url


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    return new_database(request, backend, tmp_path)


@pytest.fixture
def empty_database_url(request, backend, tmp_path) -> str:
    """A database without any schema, for the tests of ``koopflow db upgrade``."""
    return new_database(request, backend, tmp_path, empty=True)


@pytest.fixture
def clock():
    return FixedClock(datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret")


def make_app(directory: Path, start: datetime, settings: Settings | None = None):
    """A migrated database with the demo agreements and their users, and the app on it (without
    ``settings``: a SQLite file in ``directory``, as for the browser tests' server)."""
    settings = settings or Settings(database_url=f"sqlite:///{directory / 'koopflow.db'}", secret_key="test-secret")
    database = Database(settings.database_url)
    upgrade(database)
    database.dispose()
    clock = start if isinstance(start, FixedClock) else FixedClock(start)
    application = create_app(settings, clock)
    koopflow = application.extensions["koopflow"]
    load_all_demo_users(koopflow.db, clock, AGREEMENTS_DIR)
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
