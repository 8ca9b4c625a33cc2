"""The worker's sweep cost: finding and waking the due timers among many waiting cases.

One real handover case is started through the commands (prepared by the Landkreis, so it
waits for the LWV's review with its reminder and escalation timers); its ``cases`` row is
then copied in bulk: WAITING copies whose ``next_timer_due`` lies in the future, and DUE
copies whose timer is due. The due copies also get copies of the case's open task (and its
group inbox rows), so waking them finds what it finds on a real case; the waiting copies
do not need them, as the sweep does not read them.

For each size the script measures ``due_case_ids`` (the query alone) and a full
``sweep_timers`` that wakes the DUE cases (each run starts from the same due state), and
prints median and p95 of RUNS runs, the ratio largest/smallest, and SQLite's query plan.
For contrast it also times the due query as it was written before it kept the status test
out of index selection (SQLite then walked ix_cases_status), and the engine floor of a
sweep: SpiffWorkflow alone loading, firing and dumping the DUE instances.

Then the worker itself: ``run_forever`` on a clock that passes in real time, started LEAD
before the DUE timers are due among the largest number of waiting cases; how long after
the due moment each timer fired (WORKER_ROUNDS rounds).

    .venv/bin/python bench/timers_sweep.py

Prints figures only; asserts nothing about them.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import event, insert, select, update
from support.engine_floor import engine_only
from support.figures import machine, ms, p95, sizes
from support.instance import koopflow_app

from tests.support.flows import actor
from workflows.cases.instances import diagram_functions
from workflows.cases.starting import start_case
from workflows.clock import BERLIN, FixedClock, SystemClock
from workflows.engine import runtime
from workflows.store.cases import RUNNING, Case
from workflows.store.definitions import stored_spec
from workflows.store.tasks import OPEN, HumanTask, HumanTaskGroup
from workflows.tasks import complete_task
from workflows.worker import BATCH, due_case_ids, run_forever, sweep_timers

SIZES = sizes("1000,10000,100000")  # BENCH_SIZES overrides; results.md is for these
DUE = 10
RUNS = 20
RUNS_BEFORE_FIX = 5
WORKER_ROUNDS = 10
LEAD = timedelta(seconds=1)  # the worker starts this long before the timers are due
CHUNK = 1_000
STARTED = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)  # the case is offered on Monday 01.03.2027 …
NOW = datetime(2027, 3, 16, 8, 0, tzinfo=BERLIN)  # … its review reminder is due 15.03., 07:00
PREPARE = {  # invented
    "person": {"last_name": "Beispiel", "first_name": "Bea", "birth_date": "2008-05-14", "habitual_residence": "Lich"},
    "school": "Förderschule am Rosenhang", "expected_school_end": "2027-07-31",
    "current_benefits": "Schulbegleitung", "has_overall_plan": True, "consent_on_file": True,
    "prior_benefits": {"checked": True, "sgb_v": True},
}
cases, tasks, groups = Case.__table__, HumanTask.__table__, HumanTaskGroup.__table__


def build(directory: Path):
    """A migrated database with the demo agreement and one prepared handover; its row as template."""
    clock = FixedClock(STARTED)
    _app, kf = koopflow_app(directory, clock)
    sozialamt = actor(kf, "lk.sozialamt")
    started = start_case(kf.db, clock, sozialamt, "handover_school_end", "landkreis-giessen")
    complete_task(kf.db, clock, sozialamt, started.my_task_id, PREPARE)
    with kf.db.engine.begin() as connection:
        template = dict(connection.execute(select(cases).where(cases.c.id == started.case_id)).mappings().one())
        # the original waits too, its timer in the future like the other waiting cases
        connection.execute(update(cases).where(cases.c.id == started.case_id)
                           .values(next_timer_due=NOW + timedelta(days=1)))
        open_tasks = [(dict(task), [dict(g) for g in connection.execute(
                          select(groups).where(groups.c.task_id == task["id"])).mappings()])
                      for task in connection.execute(select(tasks).where(
                          tasks.c.case_id == started.case_id, tasks.c.state == OPEN)).mappings()]
    del template["id"]
    clock.set(NOW)
    return kf, clock, template, open_tasks


def add_open_tasks(kf, open_tasks: list, case_ids: list[int]) -> None:
    """Copies of the template case's open task rows and group rows for these cases."""
    with kf.db.engine.begin() as connection:
        for case_id in case_ids:
            for task, task_groups in open_tasks:
                task_id = connection.execute(insert(tasks).values(
                    {**{k: v for k, v in task.items() if k != "id"}, "case_id": case_id})).inserted_primary_key[0]
                connection.execute(insert(groups), [{**g, "task_id": task_id} for g in task_groups])


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


def time_sweeps(kf, clock, template: dict, due_ids: list[int], functions: dict,
                full_state: bytes) -> tuple[list[float], list[float]]:
    """RUNS sweeps waking the DUE cases, each followed by the engine floor of the same wakes."""
    samples, floors = [], []
    for _ in range(RUNS):
        make_due(kf, template, due_ids)
        start = time.perf_counter()
        fired = sweep_timers(kf.db, clock)
        samples.append(time.perf_counter() - start)
        assert fired == DUE, fired
        floors.append(sweep_floor(clock, full_state, functions))
    return samples, floors


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


def sweep_floor(clock, full_state: bytes, functions: dict) -> float:
    """Seconds SpiffWorkflow alone needs for the DUE wakes of one sweep: load, fire, dump each."""
    return sum(engine_only(full_state, functions, lambda workflow: runtime.fire_timers(workflow, clock))
               for _ in range(DUE))


class ShiftedClock(SystemClock):
    """Wall time moved by an offset: real seconds pass, on the simulation's date."""

    def __init__(self, offset: timedelta):
        self.offset = offset

    def now(self) -> datetime:
        return super().now() + self.offset


def worker_delays(kf, template: dict, due_ids: list[int]) -> list[list[float]]:
    """Per round, how late after the due moment the worker fired each of the DUE timers.

    Each round puts the due cases back to waiting with their real timer moment (the
    reminder), starts ``run_forever`` on a clock that passes in real time, LEAD before that
    moment, and waits until it has woken them all. A case's firing moment is the clock
    reading its wake used (``cases.updated_at``)."""
    due_at = template["next_timer_due"]
    rounds = []
    for _ in range(WORKER_ROUNDS):
        with kf.db.engine.begin() as connection:
            connection.execute(update(cases).where(cases.c.id.in_(due_ids)).values(
                state=template["state"], next_timer_due=due_at, status=RUNNING, updated_at=template["updated_at"]))
        clock = ShiftedClock(due_at - LEAD - datetime.now(timezone.utc))
        stop = threading.Event()
        worker = threading.Thread(target=run_forever, args=(kf.db, clock, stop, 30.0))
        worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
            with kf.db.engine.connect() as connection:
                fired = connection.execute(select(cases.c.updated_at).where(
                    cases.c.id.in_(due_ids), cases.c.updated_at >= due_at)).scalars().all()
            if len(fired) == DUE:
                break
        stop.set()
        worker.join()
        rounds.append(sorted((moment - due_at).total_seconds() for moment in fired))
    return rounds


def main() -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        directory = Path(tmp)
        kf, clock, template, open_tasks = build(directory)
        due_ids = add_copies(kf, template, 0, DUE, due=True)
        add_open_tasks(kf, open_tasks, due_ids)
        waiting, results = 1, {}
        with kf.db.transaction() as session:
            functions = diagram_functions(session, template["agreement_id"], clock)
            # the floor's state as SpiffWorkflow alone stores it: with its spec
            full_state = runtime.joined_state(template["state"], stored_spec(session, template["definition_id"]))
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
                "mb": os.path.getsize(directory / "bench.db") / 1e6,
            }
            results[size]["sweep"], results[size]["floor"] = time_sweeps(kf, clock, template, due_ids, functions, full_state)
        make_due(kf, template, due_ids)
        plan, plan_before = query_plan(kf, due_case_ids), query_plan(kf, query_before_fix)
        delays = worker_delays(kf, template, due_ids)
        kf.db.dispose()

    print("# Timer sweep: cost of finding and waking due timers\n")
    print(f"{machine()}; "
          f"state {len(template['state']) / 1000:.1f} kB per case; {DUE} due cases; "
          f"median and p95 of {RUNS} runs (query before the fix: median of {RUNS_BEFORE_FIX}).\n")
    print("| waiting cases | DB size | due_case_ids median | p95 | sweep_timers median | p95 "
          "| engine floor of the sweep, median | sweep/floor | due query before the fix |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, r in results.items():
        print(f"| {size:,} | {r['mb']:,.0f} MB | {ms(statistics.median(r['query']))} | {ms(p95(r['query']))} "
              f"| {ms(statistics.median(r['sweep']))} | {ms(p95(r['sweep']))} "
              f"| {ms(statistics.median(r['floor']))} "
              f"| {statistics.median(r['sweep']) / statistics.median(r['floor']):.2f} "
              f"| {ms(statistics.median(r['before']))} |")
    small, large = results[SIZES[0]], results[SIZES[-1]]
    for key, name in (("query", "due_case_ids"), ("sweep", "sweep_timers"), ("before", "query before the fix")):
        ratio = statistics.median(large[key]) / statistics.median(small[key])
        print(f"\nRatio {SIZES[-1]:,}/{SIZES[0]:,} waiting (median), {name}: {ratio:.2f}")
    sweep, floor = statistics.median(large["sweep"]), statistics.median(large["floor"])
    print(f"\nSweep at {SIZES[-1]:,} waiting: {ms(sweep)} median (goal < 20 ms). Engine floor of the same "
          f"{DUE} wakes (SpiffWorkflow alone: load, fire, dump each, measured right after each sweep): "
          f"{ms(floor)} median; sweep/floor {sweep / floor:.2f} (goal ≤ 1.5, issue 20).")
    first, last = [r[0] for r in delays], [r[-1] for r in delays]
    every = [d for r in delays for d in r]
    print(f"\n## Worker: how late timers fire\n\n`run_forever` on a clock passing in real time, started {LEAD.seconds} s "
          f"before {DUE} cases' timers are due among {SIZES[-1]:,} waiting; {WORKER_ROUNDS} rounds.\n")
    print("| | median | p95 | max |\n|---|---:|---:|---:|")
    for name, values in (("first of the 10 fired", first), ("last of the 10 fired", last), ("every timer", every)):
        print(f"| {name} | {ms(statistics.median(values))} | {ms(p95(values))} | {ms(max(values))} |")
    print(f"\nEXPLAIN QUERY PLAN, due query: `{plan}`\n")
    print(f"EXPLAIN QUERY PLAN, before the fix: `{plan_before}`\n")
    build_time = sum(r["built"] for r in results.values())
    print(f"Bulk insert of {SIZES[-1]:,} rows: {build_time:.1f} s; whole run {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()
