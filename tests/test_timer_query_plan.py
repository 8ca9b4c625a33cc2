"""The worker's timer queries are driven by the timer index, so a sweep costs O(due), not
O(running cases) (bench/timers_sweep.py shows the figures). SQLite has no statistics here,
as in a fresh installation, so its plan does not depend on the data."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from workflows.worker import due_case_ids, seconds_until_next_due

# SQLite only, on purpose: these tests read SQLite's EXPLAIN QUERY PLAN output (PostgreSQL
# plans from table statistics, so a plan on an empty test table says nothing).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def plans(kf, run) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN of every SELECT on cases that ``run`` sends."""
    sent = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT CASES."):
            sent.append((statement, parameters))

    event.listen(kf.db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(kf.db.engine, "before_cursor_execute", capture)
    with kf.db.engine.connect() as connection:
        return ["; ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
                for sql, params in sent]


def due_ids(kf):
    with kf.db.transaction() as session:
        return due_case_ids(session, kf.clock.now())


def test_due_query_walks_the_timer_index_without_sorting(kf):
    [plan] = plans(kf, lambda: due_ids(kf))
    assert "USING INDEX ix_cases_next_timer_due" in plan and "TEMP B-TREE" not in plan, plan


def test_next_timer_query_walks_the_timer_index_without_sorting(kf):
    [plan] = plans(kf, lambda: seconds_until_next_due(kf.db, kf.clock, 30.0))
    assert "USING INDEX ix_cases_next_timer_due" in plan and "TEMP B-TREE" not in plan, plan
