"""Upgrading a database of every released schema that holds cases: the upgrade succeeds on
both databases, no case is lost, and every case then runs to its end with today's code.

Built once per database kind (module fixtures): the cases of every stage (by today's code, at
head) and an empty database at each older revision (migrated one revision at a time and kept
at each). Each test copies the cases into a copy of its revision's database, upgrades that to
head, starts KoopFlow on it (``boot``: agreements and diagrams synced, versions in use
checked; no web app and no demo users needed: the users are among the copied rows) and runs
every case to its end."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from service.runtime import boot
from tests.support.app import make_app, settings_for
from tests.support.databases import new_database
from tests.support.migration_data import (
    RevisionDatabases,
    cases_of_every_stage,
    copy_rows,
    older_revisions,
    run_to_the_end,
)
from workflows.clock import BERLIN, FixedClock
from workflows.schema import upgrade
from workflows.store.cases import Case
from workflows.store.db import Database
from workflows.store.history import HistoryEvent

REVISIONS = older_revisions()


@pytest.fixture(scope="module")
def holding_cases(request, backend, tmp_path_factory):
    """The source: (its Koopflow, cases of every stage written by today's code), made once."""
    directory = tmp_path_factory.mktemp("source")
    url = new_database(request, backend, directory)
    _app, kf = make_app(directory, FixedClock(datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)), settings_for(url, directory))
    try:
        yield kf, cases_of_every_stage(kf)
    finally:
        kf.db.dispose()


@pytest.fixture(scope="module")
def revision_databases(request, backend, tmp_path_factory):
    maker = request.getfixturevalue("postgres") if backend == "postgresql" else None
    databases = RevisionDatabases(backend, tmp_path_factory.mktemp("revisions"), maker).build(REVISIONS)
    try:
        yield databases
    finally:
        databases.close()


@pytest.mark.parametrize("revision", REVISIONS)
def test_a_database_of_an_older_schema_holding_cases_upgrades_and_its_cases_run_to_their_end(
        request, backend, tmp_path, holding_cases, revision_databases, revision):
    kf, stages = holding_cases
    url = revision_databases.create(revision, tmp_path)
    if backend == "postgresql":
        request.addfinalizer(lambda: revision_databases.maker.drop(url))
    copied, partial = copy_rows(kf.db.url, url)
    assert copied["cases"] == len(stages)

    upgraded = Database(url)
    upgrade(upgraded)  # what `koopflow db upgrade` does
    upgraded.dispose()

    after = boot(settings_for(url, tmp_path), kf.clock)  # what starting the app does: sync, version check
    try:
        with after.db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == len(stages)
            history_before = session.scalar(select(func.count()).select_from(HistoryEvent))
        whole = {stage: case_id for stage, case_id in stages.items() if case_id not in partial}
        assert len(whole) >= 3, f"schema {revision} holds too few of the cases to say anything"
        ends = {stage: run_to_the_end(after, case_id) for stage, case_id in whole.items()}
        assert ends == {stage: "completed" for stage in whole}, ends
        with after.db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(HistoryEvent)) > history_before
    finally:
        after.db.dispose()
