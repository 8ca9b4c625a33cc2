"""The worker's sweep cost: finding and waking the due timers among many waiting cases.

One real handover case is started through the commands (prepared by the Landkreis, so it
waits for the LWV's review with its reminder and escalation timers); its ``cases`` row is
then copied in bulk: WAITING copies whose ``next_timer_due`` lies in the future, and DUE
copies whose timer is due. Human-task rows are not copied: the sweep does not read them.

For each size the script measures ``due_case_ids`` (the query alone) and a full
``sweep_timers`` that wakes the DUE cases (each run starts from the same due state), and
prints median and p95 of RUNS runs, the ratio largest/smallest, and SQLite's query plan.
For contrast it also times the due query as it was written before it kept the status test
out of index selection (SQLite then walked ix_cases_status).

    .venv/bin/python bench/timers_sweep.py

Prints figures only; asserts nothing about them.
"""
from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select, update  # noqa: E402

from service.config import Settings  # noqa: E402
from service.runtime import boot  # noqa: E402
from workflows.access import Actor  # noqa: E402
from workflows.accounts import load_demo_users  # noqa: E402
from workflows.cases import start_case  # noqa: E402
from workflows.clock import BERLIN, FixedClock  # noqa: E402
from workflows.paths import AGREEMENTS_DIR  # noqa: E402
from workflows.scheduler import BATCH, due_case_ids, sweep_timers  # noqa: E402
from workflows.schema import upgrade  # noqa: E402
from workflows.store.cases import RUNNING, Case  # noqa: E402
from workflows.store.db import Database  # noqa: E402
from workflows.store.users import user_by_username  # noqa: E402
from workflows.tasks import complete_task  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
DUE = 10
RUNS = 20
RUNS_BEFORE_FIX = 5
CHUNK = 1_000
STARTED = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)  # the case is offered on Monday 01.03.2027 …
NOW = datetime(2027, 3, 16, 8, 0, tzinfo=BERLIN)  # … its review reminder is due 15.03., 07:00
PREPARE = {  # invented
    "person": {"last_name": "Beispiel", "first_name": "Bea", "birth_date": "2008-05-14", "habitual_residence": "Lich"},
    "school": "Förderschule am Rosenhang", "expected_school_end": "2027-07-31",
    "current_benefits": "Schulbegleitung", "has_overall_plan": True, "consent_on_file": True,
}
cases = Case.__table__


def build(directory: Path):
    """A migrated database with the demo agreement and one prepared handover; its row as template."""
    settings = Settings(database_url=f"sqlite:///{directory / 'bench.db'}", secret_key="bench")
    database = Database(settings.database_url)
    upgrade(database)
    database.dispose()
    clock = FixedClock(STARTED)
    kf = boot(settings, clock)
    load_demo_users(kf.db, clock, AGREEMENTS_DIR / "landkreis-giessen.demo-users.yaml")
    with kf.db.transaction() as session:
        sozialamt = Actor.of(user_by_username(session, "lk.sozialamt"))
    started = start_case(kf.db, clock, sozialamt, "handover_school_end", "landkreis-giessen")
    complete_task(kf.db, clock, sozialamt, started.my_task_id, PREPARE)
    with kf.db.engine.begin() as connection:
        template = dict(connection.execute(select(cases).where(cases.c.id == started.case_id)).mappings().one())
        # the original waits too, its timer in the future like the other waiting cases
        connection.execute(update(cases).where(cases.c.id == started.case_id)
                           .values(next_timer_due=NOW + timedelta(days=1)))
    del template["id"]
    clock.set(NOW)
    return kf, clock, template


def add_copies(kf, template: dict, first: int, count: int, due: bool) -> list[int]:
    """``count`` copies of the template row, numbered from ``first``; their ids."""
    ids = []
    for start in range(first, first + count, CHUNK):
        rows = [{**template, "case_number": f"BENCH-{n:07d}",
                 "next_timer_due": NOW - timedelta(hours=1, seconds=n) if due else NOW + timedelta(days=1, seconds=n)}
                for n in range(start, min(first + count, start + CHUNK))]
        with kf.db.engine.begin() as connection:
            connection.execute(insert(cases), rows)
            ids += connection.execute(select(cases.c.id).where(
                cases.c.case_number.in_([r["case_number"] for r in rows]))).scalars().all()
    return ids


def make_due(kf, template: dict, due_ids: list[int]) -> None:
    """Put the due copies back as they were before a sweep woke them."""
    with kf.db.engine.begin() as connection:
        connection.execute(update(cases).where(cases.c.id.in_(due_ids)).values(
            state=template["state"], next_timer_due=NOW - timedelta(hours=1), status=RUNNING))


def query_before_fix(session, now):
    query = (select(Case.id).where(Case.next_timer_due < now, Case.status == RUNNING)
             .order_by(Case.next_timer_due).limit(BATCH))
    return list(session.scalars(query))


def time_query(kf, query, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        with kf.db.transaction() as session:
            start = time.perf_counter()
            found = query(session, NOW)
            samples.append(time.perf_counter() - start)
        assert len(found) == DUE, len(found)
    return samples


def time_sweeps(kf, clock, template: dict, due_ids: list[int]) -> list[float]:
    samples = []
    for _ in range(RUNS):
        make_due(kf, template, due_ids)
        start = time.perf_counter()
        fired = sweep_timers(kf.db, clock)
        samples.append(time.perf_counter() - start)
        assert fired == DUE, fired
    return samples


def query_plan(kf, query) -> str:
    """SQLite's EXPLAIN QUERY PLAN of the SQL that ``query`` really sends."""
    sent = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT CASES.ID"):
            sent.append((statement, parameters))

    event.listen(kf.db.engine, "before_cursor_execute", capture)
    try:
        with kf.db.transaction() as session:
            query(session, NOW)
    finally:
        event.remove(kf.db.engine, "before_cursor_execute", capture)
    statement, parameters = sent[-1]
    with kf.db.engine.connect() as connection:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "; ".join(row[-1] for row in rows)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def main() -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        directory = Path(tmp)
        kf, clock, template = build(directory)
        due_ids = add_copies(kf, template, 0, DUE, due=True)
        waiting, results = 1, {}
        for size in SIZES:
            start = time.perf_counter()
            add_copies(kf, template, DUE + waiting, size - waiting, due=False)
            waiting = size
            built = time.perf_counter() - start
            make_due(kf, template, due_ids)
            results[size] = {
                "built": built,
                "query": time_query(kf, due_case_ids, RUNS),
                "before": time_query(kf, query_before_fix, RUNS_BEFORE_FIX),
                "sweep": time_sweeps(kf, clock, template, due_ids),
                "mb": os.path.getsize(directory / "bench.db") / 1e6,
            }
        make_due(kf, template, due_ids)
        plan, plan_before = query_plan(kf, due_case_ids), query_plan(kf, query_before_fix)
        kf.db.dispose()

    print("# Timer sweep: cost of finding and waking due timers\n")
    print(f"SQLite {sqlite3.sqlite_version}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
          f"state {len(template['state']) / 1000:.1f} kB per case; {DUE} due cases; "
          f"median and p95 of {RUNS} runs (query before the fix: median of {RUNS_BEFORE_FIX}).\n")
    print("| waiting cases | DB size | due_case_ids median | p95 | sweep_timers median | p95 "
          "| due query before the fix |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, r in results.items():
        print(f"| {size:,} | {r['mb']:,.0f} MB | {ms(statistics.median(r['query']))} | {ms(p95(r['query']))} "
              f"| {ms(statistics.median(r['sweep']))} | {ms(p95(r['sweep']))} "
              f"| {ms(statistics.median(r['before']))} |")
    small, large = results[SIZES[0]], results[SIZES[-1]]
    for key, name in (("query", "due_case_ids"), ("sweep", "sweep_timers"), ("before", "query before the fix")):
        ratio = statistics.median(large[key]) / statistics.median(small[key])
        print(f"\nRatio {SIZES[-1] // 1000}k/{SIZES[0] // 1000}k (median), {name}: {ratio:.2f}")
    print(f"\nEXPLAIN QUERY PLAN, due query: `{plan}`\n")
    print(f"EXPLAIN QUERY PLAN, before the fix: `{plan_before}`\n")
    build_time = sum(r["built"] for r in results.values())
    print(f"Bulk insert of {SIZES[-1]:,} rows: {build_time:.1f} s; whole run {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()
