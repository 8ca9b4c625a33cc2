"""Fixtures for the fault tests: a PostgreSQL server of the test's own, so stopping it hurts no
other test."""
from __future__ import annotations

import pytest

from tests.support.postgres import DatabaseMaker, PostgresServer


@pytest.fixture
def own_postgres():
    """A throw-away PostgreSQL server only this test uses: (server, URL of a migrated database)."""
    server = PostgresServer().start()
    maker = DatabaseMaker(server.url(), prefix="koopflow_fault").prepare()
    try:
        yield server, maker.create()
    finally:
        maker._admin.dispose()
        server.stop()
