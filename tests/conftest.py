"""Fixtures: a real database, the demo agreement and users, a fixed clock.

Every test that uses a database runs twice, on SQLite (a file in tmp_path) and on PostgreSQL
(``test_x[sqlite]``, ``test_x[postgresql]``): the ``backend`` fixture is parametrised and
``database_url`` hands out a fresh database of that kind. PostgreSQL is the server named by
KOOPFLOW_TEST_DATABASE_URL (its user must be allowed to create databases) or, when that is
unset, a throw-away server started once per session (tests/support/postgres.py). If it
cannot be started, every PostgreSQL test errors with the reason; nothing is skipped.
On both, the migrations run once per session into a template that each test gets a copy of
(tests/support/databases.py).

Also once per session: the agreements and diagrams are parsed once for all the apps the tests
create (tests/support/parse_cache.py), and a watch on var/ fails any test that writes into
the working tree (tests/support/working_tree.py).
"""
from __future__ import annotations

import os
from datetime import datetime

import pytest
from sqlalchemy.exc import SQLAlchemyError

import service.runtime
from tests.support.app import make_app, settings_for
from tests.support.databases import SqliteTemplate, new_database
from tests.support.pages import login
from tests.support.parse_cache import ParseCache
from tests.support.postgres import HINT, DatabaseMaker, PostgresServer, PostgresUnavailable
from tests.support.privacy import leaks
from tests.support.smtp import SmtpServer
from tests.support.working_tree import VarWatch
from workflows.clock import BERLIN, FixedClock
from workflows.paths import VAR_DIR

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> SqliteTemplate:
    """A SQLite file migrated once; every SQLite test database is a copy of it."""
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template")).prepare()


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
def settings(database_url, tmp_path):
    """The app's settings: its documents in the test's tmp_path, never in var/."""
    return settings_for(database_url, tmp_path)


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
def smtp():
    """A real SMTP server on loopback, keeping every message it accepts (``smtp.inbox``)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def as_user(app):
    """A logged-in browser for a demo user: ``as_user("lk.sozialamt")``."""
    return lambda username: login(app, username)


@pytest.fixture(scope="session", autouse=True)
def parse_once():
    """The agreements and diagrams an app boots with, parsed once per session and per content
    of their directories (a test's own edited copy is parsed afresh)."""
    cache = ParseCache()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service.runtime, "load_agreements", cache.wrap(service.runtime.load_agreements))
        patch.setattr(service.runtime, "load_definitions", cache.wrap(service.runtime.load_definitions))
        yield cache


@pytest.fixture(scope="session", autouse=True)
def nothing_written_in_the_session():
    """var/ (the defaults' home) is as it was when the session began, also after the module
    and session fixtures' teardowns; what a single test wrote its own check has reported
    already (``nothing_written_by_the_test``), so it is not reported twice."""
    watch = VarWatch(VAR_DIR)
    yield watch.reported
    changes = [change for change in watch.changes() if change not in watch.reported]
    if changes:
        pytest.fail(watch.message(changes, "The test session (outside any single test)"), pytrace=False)


@pytest.fixture(autouse=True)
def nothing_written_by_the_test(nothing_written_in_the_session):
    """The test, with everything its fixtures did, left var/ as it found it."""
    watch = VarWatch(VAR_DIR)
    yield
    changes = watch.changes()
    if changes:
        nothing_written_in_the_session.update(changes)
        pytest.fail(watch.message(changes, "This test"), pytrace=False)
