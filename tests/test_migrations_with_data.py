"""Upgrading a database of every released schema that holds cases: the upgrade succeeds on
both databases, no case is lost, and every case then runs to its end with today's code."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.app import make_app, settings_for
from tests.support.databases import new_database
from tests.support.migration_data import cases_of_every_stage, copy_rows, older_revisions, run_to_the_end
from workflows.schema import upgrade
from workflows.store.cases import Case
from workflows.store.db import Database
from workflows.store.history import HistoryEvent


@pytest.fixture
def holding_cases(kf):
    """The source: cases of every stage, written by today's code."""
    return cases_of_every_stage(kf)


@pytest.mark.parametrize("revision", older_revisions())
def test_a_database_of_an_older_schema_holding_cases_upgrades_and_its_cases_run_to_their_end(
        request, backend, tmp_path, kf, holding_cases, revision):
    directory = tmp_path / f"at-{revision}"
    directory.mkdir()
    url = new_database(request, backend, directory, empty=True)
    old = Database(url)
    upgrade(old, revision)
    old.dispose()
    copied, partial = copy_rows(kf.db.url, url)
    assert copied["cases"] == len(holding_cases)

    upgraded = Database(url)
    upgrade(upgraded)  # what `koopflow db upgrade` does
    upgraded.dispose()

    app, after = make_app(directory, kf.clock, settings_for(url, directory))
    try:
        with after.db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == len(holding_cases)
            history_before = session.scalar(select(func.count()).select_from(HistoryEvent))
        whole = {stage: case_id for stage, case_id in holding_cases.items() if case_id not in partial}
        assert len(whole) >= 3, f"schema {revision} holds too few of the cases to say anything"
        ends = {stage: run_to_the_end(after, case_id) for stage, case_id in whole.items()}
        assert ends == {stage: "completed" for stage in whole}, ends
        with after.db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(HistoryEvent)) > history_before
    finally:
        after.db.dispose()
