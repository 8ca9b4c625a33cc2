"""The Posteingang page and the API task list at 1k, 10k and 100k cases.

One real handover is offered through the commands; its ``cases`` row is copied in bulk, and
every copy gets three task rows: two done and one open, each in a group inbox (the open
tasks spread over the agreement's org units, so the LWV's Fachdienst has about a tenth of
them in its inbox, and every fiftieth of those is assigned to Lea Fachdienst). Then, for
each size, Lea Fachdienst opens her Posteingang (GET /inbox, logged in, WSGI test client)
and her system reads the first page of the API task list (GET /api/v1/tasks with her
token) RUNS times each: median, p95, and the ratio largest/smallest.

    .venv/bin/python bench/inbox.py

Prints figures only; asserts nothing about them.
"""
from __future__ import annotations

import os
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from support.figures import machine, median, ms, p95, timed
from support.instance import koopflow_app

from tests.support.flows import offered_handover
from tests.support.pages import login
from workflows.accounts import create_api_token
from workflows.clock import BERLIN, FixedClock
from workflows.store.cases import Case
from workflows.store.organisation import OrgUnit
from workflows.store.tasks import COMPLETED, OPEN, HumanTask, HumanTaskGroup
from workflows.store.users import user_by_username

SIZES = (1_000, 10_000, 100_000)
RUNS = 40
CHUNK = 2_000
INBOX_OWNER = "lwv.fachdienst"
START = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)
cases, tasks, groups = Case.__table__, HumanTask.__table__, HumanTaskGroup.__table__


class Builder:
    """Adds copies of one case with its task rows, in bulk, numbering on from what is there."""

    def __init__(self, kf):
        self.kf = kf
        with kf.db.engine.begin() as connection:
            self.case = dict(connection.execute(select(cases).limit(1)).mappings().one())
            self.units = sorted(connection.execute(select(OrgUnit.id, OrgUnit.agency_id)).all())
        with kf.db.transaction() as session:
            self.owner = user_by_username(session, INBOX_OWNER).id
        self.owner_unit = "lwv-fachdienst-lk-giessen"
        self.count = 1

    def add(self, count: int) -> None:
        with self.kf.db.engine.begin() as connection:
            next_case = connection.scalar(select(func.max(cases.c.id))) + 1
            next_task = (connection.scalar(select(func.max(tasks.c.id))) or 0) + 1
        for start in range(0, count, CHUNK):
            case_rows, task_rows, group_rows = [], [], []
            for n in range(start, min(count, start + CHUNK)):
                case_id, number = next_case + n, self.count + n
                case_rows.append({**self.case, "id": case_id, "case_number": f"BENCH-{number:07d}"})
                for k, state in enumerate((COMPLETED, COMPLETED, OPEN)):
                    task_id = next_task + 3 * n + k
                    unit, agency = self.units[(number + k) % len(self.units)]
                    due = date(2027, 3, 1) + timedelta(days=number % 400)
                    assigned = state == OPEN and unit == self.owner_unit and number % 50 == 0
                    task_rows.append({
                        "id": task_id, "case_id": case_id, "spiff_task_id": f"{task_id:036d}",
                        "bpmn_id": "review_handover", "name": "Übergabe prüfen", "lane_role": "supra_local_case_office",
                        "agency_id": agency, "form_name": "handover_review", "state": state,
                        "assignee_id": self.owner if assigned else None, "due_on": due, "due_sort": due,
                        "created_at": START, "completed_at": None if state == OPEN else START,
                        "completed_by_id": None})
                    group_rows.append({"task_id": task_id, "org_unit_id": unit, "is_open": state == OPEN,
                                       "due_sort": due})
            with self.kf.db.engine.begin() as connection:
                connection.execute(insert(cases), case_rows)
                connection.execute(insert(tasks), task_rows)
                connection.execute(insert(groups), group_rows)
        self.count += count


def measure(client, url: str, headers: dict | None = None) -> list[float]:
    samples = []
    for _ in range(RUNS + 1):
        seconds, response = timed(lambda: client.get(url, headers=headers or {}))
        assert response.status_code == 200, (url, response.status_code)
        samples.append(seconds)
    return samples[1:]  # the first one warms caches


def main() -> None:
    began = time.perf_counter()
    results = {}
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        app, kf = koopflow_app(Path(tmp), FixedClock(START))
        offered_handover(kf)
        builder = Builder(kf)
        browser = login(app, INBOX_OWNER)
        api = app.test_client()
        token = {"Authorization": f"Bearer {create_api_token(kf.db, kf.clock, INBOX_OWNER)}"}
        for size in SIZES:
            built, _ = timed(lambda: builder.add(size - builder.count))
            with kf.db.engine.begin() as connection:
                mine = connection.scalar(select(func.count()).select_from(groups).where(
                    groups.c.org_unit_id == builder.owner_unit, groups.c.is_open.is_(True)))
                open_tasks = connection.scalar(select(func.count()).select_from(tasks).where(tasks.c.state == OPEN))
            results[size] = {"built": built, "open": open_tasks, "mine": mine,
                             "page": measure(browser.client, "/inbox"),
                             "api": measure(api, "/api/v1/tasks", token),
                             "mb": os.path.getsize(Path(tmp) / "bench.db") / 1e6}
        rows_on_page = len(api.get("/api/v1/tasks", headers=token).get_json()["tasks"])
        kf.db.dispose()

    print("# Posteingang: the inbox page and the API task list by number of cases\n")
    print(f"{machine()}; Lea Fachdienst's first page ({rows_on_page} rows); median and p95 of {RUNS} requests.\n")
    print("| cases | open tasks | in her group inbox | DB size | GET /inbox median | p95 | GET /api/v1/tasks median | p95 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, r in results.items():
        print(f"| {size:,} | {r['open']:,} | {r['mine']:,} | {r['mb']:,.0f} MB | {ms(median(r['page']))} "
              f"| {ms(p95(r['page']))} | {ms(median(r['api']))} | {ms(p95(r['api']))} |")
    small, large = results[SIZES[0]], results[SIZES[-1]]
    for key, name in (("page", "GET /inbox"), ("api", "GET /api/v1/tasks")):
        print(f"\nRatio {SIZES[-1] // 1000}k/{SIZES[0] // 1000}k, {name}: median "
              f"{median(large[key]) / median(small[key]):.2f}, p95 {p95(large[key]) / p95(small[key]):.2f} "
              f"(goal ≤ 1.3; p95 at {SIZES[-1] // 1000}k {ms(p95(large[key]))}, goal < 50 ms)")
    build_time = sum(r["built"] for r in results.values())
    print(f"\nBulk insert of {SIZES[-1]:,} cases and {3 * SIZES[-1]:,} task rows: {build_time:.1f} s; "
          f"whole run {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()
